select
    $connection as connection,
    id, title, body_html, vendor, product_type, handle, status, variants, images, image,
    created_at::timestamptz as created_at,
    updated_at::timestamptz as updated_at,
    _extracted_at::timestamptz as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, columns = {
    id: 'bigint', title: 'varchar', body_html: 'varchar', vendor: 'varchar',
    product_type: 'varchar', handle: 'varchar', status: 'varchar',
    variants: 'struct(id bigint, sku varchar, title varchar, price decimal(18, 4))[]',
    images: 'struct(id bigint, src varchar, position integer)[]',
    image: 'struct(src varchar)',
    created_at: 'varchar', updated_at: 'varchar', _extracted_at: 'varchar'
})

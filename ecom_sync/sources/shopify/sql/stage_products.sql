select
    $connection as connection,
    id, title, body_html, vendor, product_type, handle, status, variants, images, image,
    parse_ts(created_at) as created_at,
    parse_ts(updated_at) as updated_at,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'bigint', title: 'varchar', body_html: 'varchar', vendor: 'varchar',
    product_type: 'varchar', handle: 'varchar', status: 'varchar',
    variants: 'struct(id bigint, sku varchar, title varchar, price decimal(18, 4))[]',
    images: 'struct(id bigint, src varchar, position integer)[]',
    image: 'struct(src varchar)',
    created_at: 'varchar', updated_at: 'varchar', _extracted_at: 'varchar'
})

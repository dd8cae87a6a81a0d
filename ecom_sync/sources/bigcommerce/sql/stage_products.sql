select
    $connection as connection,
    id,
    name,
    type,
    nullif(sku, '') as sku,
    description,
    price,
    sale_price,
    calculated_price,
    categories,
    brand_id,
    is_visible,
    custom_url.url as url,
    images,
    variants,
    parse_ts(date_created) as date_created,
    parse_ts(date_modified) as date_modified,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'bigint', name: 'varchar', type: 'varchar', sku: 'varchar', description: 'varchar',
    price: 'double', sale_price: 'double', calculated_price: 'double',
    categories: 'bigint[]', brand_id: 'bigint', is_visible: 'boolean',
    custom_url: 'struct(url varchar)',
    images: 'struct(id bigint, is_thumbnail boolean, url_standard varchar, url_thumbnail varchar, sort_order integer)[]',
    variants: 'struct(id bigint, sku varchar, price double, calculated_price double, image_url varchar)[]',
    date_created: 'varchar', date_modified: 'varchar', _extracted_at: 'varchar'
})

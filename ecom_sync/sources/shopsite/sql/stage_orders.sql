-- Money arrives as decimal strings in major units; timestamps with the site's offset.
-- Read leniently (issue 13): what cannot be read is null, judged in canonical.
select
    $connection as connection,
    text_id(id) as id, number,
    parse_ts(placed_at) as placed_at,
    parse_ts(modified_at) as modified_at,
    status,
    upper(currency) as currency,
    try_cast(nullif(total, '') as decimal(18, 4)) as total,
    try_cast(nullif(shipping_total, '') as decimal(18, 4)) as shipping_total,
    try_cast(nullif(tax_total, '') as decimal(18, 4)) as tax_total,
    try_cast(nullif(discount_total, '') as decimal(18, 4)) as discount_total,
    nullif(trim(discount_code), '') as discount_code,
    shipping_method,
    order_url,
    holder,
    lines,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true,
               columns = {
    id: 'json', number: 'varchar', placed_at: 'varchar', modified_at: 'varchar',
    status: 'varchar', currency: 'varchar', total: 'varchar', shipping_total: 'varchar',
    tax_total: 'varchar', discount_total: 'varchar', discount_code: 'varchar',
    shipping_method: 'varchar', order_url: 'varchar',
    holder: 'struct(customer_id varchar, email varchar, first_name varchar, last_name varchar)',
    lines: 'struct(product_id varchar, sku varchar, name varchar, category varchar, description varchar, image_url varchar, quantity integer, unit_price decimal(18, 4))[]',
    _extracted_at: 'varchar'
})

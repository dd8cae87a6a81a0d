select
    $connection as connection,
    text_id(id) as id, customer_id,
    nullif(trim(email), '') as email,
    first_name, last_name,
    upper(currency) as currency,
    try_cast(nullif(total, '') as decimal(18, 4)) as total,
    recovery_url,
    converted_order_id,
    lines,
    parse_ts(created_at) as created_at,
    parse_ts(modified_at) as modified_at,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true,
               columns = {
    id: 'json', customer_id: 'varchar', email: 'varchar', first_name: 'varchar',
    last_name: 'varchar', currency: 'varchar', total: 'varchar', recovery_url: 'varchar',
    converted_order_id: 'varchar',
    lines: 'struct(product_id varchar, sku varchar, name varchar, category varchar, description varchar, image_url varchar, quantity integer, unit_price decimal(18, 4))[]',
    created_at: 'varchar', modified_at: 'varchar', _extracted_at: 'varchar'
})

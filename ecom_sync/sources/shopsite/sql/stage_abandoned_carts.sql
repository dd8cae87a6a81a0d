select
    $connection as connection,
    id, customer_id,
    nullif(trim(email), '') as email,
    first_name, last_name,
    upper(currency) as currency,
    total::decimal(18, 4) as total,
    recovery_url,
    converted_order_id,
    lines,
    created_at::timestamptz as created_at,
    modified_at::timestamptz as modified_at,
    _extracted_at::timestamptz as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, columns = {
    id: 'varchar', customer_id: 'varchar', email: 'varchar', first_name: 'varchar',
    last_name: 'varchar', currency: 'varchar', total: 'varchar', recovery_url: 'varchar',
    converted_order_id: 'varchar',
    lines: 'struct(product_id varchar, sku varchar, name varchar, category varchar, description varchar, image_url varchar, quantity integer, unit_price decimal(18, 4))[]',
    created_at: 'varchar', modified_at: 'varchar', _extracted_at: 'varchar'
})

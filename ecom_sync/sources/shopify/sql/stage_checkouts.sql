select
    $connection as connection,
    id, token,
    nullif(trim(email), '') as email,
    upper(currency) as currency,
    try_cast(total_price as decimal(18, 4)) as total_price,
    abandoned_checkout_url,
    customer,
    line_items,
    parse_ts(created_at) as created_at,
    parse_ts(updated_at) as updated_at,
    parse_ts(completed_at) as completed_at,
    parse_ts(closed_at) as closed_at,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'bigint', token: 'varchar', email: 'varchar', currency: 'varchar',
    total_price: 'varchar', abandoned_checkout_url: 'varchar',
    customer: 'struct(id bigint, email varchar, first_name varchar, last_name varchar)',
    line_items: 'struct(product_id bigint, variant_id bigint, sku varchar, title varchar, variant_title varchar, price decimal(18, 4), quantity integer)[]',
    created_at: 'varchar', updated_at: 'varchar', completed_at: 'varchar',
    closed_at: 'varchar', _extracted_at: 'varchar'
})

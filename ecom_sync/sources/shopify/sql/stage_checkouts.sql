select
    $connection as connection,
    id, token,
    nullif(trim(email), '') as email,
    upper(currency) as currency,
    total_price::decimal(18, 4) as total_price,
    abandoned_checkout_url,
    customer,
    line_items,
    created_at::timestamptz as created_at,
    updated_at::timestamptz as updated_at,
    completed_at::timestamptz as completed_at,
    closed_at::timestamptz as closed_at,
    _extracted_at::timestamptz as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, columns = {
    id: 'bigint', token: 'varchar', email: 'varchar', currency: 'varchar',
    total_price: 'varchar', abandoned_checkout_url: 'varchar',
    customer: 'struct(id bigint, email varchar, first_name varchar, last_name varchar)',
    line_items: 'struct(product_id bigint, variant_id bigint, sku varchar, title varchar, variant_title varchar, price decimal(18, 4), quantity integer)[]',
    created_at: 'varchar', updated_at: 'varchar', completed_at: 'varchar',
    closed_at: 'varchar', _extracted_at: 'varchar'
})

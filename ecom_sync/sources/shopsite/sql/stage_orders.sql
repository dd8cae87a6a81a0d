-- Money arrives as decimal strings in major units; timestamps with the site's offset.
select
    $connection as connection,
    id, number,
    placed_at::timestamptz as placed_at,
    modified_at::timestamptz as modified_at,
    status,
    upper(currency) as currency,
    total::decimal(18, 4) as total,
    shipping_total::decimal(18, 4) as shipping_total,
    tax_total::decimal(18, 4) as tax_total,
    discount_total::decimal(18, 4) as discount_total,
    nullif(trim(discount_code), '') as discount_code,
    shipping_method,
    order_url,
    holder,
    lines,
    _extracted_at::timestamptz as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, columns = {
    id: 'varchar', number: 'varchar', placed_at: 'varchar', modified_at: 'varchar',
    status: 'varchar', currency: 'varchar', total: 'varchar', shipping_total: 'varchar',
    tax_total: 'varchar', discount_total: 'varchar', discount_code: 'varchar',
    shipping_method: 'varchar', order_url: 'varchar',
    holder: 'struct(customer_id varchar, email varchar, first_name varchar, last_name varchar)',
    lines: 'struct(product_id varchar, sku varchar, name varchar, category varchar, description varchar, image_url varchar, quantity integer, unit_price decimal(18, 4))[]',
    _extracted_at: 'varchar'
})

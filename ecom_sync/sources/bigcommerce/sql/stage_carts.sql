select
    $connection as connection,
    id,
    customer_id,
    channel_id,
    nullif(trim(email), '') as email,
    upper(currency.code) as currency_code,
    base_amount,
    discount_amount,
    cart_amount,
    list_concat(line_items.physical_items, line_items.digital_items) as line_items,
    parse_ts(created_time) as created_time,
    parse_ts(updated_time) as updated_time,
    redirect_urls.cart_url as cart_url,
    parse_ts(abandoned_at) as abandoned_at,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'varchar', customer_id: 'bigint', channel_id: 'bigint', email: 'varchar',
    currency: 'struct(code varchar)', base_amount: 'double', discount_amount: 'double',
    cart_amount: 'double',
    line_items: 'struct(physical_items struct(product_id bigint, variant_id bigint, name varchar, sku varchar, quantity integer, list_price double, sale_price double, image_url varchar)[], digital_items struct(product_id bigint, variant_id bigint, name varchar, sku varchar, quantity integer, list_price double, sale_price double, image_url varchar)[])',
    created_time: 'varchar', updated_time: 'varchar',
    redirect_urls: 'struct(cart_url varchar, checkout_url varchar)',
    abandoned_at: 'varchar', _extracted_at: 'varchar'
})

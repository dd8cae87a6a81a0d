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
    created_time::timestamptz as created_time,
    updated_time::timestamptz as updated_time,
    redirect_urls.cart_url as cart_url,
    abandoned_at::timestamptz as abandoned_at,
    _extracted_at::timestamptz as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, columns = {
    id: 'varchar', customer_id: 'bigint', channel_id: 'bigint', email: 'varchar',
    currency: 'struct(code varchar)', base_amount: 'double', discount_amount: 'double',
    cart_amount: 'double',
    line_items: 'struct(physical_items struct(product_id bigint, variant_id bigint, name varchar, sku varchar, quantity integer, list_price double, sale_price double, image_url varchar)[], digital_items struct(product_id bigint, variant_id bigint, name varchar, sku varchar, quantity integer, list_price double, sale_price double, image_url varchar)[])',
    created_time: 'varchar', updated_time: 'varchar',
    redirect_urls: 'struct(cart_url varchar, checkout_url varchar)',
    abandoned_at: 'varchar', _extracted_at: 'varchar'
})

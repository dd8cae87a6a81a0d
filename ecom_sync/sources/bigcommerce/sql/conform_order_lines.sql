select
    o.connection,
    o.id::varchar as order_id,
    p.id::varchar as line_id,
    p.product_id::varchar as product_id,
    p.variant_id::varchar as variant_id,
    nullif(p.sku, '') as sku,
    p.name,
    p.quantity,
    p.price_inc_tax as unit_amount,
    p.total_inc_tax as total_amount,
    o.currency_code as currency
from staging.bigcommerce_orders o, unnest(o.products) as l(p)

-- SH3: product title → product name (the catalog supplies description and image).
select
    o.connection,
    o.id::varchar as order_id,
    l.id::varchar as line_id,
    l.product_id::varchar as product_id,
    l.variant_id::varchar as variant_id,
    nullif(l.sku, '') as sku,
    coalesce(l.title, l.name) as name,
    l.quantity,
    l.price as unit_amount,
    l.price * l.quantity - coalesce(l.total_discount, 0) as total_amount,
    o.currency
from staging.shopify_orders o, unnest(o.line_items) as u(l)

-- Order lines; the site gives no line id, so a line is its position in the order.
select
    o.connection,
    o.id as order_id,
    o.position::varchar as line_id,
    o.l.product_id as product_id,
    null::varchar as variant_id,
    nullif(o.l.sku, '') as sku,
    o.l.name as name,
    o.l.quantity as quantity,
    o.l.unit_price as unit_amount,
    o.l.unit_price * o.l.quantity as total_amount,
    o.currency
from (
    select connection, id, currency, unnest(lines) as l, generate_subscripts(lines, 1) as position
    from staging.shopsite_orders
) o

-- Order lines with what the catalog knows (category, image, description) (BC5, E3).
select
    l.connection,
    l.order_id,
    l.line_id,
    l.product_id,
    l.variant_id,
    coalesce(l.sku, p.sku) as sku,
    coalesce(l.name, p.name) as name,
    p.category,
    p.description,
    p.image_url,
    l.quantity,
    l.currency,
    round(l.unit_amount * pow(10, cur.minor_unit))::bigint as unit_price_minor,
    round(coalesce(l.total_amount, l.unit_amount * l.quantity) * pow(10, cur.minor_unit))::bigint
        as total_minor
from conformed.order_lines l
join orders o on o.connection = l.connection and o.order_id = l.order_id
join ref.currencies cur on cur.code = l.currency
left join products p on p.connection = l.connection and p.product_id = l.product_id
where l.problem is null  -- problems/order_lines.sql: listed in skipped_records

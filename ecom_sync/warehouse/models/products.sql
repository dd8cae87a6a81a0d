select
    p.connection,
    rc.store_name,
    p.product_id,
    p.name,
    p.sku,
    p.category,
    p.description,
    rc.currency,
    round(p.price_amount * pow(10, cur.minor_unit))::bigint as price_minor,
    p.image_url,
    p.thumbnail_url,
    p.url,
    p.updated_at,
    round(p.original_price_amount * pow(10, cur.minor_unit))::bigint as original_price_minor,
    p.in_stock,
    p.inventory_level,
    p.brand,
    p.rating,
    p.rating_count,
    p.related_product_ids
from conformed.products p
join ref.connections rc using (connection)
left join ref.currencies cur on cur.code = rc.currency
where p.problem is null  -- problems/products.sql: listed in skipped_records

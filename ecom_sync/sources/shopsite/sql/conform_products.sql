-- The site has no catalog endpoint: its products are those its order and cart lines name,
-- as the newest line describes them (category, description and image for E3/BC5).
with seen as (
    select o.connection, l.product_id, l.sku, l.name, l.category, l.description,
           l.image_url, l.unit_price, o.modified_at
    from staging.shopsite_orders o, unnest(o.lines) as u(l)
    union all
    select c.connection, l.product_id, l.sku, l.name, l.category, l.description,
           l.image_url, l.unit_price, c.modified_at
    from staging.shopsite_abandoned_carts c, unnest(c.lines) as u(l)
)
select
    connection,
    product_id,
    name,
    nullif(sku, '') as sku,
    category,
    description,
    unit_price as price_amount,
    image_url,
    image_url as thumbnail_url,
    null::varchar as url,
    modified_at as updated_at
from seen
where product_id is not null
qualify row_number() over (partition by connection, product_id
                           order by modified_at desc, name, sku, unit_price) = 1

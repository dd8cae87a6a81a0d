-- SH3: product type → category; body → description; first image.
select
    p.connection,
    p.id::varchar as product_id,
    p.title as name,
    nullif(p.variants[1].sku, '') as sku,
    nullif(p.product_type, '') as category,
    p.body_html as description,
    p.variants[1].price as price_amount,
    coalesce(p.image.src, p.images[1].src) as image_url,
    coalesce(p.image.src, p.images[1].src) as thumbnail_url,
    '/products/' || p.handle as url,
    p.updated_at
from staging.shopify_products p
-- Deleted in the shop (a destroy event): gone from canonical too; kept in staging.
where not exists (
    select 1 from staging.shopify_deletions d
    where d.connection = p.connection and d.subject_type = 'Product'
      and d.subject_id = p.id
)

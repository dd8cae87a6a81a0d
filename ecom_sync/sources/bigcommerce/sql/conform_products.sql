with category_names as (
    select connection, id, name
    from staging.bigcommerce_categories
    qualify row_number() over (partition by connection, id order by _extracted_at desc) = 1
)
select
    p.connection,
    p.id::varchar as product_id,
    p.name,
    p.sku,
    (select cn.name from category_names cn
      where cn.connection = p.connection and cn.id = p.categories[1]) as category,
    p.description,
    try_cast(coalesce(nullif(p.sale_price, 0), p.price) as decimal(18, 4)) as price_amount,
    coalesce(
        list_filter(p.images, lambda i: i.is_thumbnail)[1].url_standard,
        p.images[1].url_standard
    ) as image_url,
    coalesce(
        list_filter(p.images, lambda i: i.is_thumbnail)[1].url_thumbnail,
        p.images[1].url_thumbnail
    ) as thumbnail_url,
    p.url,
    p.date_modified as updated_at
from staging.bigcommerce_products p

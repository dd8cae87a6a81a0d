-- Square catalog items (deleted ones left out): the first variation's SKU and price
-- (variable pricing has none), the first category and image from related objects.
select
    i.connection,
    i.id as product_id,
    i.name,
    i.variations[1].sku as sku,
    i.category,
    i.description,
    try_cast(i.variations[1].price_money.amount * f.per_minor as decimal(18, 4)) as price_amount,
    i.image_url,
    i.image_url as thumbnail_url,
    null::varchar as url,
    i.updated_at
from staging.square_items i
left join staging.square_minor_units f on f.code = i.variations[1].price_money.currency
where not i.is_deleted

select
    null::varchar as connection, null::varchar as product_id, null::varchar as name,
    null::varchar as sku, null::varchar as category, null::varchar as description,
    null::decimal(18, 4) as price_amount, null::varchar as image_url,
    null::varchar as thumbnail_url, null::varchar as url, null::timestamptz as updated_at,
    -- optional (Connectif CN5); a platform that does not give them leaves them null:
    -- the price before a sale, stock, brand, reviews, related products (store ids)
    null::decimal(18, 4) as original_price_amount, null::boolean as in_stock,
    null::integer as inventory_level, null::varchar as brand, null::decimal(4, 2) as rating,
    null::integer as rating_count, null::varchar[] as related_product_ids
where false

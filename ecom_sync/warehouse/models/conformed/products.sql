select
    null::varchar as connection, null::varchar as product_id, null::varchar as name,
    null::varchar as sku, null::varchar as category, null::varchar as description,
    null::decimal(18, 4) as price_amount, null::varchar as image_url,
    null::varchar as thumbnail_url, null::varchar as url, null::timestamptz as updated_at
where false

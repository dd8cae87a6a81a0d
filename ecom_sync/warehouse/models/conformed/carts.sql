select
    null::varchar as connection, null::varchar as cart_id, null::varchar as customer_id,
    null::boolean as is_guest, null::boolean as contact_eligible, null::varchar as email,
    null::varchar as currency, null::decimal(18, 4) as total_amount,
    null::struct(product_id varchar, name varchar, sku varchar, quantity integer,
                 unit_amount decimal(18, 4), image_url varchar)[] as lines,
    null::varchar as recovery_url, null::timestamptz as created_at,
    null::timestamptz as updated_at, null::timestamptz as abandoned_at
where false

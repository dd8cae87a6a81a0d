select
    null::varchar as connection, null::varchar as platform, null::varchar as order_id,
    null::varchar as order_number, null::varchar as customer_id, null::boolean as is_guest,
    null::boolean as contact_eligible, null::varchar as email, null::varchar as first_name,
    null::varchar as last_name, null::varchar as status, null::varchar as status_group,
    null::varchar as currency, null::decimal(18, 4) as total_amount,
    null::decimal(18, 4) as subtotal_amount, null::decimal(18, 4) as discount_amount,
    null::decimal(18, 4) as shipping_amount, null::decimal(18, 4) as tax_amount,
    null::decimal(18, 4) as refunded_amount, null::varchar as shipping_method,
    null::varchar[] as discount_codes, null::boolean as accepts_marketing,
    null::varchar as cart_id, null::timestamptz as placed_at, null::timestamptz as updated_at,
    null::boolean as is_archived,
    -- optional: the order's own link (Square's receipt URL); a platform that does not give
    -- it gets the connection's order_url_template
    null::varchar as order_url
where false

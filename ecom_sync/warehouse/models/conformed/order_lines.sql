select
    null::varchar as connection, null::varchar as order_id, null::varchar as line_id,
    null::varchar as product_id, null::varchar as variant_id, null::varchar as sku,
    null::varchar as name, null::integer as quantity, null::decimal(18, 4) as unit_amount,
    null::decimal(18, 4) as total_amount, null::varchar as currency
where false

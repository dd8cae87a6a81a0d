-- SQ5: the payment's order lines. Lines name the variation (catalog_object_id); the
-- catalog maps it to its item, whose id is the product id (custom amounts have none).
-- An order paid in parts keeps its lines on its first payment. Quantities are decimal
-- strings (weights too): whole units, at least one.
with variations as (
    select i.connection, v.id as variation_id, i.id as item_id, v.sku
    from staging.square_items i, unnest(i.variations) as u(v)
),
first_payments as (
    select connection, id as payment_id, order_id
    from staging.square_payments
    where order_id is not null
    qualify row_number() over (partition by connection, order_id order by created_at, id) = 1
)
select
    o.connection,
    fp.payment_id as order_id,
    l.uid as line_id,
    coalesce(v.item_id, l.catalog_object_id) as product_id,
    l.catalog_object_id as variant_id,
    v.sku,
    l.name,
    greatest(1, round(try_cast(l.quantity as decimal(18, 5))))::integer as quantity,
    try_cast(l.base_price_money.amount * f.per_minor as decimal(18, 4)) as unit_amount,
    try_cast(l.total_money.amount * f.per_minor as decimal(18, 4)) as total_amount,
    l.total_money.currency as currency
from staging.square_orders o
join first_payments fp on fp.connection = o.connection and fp.order_id = o.id
cross join unnest(o.line_items) as u(l)
left join variations v on v.connection = o.connection and v.variation_id = l.catalog_object_id
left join staging.square_minor_units f on f.code = l.total_money.currency

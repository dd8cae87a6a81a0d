-- Square payments as the canonical orders (SQ5, as ActiveCampaign's own Square
-- integration sends them): the receipt number is the order number, the payment's time its
-- date, its total the order total, its currency the currency, its receipt URL the order
-- URL; the order's discounts, tax and fulfilment go with the order's first payment (an
-- order paid in parts has several). Money arrives in integer minor units and becomes the
-- contract's major units exactly (square_minor_units: a decimal factor, never a float).
-- SQ2: only payments with a Square customer become contacts; the others are kept as
-- guests. Refunded payments keep their status (COMPLETED) and leave revenue.
with payments as (
    select
        p.*,
        f.per_minor,
        row_number() over (partition by p.connection, p.order_id
                           order by p.created_at, p.id) = 1 as first_of_order
    from staging.square_payments p
    left join staging.square_minor_units f on f.code = p.total_money.currency
),
-- Customers belong to the merchant: whichever location's connection synced the newest
-- version of one names it (so a location with its customers stream off still has them).
customers as (
    select * from staging.square_customers
    qualify row_number() over (partition by id order by updated_at desc, version desc,
                                                        connection) = 1
)
select
    p.connection,
    'square' as platform,
    p.id as order_id,
    coalesce(p.receipt_number, p.id) as order_number,
    p.customer_id,
    p.customer_id is null as is_guest,
    p.customer_id is not null as contact_eligible,
    coalesce(c.email_address, p.buyer_email_address) as email,
    c.given_name as first_name,
    c.family_name as last_name,
    p.status,
    case
        when p.status = 'COMPLETED' and coalesce(p.refunded_money.amount, 0) > 0
             and p.refunded_money.amount >= p.total_money.amount then 'refunded'
        when p.status = 'COMPLETED' and coalesce(p.refunded_money.amount, 0) > 0
            then 'partially_refunded'
        when p.status = 'COMPLETED' then 'paid'
        when p.status in ('APPROVED', 'PENDING') then 'pending'
        when p.status = 'CANCELED' then 'cancelled'
        when p.status = 'FAILED' then 'failed'
        else 'unknown'
    end as status_group,
    p.total_money.currency as currency,
    try_cast(p.total_money.amount * p.per_minor as decimal(18, 4)) as total_amount,
    try_cast(p.amount_money.amount * p.per_minor as decimal(18, 4)) as subtotal_amount,
    try_cast(coalesce(o.total_discount_money.amount, 0) * p.per_minor as decimal(18, 4))
        as discount_amount,
    0::decimal(18, 4) as shipping_amount,
    try_cast(coalesce(o.total_tax_money.amount, 0) * p.per_minor as decimal(18, 4)) as tax_amount,
    try_cast(coalesce(p.refunded_money.amount, 0) * p.per_minor as decimal(18, 4)) as refunded_amount,
    o.fulfillments[1].type as shipping_method,
    -- Square discounts have names, no codes (sources.md 4)
    list_filter([d.name for d in coalesce(o.discounts, [])], lambda n: n is not null)
        as discount_codes,
    null::boolean as accepts_marketing,
    null::varchar as cart_id,
    p.created_at as placed_at,
    p.updated_at,
    false as is_archived,
    p.receipt_url as order_url
from payments p
left join customers c on c.id = p.customer_id
left join staging.square_orders o
    on o.connection = p.connection and o.id = p.order_id and p.first_of_order

-- BigCommerce customers in the canonical customer shape.
-- Consent (C3): the Subscribers API is the source of truth for e-mail marketing; a
-- customer with no subscriber record falls back to the opt-in box of their newest order.
with subscriber as (
    select connection, lower(trim(email)) as email_key,
           list_contains(consents, 'marketing_newsletter') as opted_in
    from staging.bigcommerce_subscribers
    where email is not null
    qualify row_number() over (partition by connection, lower(trim(email))
                               order by date_modified desc) = 1
),
newest_order as (
    select connection, customer_id, is_email_opt_in
    from staging.bigcommerce_orders
    where customer_id <> 0
    qualify row_number() over (partition by connection, customer_id
                               order by date_created desc, id desc) = 1
)
select
    c.connection,
    'bigcommerce' as platform,
    c.id::varchar as customer_id,
    c.email,
    c.first_name,
    c.last_name,
    coalesce(c.phone, nullif(c.addresses->>'$[0].phone', '')) as phone,
    c.company,
    coalesce(s.opted_in, o.is_email_opt_in, false) as accepts_marketing,
    ['bigcommerce-customer'] as tags,
    c.date_created as created_at,
    c.date_modified as updated_at
from staging.bigcommerce_customers c
left join subscriber s
    on s.connection = c.connection and s.email_key = lower(trim(c.email))
left join newest_order o
    on o.connection = c.connection and o.customer_id = c.id

-- One AC e-commerce customer per (store, e-mail), the newest customer record of that
-- e-mail. A customer with orders to send is created (and kept up to date) by the GraphQL
-- order upsert, which carries the same consent (C3): one REST request per customer saved.
with with_orders as (
    select distinct o.connection, o.email_key
    from canonical.orders o
    where o.contact_eligible and o.status_group <> 'incomplete' and o.email_key is not null
)
select
    c.connection || '|' || c.email_key as key,
    c.connection,
    c.email_key,
    null::timestamptz as placed_at,
    case when w.email_key is not null then 'sent_with_its_orders' end as skip_reason,
    hash(c, p.consent_policy) as fingerprint
from canonical.customers c
left join with_orders w on w.connection = c.connection and w.email_key = c.email_key
left join ref.consent_policies p on p.connection = c.connection
qualify row_number() over (partition by c.connection, c.email_key order by c.updated_at desc, c.customer_id) = 1

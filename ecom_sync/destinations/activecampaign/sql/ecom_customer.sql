-- One AC e-commerce customer per (store, e-mail), with its marketing consent (C3).
-- A customer with orders to send is created (and kept up to date) by the GraphQL order
-- upsert, which carries the same consent: one REST request per customer saved.
select
    'ecom_customer' as kind,
    c.connection || '|' || c.email_key as key,
    c.connection,
    c.email_key,
    null::timestamptz as placed_at,
    case when exists (
        select 1 from canonical.orders o
        where o.connection = c.connection and o.email_key = c.email_key
          and o.contact_eligible and o.status_group <> 'incomplete'
    ) then 'sent_with_its_orders' end as skip_reason,
    to_json({
        'externalid': c.customer_id,
        'email': trim(c.email),
        'acceptsMarketing': case when c.accepts_marketing then '1' else '0' end
    }) as payload
from canonical.customers c
qualify row_number() over (partition by c.connection, c.email_key order by c.updated_at desc) = 1

-- One AC e-commerce customer per (store, e-mail), with its marketing consent (C3).
select
    'ecom_customer' as kind,
    c.connection || '|' || c.email_key as key,
    c.connection,
    c.email_key,
    null::timestamptz as placed_at,
    null::varchar as skip_reason,
    to_json({
        'externalid': c.customer_id,
        'email': trim(c.email),
        'acceptsMarketing': case when c.accepts_marketing then '1' else '0' end
    }) as payload
from canonical.customers c
qualify row_number() over (partition by c.connection, c.email_key order by c.updated_at desc) = 1

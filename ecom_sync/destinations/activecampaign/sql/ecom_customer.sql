-- The e-commerce customer with its marketing consent (C3); none for a connection whose
-- consent_policy is never_change (C5: the sync sets no consent there).
select
    c.connection || '|' || c.email_key as key,
    to_json({
        'externalid': c.customer_id,
        'email': trim(c.email),
        'acceptsMarketing': case when p.consent_policy = 'never_change' then null
                                 when c.accepts_marketing then '1' else '0' end
    }) as payload
from canonical.customers c
left join ref.consent_policies p on p.connection = c.connection
where c.connection || '|' || c.email_key in (select key from render_keys)
qualify row_number() over (partition by c.connection, c.email_key order by c.updated_at desc, c.customer_id) = 1

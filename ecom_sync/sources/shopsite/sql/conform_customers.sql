-- Shop-site registered customers in the canonical shape. No consent: the site's
-- newsletter flag is not exposed, consent is the marketing tool's (C5); no store tags.
select
    c.connection,
    'shopsite' as platform,
    c.id as customer_id,
    c.email,
    c.first_name,
    c.last_name,
    c.phone,
    c.company,
    null::boolean as accepts_marketing,
    []::varchar[] as tags,
    c.created_at,
    c.modified_at as updated_at
from staging.shopsite_customers c

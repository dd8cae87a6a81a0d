-- Shopify customers in the canonical shape.
-- SH2: the shop's customer tags become contact tags. SH3: company from the default
-- address. SH4: phone from the customer, else the default address, else none.
-- C3: e-mail marketing consent; older API versions only have accepts_marketing.
select
    c.connection,
    'shopify' as platform,
    c.id::varchar as customer_id,
    c.email,
    c.first_name,
    c.last_name,
    coalesce(nullif(trim(c.phone), ''), nullif(trim(c.default_address.phone), '')) as phone,
    nullif(trim(c.default_address.company), '') as company,
    coalesce(c.email_marketing_consent.state = 'subscribed', c.accepts_marketing, false)
        as accepts_marketing,
    list_filter([trim(t) for t in string_split(coalesce(c.tags, ''), ',')],
                lambda t: t <> '') as tags,
    c.created_at,
    c.updated_at
from staging.shopify_customers c
-- Deleted in the shop (a destroy event): gone from canonical too; kept in staging.
where not exists (
    select 1 from staging.shopify_deletions d
    where d.connection = c.connection and d.subject_type = 'Customer'
      and d.subject_id = c.id
)

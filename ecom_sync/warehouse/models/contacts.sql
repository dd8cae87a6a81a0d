-- One contact per normalised e-mail across every connection (C1). Names come from the
-- newest order or cart that has them, else the newest customer record (C2); consent is
-- "opted in anywhere" (C3). Guests become contacts only where their platform allows.
-- consent_policy: 'sync' if any store the person is known from syncs consent (C3, C4),
-- else 'never_change' (C5: only shop sites know them; destinations send name and e-mail
-- only and never touch lists or consent).
-- Ties on time are broken by value, so a rebuild picks the same row whatever the scan
-- order (otherwise an unchanged contact could flip spelling and be re-sent, M6).
with identities as (
    select email_key, email, connection, platform, first_name, last_name, phone, company,
           accepts_marketing, tags, updated_at, 1 as name_rank, address
    from customers
    union all
    select email_key, email, connection, platform, first_name, last_name,
           null as phone, null as company, null as accepts_marketing,
           []::varchar[] as tags, placed_at as updated_at, 0 as name_rank, null as address
    from orders where contact_eligible and email_key is not null
    union all
    select c.email_key, c.email, c.connection, rc.platform, null as first_name,
           null as last_name, null as phone, null as company, null as accepts_marketing,
           []::varchar[] as tags, c.updated_at, 2 as name_rank, null as address
    from abandoned_carts c join ref.connections rc using (connection)
    where c.contact_eligible and c.email_key is not null
),
named as (
    select email_key, first_name, last_name from identities
    where first_name is not null or last_name is not null
    qualify row_number() over (partition by email_key order by name_rank, updated_at desc, connection, first_name, last_name) = 1
)
select
    i.email_key,
    trim(arg_max(i.email, (i.updated_at, i.email))) as email,
    any_value(n.first_name) as first_name,
    any_value(n.last_name) as last_name,
    arg_max(i.phone, (i.updated_at, i.phone)) filter (where i.phone is not null) as phone,
    arg_max(i.company, (i.updated_at, i.company)) filter (where i.company is not null) as company,
    arg_max(i.address, (i.updated_at, i.address::varchar))
        filter (where i.address is not null) as address,
    coalesce(bool_or(i.accepts_marketing), false) as accepts_marketing,
    list_sort(list_distinct(flatten(list(i.tags)))) as tags,
    list_sort(list_distinct(list(i.connection))) as connections,
    list_sort(list_distinct(list(i.platform))) as platforms,
    min(i.updated_at) as first_seen_at,
    max(i.updated_at) as updated_at,
    case when bool_or(coalesce(cp.consent_policy, 'sync') = 'sync') then 'sync'
         else 'never_change' end as consent_policy
from identities i
left join named n using (email_key)
left join ref.consent_policies cp on cp.connection = i.connection
group by i.email_key

-- One contact per normalised e-mail across every connection (C1). Names come from the
-- newest order or cart that has them, else the newest customer record (C2). Guests become
-- contacts only where their platform allows.
-- Consent (C3, C4): each store's value (its newest customer record) is kept in
-- `consents` with where and when it came from (store, connection, record, time) and the
-- connection's consent_policy. The contact's consent counts the stores whose policy is
-- sync: ANY OPT-OUT WINS (one of them saying "does not accept marketing" outweighs
-- another's opt-in, whatever their times: a store's "no" cannot be told from an
-- unsubscribe): opted_in only if at least one says yes and none says no, not_opted_in if
-- one says no, none if no such store has a value. consent_source is the value that
-- decided (the newest of its kind).
-- consent_policy: 'sync' if any store the person is known from syncs consent, else
-- 'never_change' (C5: only such stores know them; destinations send their e-mail and
-- names only, nothing else).
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
consent_values as (
    select c.email_key, c.connection, c.store_name, c.customer_id, c.accepts_marketing,
           c.updated_at, coalesce(p.consent_policy, 'sync') as policy
    from customers c
    left join ref.consent_policies p using (connection)
    where c.accepts_marketing is not null
    qualify row_number() over (partition by c.email_key, c.connection
                               order by c.updated_at desc, c.customer_id) = 1
),
consent as (
    select email_key,
           list({'store': store_name, 'connection': connection, 'record': customer_id,
                 'accepts_marketing': accepts_marketing, 'at': updated_at,
                 'policy': policy} order by connection) as consents,
           case when not bool_or(policy = 'sync') then 'none'
                when bool_and(accepts_marketing) filter (where policy = 'sync')
                    then 'opted_in'
                else 'not_opted_in' end as consent_status
    from consent_values
    group by email_key
),
decided as (
    select k.email_key, k.consents, k.consent_status,
           arg_max({'store': v.store_name, 'connection': v.connection,
                    'record': v.customer_id, 'at': v.updated_at},
                   (v.updated_at, v.connection)) filter (where v.connection is not null)
               as consent_source
    from consent k
    left join consent_values v
        on v.email_key = k.email_key and v.policy = 'sync'
       and v.accepts_marketing = (k.consent_status = 'opted_in')
    group by all
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
    coalesce(any_value(d.consent_status) = 'opted_in', false) as accepts_marketing,
    coalesce(any_value(d.consent_status), 'none') as consent_status,
    any_value(d.consent_source) as consent_source,
    coalesce(any_value(d.consents), []) as consents,
    list_sort(list_distinct(flatten(list(i.tags)))) as tags,
    list_sort(list_distinct(list(i.connection))) as connections,
    list_sort(list_distinct(list(i.platform))) as platforms,
    min(i.updated_at) as first_seen_at,
    max(i.updated_at) as updated_at,
    case when bool_or(coalesce(cp.consent_policy, 'sync') = 'sync') then 'sync'
         else 'never_change' end as consent_policy
from identities i
left join named n using (email_key)
left join decided d using (email_key)
left join ref.consent_policies cp on cp.connection = i.connection
group by i.email_key

-- People erased on request (`ecom-sync forget`) whom the conformed data names again (a
-- store that still holds them, synced since): their tombstone matches the salted hash of
-- the e-mail. readmitted_at: their first order placed after the erasure (any status but
-- an incomplete checkout), which re-admits them from that time on (models/*.sql).
with seen as (
    select distinct lower(trim(email)) as email_key from conformed.customers
    where nullif(trim(email), '') is not null
    union
    select lower(trim(email)) from conformed.orders where nullif(trim(email), '') is not null
    union
    select lower(trim(email)) from conformed.carts where nullif(trim(email), '') is not null
),
erased as (
    select s.email_key, t.email_hash, t.erased_at
    from seen s
    join erasures t on t.email_hash = sha256(getvariable('erasure_salt') || s.email_key)
)
select e.email_key, e.email_hash, e.erased_at, min(o.placed_at) as readmitted_at
from erased e
left join conformed.orders o
    on lower(trim(o.email)) = e.email_key and o.placed_at > e.erased_at
   and o.status_group <> 'incomplete'
group by all

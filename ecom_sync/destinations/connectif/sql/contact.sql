-- PATCH /contacts/{email} (an upsert): _name, _surname (C2: from the newest order or
-- cart), _mobilePhone only in international format (what Connectif takes), and the
-- address parts mapped to custom fields (CN4). Never a subscription status (CN7). A
-- contact whose stores all have consent_policy 'never_change' (C5) gets its names only.
with address_field as (
    select unnest(from_json($address_fields, '{"street": "VARCHAR", "city": "VARCHAR",
        "state": "VARCHAR", "country": "VARCHAR", "zip": "VARCHAR"}'))
),
phones as (
    select email_key, regexp_replace(phone, '[\s().-]', '', 'g') as digits
    from canonical.contacts
    where email_key in (select key from render_keys) and consent_policy = 'sync'
)
select
    c.email_key as key,
    to_json({
        'email': c.email,
        'fields': map_from_entries(list_filter([
            {'k': '_name', 'v': c.first_name},
            {'k': '_surname', 'v': c.last_name},
            {'k': '_mobilePhone',
             'v': case when regexp_full_match(p.digits, '\+[1-9][0-9]{6,14}') then p.digits end},
            {'k': af.street, 'v': c.address.street},
            {'k': af.city, 'v': c.address.city},
            {'k': af.state, 'v': c.address.state},
            {'k': af.country, 'v': c.address.country},
            {'k': af.zip, 'v': c.address.zip}
        ], lambda f: f.k is not null and f.v is not null))
    }) as payload
from (select * replace (case when consent_policy = 'sync' then address end as address)
      from canonical.contacts) c
cross join address_field af
left join phones p using (email_key)
where c.email_key in (select key from render_keys)

-- One contact per e-mail, through bulk import: names from the newest order or cart (C2),
-- the platform's tags (BC4) and the connection's own, the company as account, and
-- whether they accept marketing (C4 list subscription is decided at send time).
-- A contact whose stores all have consent_policy 'never_change' (C5, shop sites) gets
-- its e-mail and names only, and says so: the publisher subscribes it to no list.
select
    c.email_key as key,
    case when c.consent_policy = 'never_change' then to_json({
        'email': c.email,
        'first_name': c.first_name,
        'last_name': c.last_name,
        'consent_policy': c.consent_policy
    }) else to_json({
        'email': c.email,
        'first_name': c.first_name,
        'last_name': c.last_name,
        'phone': c.phone,
        'customer_acct_name': c.company,
        'tags': list_sort(list_distinct(list_concat(
            c.tags,
            flatten([coalesce(from_json(json_extract($connection_tags, '$."' || conn || '"'),
                                        '["VARCHAR"]'), [])
                     for conn in c.connections])))),
        'accepts_marketing': c.accepts_marketing
    }) end as payload
from canonical.contacts c
where c.email_key in (select key from render_keys)

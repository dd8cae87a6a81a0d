-- One contact per e-mail, through bulk import: names from the newest order or cart (C2),
-- the platform's tags (BC4) and the connection's own, the company as account, and their
-- consent as decided (contacts.sql). The master list is a kind of its own
-- (subscription.*.sql), so the contact import never subscribes. A contact known only from
-- stores whose consent_policy is never_change (C5, shop sites) is sent with its e-mail
-- and names only: a new one is created with nothing else.
select
    c.email_key as key,
    case when c.consent_policy = 'never_change' then to_json({
        'email': c.email,
        'first_name': c.first_name,
        'last_name': c.last_name
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

-- C4: a contact's place on the master list, an object of its own so that a subscription
-- the sync holds back shows why (its skip reason, in the outbox and publish counts).
-- Held back: unsubscribed in this account (seen by reconcile or the publisher: never
-- subscribed again by the sync), declined in another store (any opt-out wins:
-- contacts.sql), or opted in only in stores whose consent_policy is never_change (C5).
select
    c.email_key as key,
    null::varchar as connection,
    c.email_key,
    null::timestamptz as placed_at,
    case
        when c.consent_status = 'opted_in' and o.email_key is not null
            then 'unsubscribed_in_destination'
        when c.consent_status = 'opted_in' then null
        when list_bool_or([v.accepts_marketing for v in c.consents if v.policy = 'sync'])
            then 'declined_in_another_store'
        when list_bool_or([v.accepts_marketing for v in c.consents])
            then 'consent_policy_never_change'
        else 'not_opted_in'
    end as skip_reason,
    hash(c.email, c.consent_status, [(v.accepts_marketing, v.policy) for v in c.consents],
         o.email_key) as fingerprint
from canonical.contacts c
left join destination_opt_outs o using (email_key)

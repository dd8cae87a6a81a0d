-- One contact per e-mail; the fingerprint is the whole contacts row.
select
    c.email_key as key,
    null::varchar as connection,
    c.email_key,
    null::timestamptz as placed_at,
    null::varchar as skip_reason,
    hash(c) as fingerprint
from canonical.contacts c

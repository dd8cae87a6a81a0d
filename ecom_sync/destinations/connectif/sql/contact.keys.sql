-- One Connectif contact per e-mail (C1); contacts known only from stores this Connectif
-- store does not receive are skipped by the publish scope. The fingerprint is the whole
-- contacts row.
select
    c.email_key as key,
    null::varchar as connection,
    c.email_key,
    null::timestamptz as placed_at,
    null::varchar as skip_reason,
    hash(c) as fingerprint
from canonical.contacts c

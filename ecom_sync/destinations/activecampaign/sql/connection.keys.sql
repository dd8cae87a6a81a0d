-- One AC connection per store (S1); the fingerprint is the whole ref row.
select
    rc.connection as key,
    rc.connection,
    null::varchar as email_key,
    null::timestamptz as placed_at,
    null::varchar as skip_reason,
    hash(rc) as fingerprint
from ref.connections rc

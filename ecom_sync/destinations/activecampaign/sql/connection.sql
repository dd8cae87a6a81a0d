-- One AC connection per store (S1).
select
    'connection' as kind,
    rc.connection as key,
    rc.connection,
    null::varchar as email_key,
    null::timestamptz as placed_at,
    null::varchar as skip_reason,
    to_json({
        'service': 'ecom_sync-' || rc.platform,
        'externalid': rc.connection,
        'name': rc.store_name,
        'logoUrl': $logo_url,
        'linkUrl': coalesce(regexp_extract(rc.order_url_template, '^(https?://[^/]+)'), $logo_url)
    }) as payload
from ref.connections rc

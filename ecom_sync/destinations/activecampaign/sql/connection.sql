-- One AC connection per store (S1).
select
    rc.connection as key,
    to_json({
        'service': 'ecom_sync-' || rc.platform,
        'externalid': rc.connection,
        'name': rc.store_name,
        'logoUrl': $logo_url,
        'linkUrl': coalesce(regexp_extract(rc.order_url_template, '^(https?://[^/]+)'), $logo_url)
    }) as payload
from ref.connections rc
where rc.connection in (select key from render_keys)

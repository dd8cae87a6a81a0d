-- One Connectif product per store product of a storefront this store receives (see
-- prelude.sql). The fingerprint covers the product as Connectif will hold it.
select
    d.connection || '|' || d.product_id as key,
    d.connection,
    null::varchar as email_key,
    null::timestamptz as placed_at,
    case
        when d.cx_product_id is null then 'no_sku'
        when d.store_price_minor is null then 'no_price_in_store_currency'
        when not d.page_authorised then 'url_not_in_authorised_domains'
    end as skip_reason,
    hash(d) as fingerprint
from cx_product d

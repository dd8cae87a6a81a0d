-- Orders (E2/E3). The fingerprint covers everything order.sql reads: the order row, its
-- lines (an order-independent xor of line hashes over the line columns order.sql reads;
-- not the long description it does not), the currency's exponent and the e-commerce
-- customer's consent with its connection's consent_policy.
with lines as (
    select l.connection, l.order_id,
           bit_xor(hash(l.line_id, l.product_id, l.variant_id, l.name, l.sku, l.category,
                        l.image_url, l.quantity, l.total_minor, l.currency)) as fingerprint
    from canonical.order_lines l
    group by all
)
select
    o.connection || '|' || o.order_id as key,
    o.connection,
    o.email_key,
    o.placed_at,
    case
        when not o.contact_eligible then 'guest_checkout_not_synced'
        when o.email_key is null then 'no_email'
        when o.status_group = 'incomplete' then 'incomplete_checkout'
    end as skip_reason,
    hash(o, li.fingerprint, cur.minor_unit, c.accepts_marketing, p.consent_policy)
        as fingerprint
from canonical.orders o
left join ref.currencies cur on cur.code = o.currency
left join lines li on li.connection = o.connection and li.order_id = o.order_id
left join canonical.customers c
    on c.connection = o.connection and c.customer_id = o.customer_id
left join ref.consent_policies p on p.connection = o.connection

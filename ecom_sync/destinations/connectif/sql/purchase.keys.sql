-- One Connectif purchase per order of a storefront this store receives, in the store's
-- currency (CN6), while its status counts as a purchase (CN3); an order that stops
-- counting is skipped as status_not_counted, which takes its purchase back. The
-- fingerprint covers the order row, the line columns purchase.sql reads, the products'
-- Connectif ids and pages (prelude.sql) and the contact's spelling of the e-mail.
with lines as (
    select l.connection, l.order_id, count(*) as n,
           bit_xor(hash(l.line_id, l.product_id, l.name, l.sku, l.quantity, l.total_minor,
                        l.currency, p.cx_product_id, p.name, p.page)) as fingerprint
    from canonical.order_lines l
    left join cx_product p using (connection, product_id)
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
        when o.currency <> $currency then 'currency_not_in_this_store'
        when li.n is null then 'no_order_lines'
        when not (list_contains(from_json($counted_statuses, '["VARCHAR"]'), lower(o.status))
                  or list_contains(from_json($counted_statuses, '["VARCHAR"]'),
                                   o.status_group))
            then 'status_not_counted'
    end as skip_reason,
    hash(o, li.fingerprint, k.email) as fingerprint
from canonical.orders o
left join lines li using (connection, order_id)
left join canonical.contacts k on k.email_key = o.email_key

-- Abandoned carts (BC6). A cart that became an order is recovered by that order's
-- cartId, not sent again. The fingerprint is the whole cart row, lines included.
select
    c.connection || '|' || c.cart_id as key,
    c.connection,
    c.email_key,
    c.abandoned_at as placed_at,
    case
        when not c.contact_eligible then 'guest_cart_not_synced'
        when c.email_key is null then 'no_email'
        when c.status = 'recovered' then 'recovered_by_order'
    end as skip_reason,
    hash(c) as fingerprint
from canonical.abandoned_carts c

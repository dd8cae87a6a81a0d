-- Abandoned carts of the storefronts this store receives, in its currency (CN6). A cart
-- that became an order is not sent (the purchase names its cartId). The fingerprint is
-- the whole cart row, lines included, and the contact's spelling of the e-mail.
select
    c.connection || '|' || c.cart_id as key,
    c.connection,
    c.email_key,
    c.abandoned_at as placed_at,
    case
        when $cart_event_alias = '' then 'carts_not_configured'
        when not c.contact_eligible then 'guest_cart_not_synced'
        when c.email_key is null then 'no_email'
        when c.status = 'recovered' then 'recovered_by_order'
        when c.currency <> $currency then 'currency_not_in_this_store'
    end as skip_reason,
    hash(c, k.email) as fingerprint
from canonical.abandoned_carts c
left join canonical.contacts k on k.email_key = c.email_key

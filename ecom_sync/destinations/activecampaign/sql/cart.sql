-- Abandoned carts through v3 ecomOrders (integer cents), with the recovery URL (BC6).
-- A cart that became an order is recovered by that order's cartId, not sent again.
select
    'cart' as kind,
    c.connection || '|' || c.cart_id as key,
    c.connection,
    c.email_key,
    c.abandoned_at as placed_at,
    case
        when not c.contact_eligible then 'guest_cart_not_synced'
        when c.email_key is null then 'no_email'
        when c.status = 'recovered' then 'recovered_by_order'
    end as skip_reason,
    to_json({
        'externalcheckoutid': c.cart_id,
        'abandonedDate': strftime(c.abandoned_at, '%Y-%m-%dT%H:%M:%SZ'),
        'externalCreatedDate': strftime(coalesce(c.created_at, c.abandoned_at),
                                        '%Y-%m-%dT%H:%M:%SZ'),
        'email': trim(c.email),
        'totalPrice': c.total_minor,
        'currency': c.currency,
        'orderUrl': c.recovery_url,
        'orderProducts': [{'externalid': l.product_id, 'name': l.name, 'sku': l.sku,
                           'price': l.unit_price_minor, 'quantity': l.quantity,
                           'imageUrl': l.image_url} for l in c.lines]
    }) as payload
from canonical.abandoned_carts c

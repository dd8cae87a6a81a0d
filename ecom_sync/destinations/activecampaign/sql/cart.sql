-- Abandoned carts through v3 ecomOrders (integer cents), with the recovery URL (BC6).
select
    c.connection || '|' || c.cart_id as key,
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
where c.connection || '|' || c.cart_id in (select key from render_keys)

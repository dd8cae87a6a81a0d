-- SS3: abandoned carts of registered users with an e-mail, with their recovery URL. The
-- API lists only registered users' carts; a cart without a customer would be a guest's
-- and is never sent. Abandoned = its last change.
select
    c.connection,
    c.id as cart_id,
    c.customer_id,
    c.customer_id is null as is_guest,
    c.customer_id is not null as contact_eligible,
    c.email,
    c.currency,
    c.total as total_amount,
    [
        {'product_id': l.product_id, 'name': l.name, 'sku': l.sku, 'quantity': l.quantity,
         'unit_amount': l.unit_price, 'image_url': l.image_url}
        for l in coalesce(c.lines, [])
    ] as lines,
    c.recovery_url,
    c.created_at,
    c.modified_at as updated_at,
    c.modified_at as abandoned_at
from staging.shopsite_abandoned_carts c

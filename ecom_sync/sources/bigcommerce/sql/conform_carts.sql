select
    c.connection,
    c.id as cart_id,
    nullif(c.customer_id, 0)::varchar as customer_id,
    coalesce(c.customer_id, 0) = 0 as is_guest,
    coalesce(c.customer_id, 0) <> 0 as contact_eligible,
    c.email,
    c.currency_code as currency,
    try_cast(c.cart_amount as decimal(18, 4)) as total_amount,
    [
        {'product_id': li.product_id::varchar, 'name': li.name, 'sku': li.sku,
         'quantity': li.quantity,
         'unit_amount': try_cast(coalesce(li.sale_price, li.list_price) as decimal(18, 4)),
         'image_url': li.image_url}
        for li in coalesce(c.line_items, [])
    ] as lines,
    c.cart_url as recovery_url,
    c.created_time as created_at,
    c.updated_time as updated_at,
    -- The webhook fires after an hour idle; a cart announced late (a receiver registered
    -- after the fact) was still abandoned an hour after its last change.
    least(c.abandoned_at, c.updated_time + interval 1 hour) as abandoned_at
from staging.bigcommerce_carts c

-- Abandoned checkouts (SH1: guests with an e-mail too), with the recovery URL.
select
    c.connection,
    coalesce(c.token, c.id::varchar) as cart_id,
    c.customer.id::varchar as customer_id,
    c.customer.id is null as is_guest,
    true as contact_eligible,
    coalesce(c.email, nullif(trim(c.customer.email), '')) as email,
    c.currency,
    c.total_price as total_amount,
    [
        {'product_id': li.product_id::varchar, 'name': li.title, 'sku': li.sku,
         'quantity': li.quantity, 'unit_amount': li.price, 'image_url': null::varchar}
        for li in coalesce(c.line_items, [])
    ] as lines,
    c.abandoned_checkout_url as recovery_url,
    c.created_at,
    c.updated_at,
    c.updated_at as abandoned_at
from staging.shopify_checkouts c

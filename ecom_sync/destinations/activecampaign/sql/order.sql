-- Orders as Ecommerce GraphQL OrderInput (amounts in decimal units). creationSource is
-- chosen at send time (M5); legacyConnectionId is filled from the ledger. Only the orders
-- in render_keys are rendered (a chunk of the new or changed ones), so memory is bounded.
with lines as (
    select
        l.connection,
        l.order_id,
        list({
            'storeLineItemId': l.line_id,
            'productStorePrimaryId': coalesce(l.variant_id, l.product_id),
            'storeBaseProductId': l.product_id,
            'name': l.name,
            'sku': l.sku,
            'category': l.category,
            'imageUrl': l.image_url,
            'quantity': l.quantity,
            'priceAmount': (l.total_minor / pow(10, cur.minor_unit))::decimal(18, 4)
        } order by l.line_id) as items
    from canonical.order_lines l
    join ref.currencies cur on cur.code = l.currency
    where l.connection || '|' || l.order_id in (select key from render_keys)
    group by all
)
select
    o.connection || '|' || o.order_id as key,
    to_json({
        'storeOrderId': o.order_id,
        'orderNumber': o.order_number,
        'email': trim(o.email),
        'storeCustomerId': o.customer_id,
        'normalizedStatus': case o.status_group
            when 'paid' then 'COMPLETED'
            when 'partially_refunded' then 'COMPLETED'
            when 'refunded' then 'REFUNDED'
            when 'cancelled' then 'CANCELLED'
            when 'failed' then 'FAILED'
            when 'pending' then 'PENDING_PAYMENT'
            else 'PENDING' end,
        'storeStatus': o.status,
        'storeCreatedDate': strftime(o.placed_at, '%Y-%m-%dT%H:%M:%SZ'),
        'storeModifiedDate': strftime(o.updated_at, '%Y-%m-%dT%H:%M:%SZ'),
        'currency': o.currency,
        -- Refunds are sent net, as ActiveCampaign's own plugin does.
        'finalAmount': (case when o.status_group in ('partially_refunded', 'refunded')
                             then o.revenue_minor else o.total_minor end
                        / pow(10, cur.minor_unit))::decimal(18, 4),
        'shippingAmount': (o.shipping_minor / pow(10, cur.minor_unit))::decimal(18, 4),
        'discountsAmount': (o.discount_minor / pow(10, cur.minor_unit))::decimal(18, 4),
        'shippingMethod': o.shipping_method,
        'orderUrl': o.order_url,
        'cartId': o.cart_id,
        -- The e-commerce customer's consent (C3), not this order's checkbox: AC copies it;
        -- none where the connection's consent_policy is never_change (C5).
        'acceptsMarketing': case when p.consent_policy = 'never_change' then null
                                 else coalesce(c.accepts_marketing, o.accepts_marketing) end,
        'discounts': [{'name': code, 'type': 'ORDER',
                       'discountAmount': (o.discount_minor / pow(10, cur.minor_unit)
                                          / len(o.discount_codes))::decimal(18, 4)}
                      for code in o.discount_codes],
        'lineItems': coalesce(li.items, [])
    }) as payload
from canonical.orders o
join ref.currencies cur on cur.code = o.currency
left join lines li on li.connection = o.connection and li.order_id = o.order_id
left join canonical.customers c
    on c.connection = o.connection and c.customer_id = o.customer_id
left join ref.consent_policies p on p.connection = o.connection
where o.connection || '|' || o.order_id in (select key from render_keys)

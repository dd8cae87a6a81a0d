-- POST /purchases/: the order with its lines in decimal units of the store's currency
-- (Connectif takes no currency), refunds net; price = quantity × unitPrice per line. With
-- each purchase, the minimal catalog entry of every product it names, so a product the
-- catalog lacks at publish time can be created before the purchase (E0102).
-- triggerPurchaseEvent is chosen at send time (M5).
with lines as (
    select
        l.connection,
        l.order_id,
        l.connection || '|' || coalesce(l.product_id, l.sku, l.line_id) as product_key,
        coalesce(p.cx_product_id, sf.id_prefix || coalesce(case sf.product_identifier
            when 'sku' then l.sku else l.product_id end, l.sku, l.line_id)) as product_id,
        coalesce(l.name, p.name) as name,
        l.quantity,
        (l.total_minor / l.quantity / pow(10, cur.minor_unit))::decimal(18, 4) as unit_price,
        (l.total_minor / pow(10, cur.minor_unit))::decimal(18, 4) as price,
        coalesce(case when p.page_authorised then p.page end, rtrim(sf.url, '/') || '/')
            as page,
        l.line_id
    from canonical.order_lines l
    join cx_storefront sf using (connection)
    join ref.currencies cur on cur.code = l.currency
    left join cx_product p using (connection, product_id)
    where l.connection || '|' || l.order_id in (select key from render_keys)
      and l.quantity > 0
)
select
    o.connection || '|' || o.order_id as key,
    to_json({
        'purchase': {
            'purchaseId': sf.id_prefix || o.order_id,
            -- the contact's own spelling (the one PATCHed), not this order's
            'contactEmail': coalesce(k.email, trim(o.email)),
            'cartId': o.cart_id,
            'purchaseDate': strftime(o.placed_at, '%Y-%m-%dT%H:%M:%SZ'),
            'totalPrice': (case when o.status_group in ('partially_refunded', 'refunded')
                                then o.revenue_minor else o.total_minor end
                           / pow(10, cur.minor_unit))::decimal(18, 4),
            'totalQuantity': sum(li.quantity)::integer,
            'products': list({'productId': li.product_id, 'name': li.name,
                              'unitPrice': li.unit_price, 'quantity': li.quantity,
                              'price': li.price} order by li.line_id)
        },
        -- sorted: the payload (and its hash) must not depend on the scan order
        'products': list_sort(list_distinct(list(
            {'key': li.product_key, 'productId': li.product_id,
             'body': {'name': li.name, 'unitPrice': li.unit_price,
                      'productDetailUrl': li.page}})))
    }) as payload
from canonical.orders o
join cx_storefront sf using (connection)
join ref.currencies cur on cur.code = o.currency
join lines li using (connection, order_id)
left join canonical.contacts k on k.email_key = o.email_key
where o.connection || '|' || o.order_id in (select key from render_keys)
group by o.connection, o.order_id, sf.id_prefix, k.email, o.email, o.cart_id, o.placed_at,
         o.status_group, o.revenue_minor, o.total_minor, cur.minor_unit

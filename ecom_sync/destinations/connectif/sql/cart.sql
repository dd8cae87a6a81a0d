-- An abandoned cart as a custom event (CN7): its recovery URL, total in decimal units,
-- units and products under the storefront's product identifier (CN1).
select
    c.connection || '|' || c.cart_id as key,
    to_json({
        'email': coalesce(k.email, trim(c.email)),  -- the contact's own spelling
        'cart_id': c.cart_id,
        'recovery_url': c.recovery_url,
        'total_price': (c.total_minor / pow(10, cur.minor_unit))::decimal(18, 4),
        'total_quantity': list_sum([l.quantity for l in c.lines])::integer,
        'abandoned_at': strftime(c.abandoned_at, '%Y-%m-%dT%H:%M:%SZ'),
        'product_ids': array_to_string([sf.id_prefix || coalesce(
            case sf.product_identifier when 'sku' then l.sku else l.product_id end,
            l.product_id) for l in c.lines], ','),
        'product_names': array_to_string([l.name for l in c.lines], ', '),
        'store': c.store_name
    }) as payload
from canonical.abandoned_carts c
join cx_storefront sf using (connection)
join ref.currencies cur on cur.code = c.currency
left join canonical.contacts k on k.email_key = c.email_key
where c.connection || '|' || c.cart_id in (select key from render_keys)

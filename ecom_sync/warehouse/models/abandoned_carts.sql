-- Abandoned carts with their recovery URL (BC6); a cart later bought is "recovered". The
-- carts of a person erased on request abandoned before the erasure are left out.
select
    c.connection,
    rc.store_name,
    c.cart_id,
    c.customer_id,
    c.is_guest,
    c.contact_eligible,
    c.email,
    lower(trim(c.email)) as email_key,
    c.currency,
    round(c.total_amount * pow(10, cur.minor_unit))::bigint as total_minor,
    [
        {'product_id': l.product_id, 'name': l.name, 'sku': l.sku, 'quantity': l.quantity,
         'unit_price_minor': round(l.unit_amount * pow(10, cur.minor_unit))::bigint,
         'image_url': l.image_url}
        for l in c.lines
    ] as lines,
    c.recovery_url,
    c.created_at,
    c.updated_at,
    c.abandoned_at,
    o.order_id as recovered_order_id,
    case when o.order_id is null then 'abandoned' else 'recovered' end as status
from conformed.carts c
join ref.connections rc using (connection)
join ref.currencies cur on cur.code = c.currency
left join (
    select connection, cart_id, order_id from orders where cart_id is not null
    qualify row_number() over (partition by connection, cart_id order by placed_at, order_id) = 1
) o on o.connection = c.connection and o.cart_id = c.cart_id
where c.problem is null  -- problems/carts.sql: listed in skipped_records
  and not exists (
    select 1 from erased_people e
    where e.email_key = lower(trim(c.email))
      and (e.readmitted_at is null or c.abandoned_at <= e.erased_at))

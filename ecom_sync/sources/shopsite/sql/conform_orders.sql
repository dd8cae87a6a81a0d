-- Shop-site orders (SS2): registered customers' and guests' (holder.customer_id null)
-- alike, with the buyer's names and e-mail. Status: new → pending, paid and shipped →
-- paid, cancelled, returned → refunded. A cart that became the order (its
-- converted_order_id) is the order's cart, so the cart shows as recovered. No consent (C5).
with converted as (
    select connection, converted_order_id, id as cart_id
    from staging.shopsite_abandoned_carts
    where converted_order_id is not null
    qualify row_number() over (partition by connection, converted_order_id
                               order by modified_at desc, id) = 1
)
select
    o.connection,
    'shopsite' as platform,
    o.id as order_id,
    coalesce(o.number, o.id) as order_number,
    o.holder.customer_id as customer_id,
    o.holder.customer_id is null as is_guest,
    true as contact_eligible,
    nullif(trim(o.holder.email), '') as email,
    o.holder.first_name as first_name,
    o.holder.last_name as last_name,
    o.status,
    case o.status
        when 'paid' then 'paid'
        when 'shipped' then 'paid'
        when 'new' then 'pending'
        when 'cancelled' then 'cancelled'
        when 'returned' then 'refunded'
        else 'unknown'
    end as status_group,
    o.currency,
    o.total as total_amount,
    coalesce(list_sum([l.unit_price * l.quantity for l in o.lines]), 0) as subtotal_amount,
    coalesce(o.discount_total, 0) as discount_amount,
    coalesce(o.shipping_total, 0) as shipping_amount,
    o.tax_total as tax_amount,
    case when o.status = 'returned' then o.total else 0 end as refunded_amount,
    o.shipping_method,
    case when o.discount_code is null then []::varchar[] else [o.discount_code] end
        as discount_codes,
    null::boolean as accepts_marketing,
    k.cart_id,
    o.placed_at,
    o.modified_at as updated_at,
    false as is_archived,
    o.order_url
from staging.shopsite_orders o
left join converted k on k.connection = o.connection and k.converted_order_id = o.id

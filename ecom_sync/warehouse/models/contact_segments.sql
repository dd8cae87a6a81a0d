-- The segment attributes per contact (E1, E4). Revenue is per currency; the headline
-- figure is in the contact's main currency (the one with the most revenue).
with paid as (
    select email_key, currency, sum(revenue_minor) as revenue_minor, count(*) as orders
    from orders
    where counts_as_revenue and contact_eligible and email_key is not null
    group by all
),
revenue as (
    select email_key,
           list({'currency': currency, 'revenue_minor': revenue_minor}
                order by revenue_minor desc, currency) as revenue_by_currency,
           arg_min(currency, (-revenue_minor, currency)) as revenue_currency,  -- the list's first
           max(revenue_minor) as total_revenue_minor,
           sum(orders) as order_count
    from paid group by email_key
),
order_dates as (
    select email_key, min(placed_at) as first_order_at, max(placed_at) as last_order_at
    from orders where counts_as_revenue and contact_eligible and email_key is not null group by email_key
),
bought as (
    select o.email_key,
           count(distinct (l.connection, l.product_id)) as products_bought,
           sum(l.quantity) as items_bought,
           list_sort(list_distinct(list(l.name))) as product_names
    from order_lines l
    join orders o on o.connection = l.connection and o.order_id = l.order_id
    where o.counts_as_revenue and o.contact_eligible and o.email_key is not null
    group by o.email_key
),
carts as (
    select email_key, max(abandoned_at) as last_abandoned_cart_at
    from abandoned_carts
    where status = 'abandoned' and contact_eligible and email_key is not null
    group by email_key
),
stores as (
    select c.email_key, list_sort(list_distinct(list(rc.store_name))) as store_names
    from (select email_key, unnest(connections) as connection from contacts) c
    join ref.connections rc using (connection)
    group by c.email_key
)
select
    k.email_key,
    k.accepts_marketing as opted_in,
    coalesce(r.total_revenue_minor, 0) as total_revenue_minor,
    r.revenue_currency,
    coalesce(r.revenue_by_currency, []) as revenue_by_currency,
    coalesce(r.order_count, 0)::bigint as order_count,
    coalesce(b.products_bought, 0)::bigint as products_bought,
    coalesce(b.items_bought, 0)::bigint as items_bought,
    coalesce(b.product_names, []) as product_names,
    d.first_order_at,
    d.last_order_at,
    c.last_abandoned_cart_at,
    s.store_names
from contacts k
left join revenue r using (email_key)
left join order_dates d using (email_key)
left join bought b using (email_key)
left join carts c using (email_key)
left join stores s using (email_key)

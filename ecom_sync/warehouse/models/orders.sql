-- Every order of every status (BC1); refunded, failed and cancelled keep their status and
-- bring no revenue. Guests are kept and flagged (BC3). Orders in an unknown currency are
-- left out here and listed in skipped_records, as are the orders of a person erased on
-- request placed before the erasure (all of them unless a later order re-admitted them).
select
    o.connection,
    o.platform,
    rc.store_name,
    o.order_id,
    o.order_number,
    o.customer_id,
    o.is_guest,
    o.contact_eligible,
    o.email,
    lower(trim(o.email)) as email_key,
    o.first_name,
    o.last_name,
    o.status,
    o.status_group,
    o.status_group in ('paid', 'partially_refunded') as counts_as_revenue,
    o.currency,
    round(o.total_amount * pow(10, cur.minor_unit))::bigint as total_minor,
    round(coalesce(o.subtotal_amount, 0) * pow(10, cur.minor_unit))::bigint as subtotal_minor,
    round(coalesce(o.discount_amount, 0) * pow(10, cur.minor_unit))::bigint as discount_minor,
    round(coalesce(o.shipping_amount, 0) * pow(10, cur.minor_unit))::bigint as shipping_minor,
    round(coalesce(o.tax_amount, 0) * pow(10, cur.minor_unit))::bigint as tax_minor,
    round(coalesce(o.refunded_amount, 0) * pow(10, cur.minor_unit))::bigint as refunded_minor,
    case
        when o.status_group = 'paid' then round(o.total_amount * pow(10, cur.minor_unit))::bigint
        when o.status_group = 'partially_refunded' then greatest(0, round(
            (o.total_amount - coalesce(o.refunded_amount, 0)) * pow(10, cur.minor_unit))::bigint)
        else 0
    end as revenue_minor,
    o.shipping_method,
    o.discount_codes,
    o.accepts_marketing,
    o.cart_id,
    coalesce(o.order_url, replace(rc.order_url_template, '{order_id}', o.order_id)) as order_url,
    o.placed_at,
    o.updated_at,
    o.is_archived
from conformed.orders o
join ref.connections rc using (connection)
join ref.currencies cur on cur.code = o.currency
where o.problem is null  -- problems/orders.sql: listed in skipped_records
  and not exists (
    select 1 from erased_people e
    where e.email_key = lower(trim(o.email))
      and (e.readmitted_at is null or o.placed_at <= e.erased_at))

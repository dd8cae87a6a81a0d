-- BigCommerce orders in the canonical order shape (amounts in major units; the
-- canonical model turns them into minor units by currency).
-- Status groups (BC1 keeps every status; revenue counts only money actually taken):
--   paid: 2 Shipped, 3 Partially Shipped, 8 Awaiting Pickup, 9 Awaiting Shipment,
--         10 Completed, 11 Awaiting Fulfillment, 13 Disputed
--   partially_refunded: 14   refunded: 4   cancelled: 5   failed: 6 Declined
--   pending: 1 Pending, 7 Awaiting Payment, 12 Manual Verification Required
--   incomplete: 0 (shopper left at the payment page; not a placed order)
select
    o.connection,
    'bigcommerce' as platform,
    o.id::varchar as order_id,
    o.id::varchar as order_number,
    nullif(o.customer_id, 0)::varchar as customer_id,
    coalesce(o.customer_id, 0) = 0 as is_guest,
    -- BC3: guest checkouts are kept and flagged, never turned into contacts.
    coalesce(o.customer_id, 0) <> 0 as contact_eligible,
    nullif(trim(o.billing_address.email), '') as email,
    nullif(o.billing_address.first_name, '') as first_name,
    nullif(o.billing_address.last_name, '') as last_name,
    o.status,
    case
        when o.status_id in (2, 3, 8, 9, 10, 11, 13) then 'paid'
        when o.status_id = 14 then 'partially_refunded'
        when o.status_id = 4 then 'refunded'
        when o.status_id = 5 then 'cancelled'
        when o.status_id = 6 then 'failed'
        when o.status_id in (1, 7, 12) then 'pending'
        when o.status_id = 0 then 'incomplete'
        else 'unknown'
    end as status_group,
    o.currency_code as currency,
    o.total_inc_tax as total_amount,
    o.subtotal_inc_tax as subtotal_amount,
    coalesce(o.discount_amount, 0) + coalesce(o.coupon_discount, 0) as discount_amount,
    o.shipping_cost_inc_tax as shipping_amount,
    o.total_tax as tax_amount,
    o.refunded_amount as refunded_amount,
    o.shipping_addresses[1].shipping_method as shipping_method,
    list_filter([c.code for c in coalesce(o.coupons, [])], lambda x: x is not null) as discount_codes,
    o.is_email_opt_in as accepts_marketing,
    o.cart_id,
    o.date_created as placed_at,
    o.date_modified as updated_at,
    o.is_deleted as is_archived
from staging.bigcommerce_orders o

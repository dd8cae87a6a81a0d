-- Shopify orders in the canonical shape. SH1: guests (an e-mail, no customer record) are
-- contacts too. Status groups: cancelled wins; then paid / partially_refunded / refunded;
-- voided → failed; pending, authorized, partially_paid → pending.
select
    o.connection,
    'shopify' as platform,
    o.id::varchar as order_id,
    coalesce(o.name, o.order_number::varchar, o.id::varchar) as order_number,
    o.customer.id::varchar as customer_id,
    o.customer.id is null as is_guest,
    true as contact_eligible,
    coalesce(o.email, o.contact_email, nullif(trim(o.customer.email), '')) as email,
    coalesce(nullif(o.billing_address.first_name, ''), o.customer.first_name) as first_name,
    coalesce(nullif(o.billing_address.last_name, ''), o.customer.last_name) as last_name,
    case when o.cancelled_at is not null then 'cancelled' else o.financial_status end
        as status,
    case
        when o.cancelled_at is not null then 'cancelled'
        when o.financial_status = 'paid' then 'paid'
        when o.financial_status = 'partially_refunded' then 'partially_refunded'
        when o.financial_status = 'refunded' then 'refunded'
        when o.financial_status = 'voided' then 'failed'
        when o.financial_status in ('pending', 'authorized', 'partially_paid', 'expired')
            then 'pending'
        else 'unknown'
    end as status_group,
    o.currency,
    o.total_price as total_amount,
    o.subtotal_price as subtotal_amount,
    coalesce(o.total_discounts, 0) as discount_amount,
    coalesce(list_sum([s.price for s in coalesce(o.shipping_lines, [])]), 0) as shipping_amount,
    o.total_tax as tax_amount,
    greatest(o.total_price - coalesce(o.current_total_price, o.total_price), 0)
        as refunded_amount,
    o.shipping_lines[1].title as shipping_method,
    list_filter([d.code for d in coalesce(o.discount_codes, [])], lambda c: c is not null)
        as discount_codes,
    o.buyer_accepts_marketing as accepts_marketing,
    o.checkout_token as cart_id,
    coalesce(o.processed_at, o.created_at) as placed_at,
    o.updated_at,
    false as is_archived
from staging.shopify_orders o
-- Deleted in the shop (a destroy event): gone from canonical too; kept in staging.
where not exists (
    select 1 from staging.shopify_deletions d
    where d.connection = o.connection and d.subject_type = 'Order'
      and d.subject_id = o.id
)

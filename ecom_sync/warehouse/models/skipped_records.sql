-- What could not be synced, and why (C6, BC3, issue 13): counted and visible, never a
-- failed run.
-- A person erased on request: their records (by store id) and their contact (by the
-- first 16 hex digits of its tombstone, never the e-mail) with the reason erased.
select c.connection, 'customer' as entity, c.customer_id as record_id, 'no_email' as reason
from conformed.customers c
where nullif(trim(c.email), '') is null
union all
select o.connection, 'order', o.order_id, 'guest_checkout_not_synced'
from conformed.orders o
where not o.contact_eligible and nullif(trim(o.email), '') is not null
union all
select o.connection, 'order', o.order_id, 'no_email'
from conformed.orders o
where nullif(trim(o.email), '') is null
union all
-- What the store sent that cannot be synced as it is (models/problems/*.sql) ...
select connection, 'customer', customer_id, problem from conformed.customers
where problem is not null
union all
select connection, 'order', order_id, problem from conformed.orders where problem is not null
union all
select connection, 'order_line', order_id || ':' || coalesce(line_id, '?'), problem
from conformed.order_lines where problem is not null
union all
select connection, 'cart', cart_id, problem from conformed.carts where problem is not null
union all
select connection, 'product', product_id, problem from conformed.products
where problem is not null
union all
-- ... and what staging could not take at all: no usable key or time (per stream)
select connection, stream, record_id, reason from staging.rejected_records
union all
select c.connection, 'cart', c.cart_id, 'guest_cart_not_synced'
from conformed.carts c
where not c.contact_eligible
union all
select c.connection, 'cart', c.cart_id, 'no_email'
from conformed.carts c
where c.contact_eligible and nullif(trim(c.email), '') is null
union all
select c.connection, 'customer', c.customer_id, 'erased'
from conformed.customers c
join erased_people e on e.email_key = lower(trim(c.email))
where e.readmitted_at is null
union all
select o.connection, 'order', o.order_id, 'erased'
from conformed.orders o
join erased_people e on e.email_key = lower(trim(o.email))
where e.readmitted_at is null or o.placed_at <= e.erased_at
union all
select c.connection, 'cart', c.cart_id, 'erased'
from conformed.carts c
join erased_people e on e.email_key = lower(trim(c.email))
where e.readmitted_at is null or c.abandoned_at <= e.erased_at
union all
select null, 'contact', left(e.email_hash, 16), 'erased'
from erased_people e
where e.readmitted_at is null

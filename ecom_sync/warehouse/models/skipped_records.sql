-- What could not be synced, and why (C6, BC3): counted and visible, never a failed run.
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
select o.connection, 'order', o.order_id, 'unknown_currency:' || coalesce(o.currency, 'none')
from conformed.orders o
anti join ref.currencies cur on cur.code = o.currency
union all
select c.connection, 'cart', c.cart_id, 'guest_cart_not_synced'
from conformed.carts c
where not c.contact_eligible
union all
select c.connection, 'cart', c.cart_id, 'no_email'
from conformed.carts c
where c.contact_eligible and nullif(trim(c.email), '') is null

-- What the account should hold, in the fields reconcile reads back (readback.py), from the
-- outbox's payloads (views: live, ledger, currencies; see publish/reconcile.py).
-- requeue_*: the ledger object whose next send makes this one again. Fields are text;
-- null: not compared.
with sendable as (select * from live where skip_reason is null),
-- An e-commerce customer is sent on its own, or made by the upsert of its orders and
-- carts (ecom_customer.keys.sql): its consent is its own payload's, else its orders' when
-- they agree (C3); a cart-only customer's is not compared.
customer_parts as (
    select connection, email_key, state, 0 as rank, kind, key, p->>'acceptsMarketing' as accepts
    from live
    where kind = 'ecom_customer'
      and (skip_reason is null or skip_reason = 'sent_with_its_orders')
    union all
    select connection, email_key, state, 1, kind, key,
           case p->>'acceptsMarketing' when 'true' then '1' when 'false' then '0' end
    from sendable where kind = 'order'
    union all
    select connection, email_key, state, 2, kind, key, null
    from sendable where kind = 'cart'
),
customers as (
    select connection || '|' || email_key as key,
           case when bool_or(state = 'sent') then 'sent'
                when bool_or(state = 'stale') then 'stale' else 'pending' end as state,
           coalesce(any_value(accepts) filter (where rank = 0 and accepts is not null),
                    case when count(*) filter (where rank = 1 and accepts is null) = 0
                          and count(distinct accepts) filter (where rank = 1) = 1
                         then any_value(accepts) filter (where rank = 1) end) as accepts,
           -- re-made by its own send, else by its newest order's, else a cart's
           arg_min({'kind': kind, 'key': key},
                   (state not in ('sent', 'stale') or (rank = 0 and accepts is null),
                    rank, key)) as requeue
    from customer_parts
    group by connection, email_key
)
select 'connection' as kind, key, state, to_json({'name': p->>'name'}) as fields,
       'connection' as requeue_kind, key as requeue_key
from sendable where kind = 'connection'
union all
select 'contact', key, state,
       to_json({'first_name': nullif(trim(p->>'first_name'), ''),
                'last_name': nullif(trim(p->>'last_name'), ''),
                'phone': nullif(trim(p->>'phone'), '')}),
       'contact', key
from sendable where kind = 'contact'
union all
-- C4: on the master list when it is usable and the sync subscribes the contact (one it
-- does not subscribe may be on the list for other reasons: not compared).
select 'list_membership', key, state, to_json({'list': 'subscribed'}), 'subscription', key
from sendable
where kind = 'subscription' and $list_usable
union all
select 'ecom_customer', key, state, to_json({'accepts_marketing': accepts}),
       requeue.kind, requeue.key
from customers
union all
select 'order', o.key, o.state,
       to_json({'total_minor': round((o.p->>'finalAmount')::decimal(18, 4)
                                     * pow(10, cur.minor_unit))::bigint::varchar,
                'currency': o.p->>'currency',
                'email': lower(trim(o.p->>'email'))}),
       'order', o.key
from sendable o
left join currencies cur on cur.code = o.p->>'currency'
where o.kind = 'order'
union all
select 'cart', key, state,
       to_json({'total_minor': p->>'totalPrice', 'currency': p->>'currency',
                'email': lower(trim(p->>'email'))}),
       'cart', key
from sendable where kind = 'cart'

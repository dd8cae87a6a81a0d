-- What the Connectif store should hold, in the fields reconcile reads back (readback.py),
-- from the outbox's payloads (views: live, ledger; see publish/reconcile.py). Decimals
-- as text with four places, e-mails lowercase; null: not compared.
with sendable as (select * from live where skip_reason is null)
select 'contact' as kind, key, state,
       to_json({'name': p->'fields'->>'_name', 'surname': p->'fields'->>'_surname',
                'mobile_phone': p->'fields'->>'_mobilePhone'}) as fields,
       'contact' as requeue_kind, key as requeue_key
from sendable where kind = 'contact'
union all
select 'product', key, state,
       to_json({'name': p->'body'->>'name',
                'unit_price': (p->'body'->>'unitPrice')::decimal(18, 4)::varchar}),
       'product', key
from sendable where kind = 'product'
union all
select 'purchase', key, state,
       to_json({'total_price': (p->'purchase'->>'totalPrice')::decimal(18, 4)::varchar,
                'total_quantity': p->'purchase'->>'totalQuantity',
                'email': lower(p->'purchase'->>'contactEmail')}),
       'purchase', key
from sendable where kind = 'purchase'

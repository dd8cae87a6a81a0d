-- The custom event type abandoned carts are sent as (CN7), created once: one object.
select
    coalesce(nullif($cart_event_alias, ''), 'carts') as key,
    null::varchar as connection,
    null::varchar as email_key,
    null::timestamptz as placed_at,
    case when $cart_event_alias = '' then 'carts_not_configured' end as skip_reason,
    hash($cart_event_alias, $custom_integration_id) as fingerprint

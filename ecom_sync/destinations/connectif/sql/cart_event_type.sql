-- POST /custom-integrations/{id}/custom-event-types/: category receive, the e-mail as
-- primary key, one field per cart attribute (the field ids are the event's keys).
select
    $cart_event_alias as key,
    to_json({
        'integration_id': $custom_integration_id,
        'body': {
            'name': 'Abandoned cart (ecom_sync)',
            'alias': $cart_event_alias,
            'category': 'receive',
            'fields': [
                {'id': 'email', 'name': 'E-mail', 'type': 'email', 'isPrimaryKey': true},
                {'id': 'cart_id', 'name': 'Cart id', 'type': 'text', 'isPrimaryKey': false},
                {'id': 'recovery_url', 'name': 'Cart recovery URL', 'type': 'text',
                 'isPrimaryKey': false},
                {'id': 'total_price', 'name': 'Total price', 'type': 'number',
                 'isPrimaryKey': false},
                {'id': 'total_quantity', 'name': 'Units', 'type': 'integer',
                 'isPrimaryKey': false},
                {'id': 'abandoned_at', 'name': 'Abandoned at', 'type': 'date',
                 'isPrimaryKey': false},
                {'id': 'product_ids', 'name': 'Product ids', 'type': 'text',
                 'isPrimaryKey': false},
                {'id': 'product_names', 'name': 'Product names', 'type': 'text',
                 'isPrimaryKey': false},
                {'id': 'store', 'name': 'Store', 'type': 'text', 'isPrimaryKey': false}
            ]
        }
    }) as payload
where $cart_event_alias in (select key from render_keys)

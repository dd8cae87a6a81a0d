-- Orders as landed: the line items the payments of the location carry.
select
    $connection as connection,
    id, location_id,
    nullif(customer_id, '') as customer_id,
    state, version, reference_id, line_items, discounts, fulfillments,
    total_money, total_tax_money, total_discount_money,
    parse_ts(created_at) as created_at,
    parse_ts(updated_at) as updated_at,
    parse_ts(closed_at) as closed_at,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'varchar', location_id: 'varchar', customer_id: 'varchar', state: 'varchar',
    version: 'bigint', reference_id: 'varchar',
    line_items: 'struct(uid varchar, name varchar, quantity varchar, catalog_object_id varchar, variation_name varchar, item_type varchar, base_price_money struct(amount bigint, currency varchar), total_discount_money struct(amount bigint, currency varchar), total_money struct(amount bigint, currency varchar))[]',
    discounts: 'struct(uid varchar, name varchar, type varchar, scope varchar, applied_money struct(amount bigint, currency varchar))[]',
    fulfillments: 'struct(uid varchar, type varchar, state varchar)[]',
    total_money: 'struct(amount bigint, currency varchar)',
    total_tax_money: 'struct(amount bigint, currency varchar)',
    total_discount_money: 'struct(amount bigint, currency varchar)',
    created_at: 'varchar', updated_at: 'varchar', closed_at: 'varchar',
    _extracted_at: 'varchar'
})

-- Payments as landed: RFC 3339 UTC stamps, money in integer minor units.
select
    $connection as connection,
    id, location_id, order_id,
    nullif(customer_id, '') as customer_id,
    status, source_type,
    nullif(trim(buyer_email_address), '') as buyer_email_address,
    receipt_number, receipt_url,
    amount_money, tip_money, total_money, refunded_money, refund_ids,
    parse_ts(created_at) as created_at,
    parse_ts(updated_at) as updated_at,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'varchar', location_id: 'varchar', order_id: 'varchar', customer_id: 'varchar',
    status: 'varchar', source_type: 'varchar', buyer_email_address: 'varchar',
    receipt_number: 'varchar', receipt_url: 'varchar',
    amount_money: 'struct(amount bigint, currency varchar)',
    tip_money: 'struct(amount bigint, currency varchar)',
    total_money: 'struct(amount bigint, currency varchar)',
    refunded_money: 'struct(amount bigint, currency varchar)',
    refund_ids: 'varchar[]',
    created_at: 'varchar', updated_at: 'varchar', _extracted_at: 'varchar'
})

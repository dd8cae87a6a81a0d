select
    $connection as connection,
    id,
    nullif(trim(email), '') as email,
    first_name,
    last_name,
    source,
    order_id,
    channel_id,
    consents,
    parse_ts(date_created) as date_created,
    parse_ts(date_modified) as date_modified,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'bigint', email: 'varchar', first_name: 'varchar', last_name: 'varchar',
    source: 'varchar', order_id: 'bigint', channel_id: 'bigint', consents: 'varchar[]',
    date_created: 'varchar', date_modified: 'varchar', _extracted_at: 'varchar'
})

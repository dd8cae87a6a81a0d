select
    $connection as connection,
    id,
    nullif(trim(email), '') as email,
    first_name,
    last_name,
    nullif(company, '') as company,
    nullif(phone, '') as phone,
    customer_group_id,
    parse_ts(date_created) as date_created,
    parse_ts(date_modified) as date_modified,
    addresses,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'bigint', email: 'varchar', first_name: 'varchar', last_name: 'varchar',
    company: 'varchar', phone: 'varchar', customer_group_id: 'bigint',
    date_created: 'varchar', date_modified: 'varchar', addresses: 'json',
    _extracted_at: 'varchar'
})

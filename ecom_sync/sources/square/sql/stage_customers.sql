-- The merchant's customers as landed (consent: preferences.email_unsubscribed only).
select
    $connection as connection,
    id, given_name, family_name, company_name,
    nullif(trim(email_address), '') as email_address,
    nullif(trim(phone_number), '') as phone_number,
    address,
    preferences.email_unsubscribed as email_unsubscribed,
    group_ids, creation_source, version,
    parse_ts(created_at) as created_at,
    parse_ts(updated_at) as updated_at,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'varchar', given_name: 'varchar', family_name: 'varchar', company_name: 'varchar',
    email_address: 'varchar', phone_number: 'varchar',
    address: 'struct(address_line_1 varchar, address_line_2 varchar, locality varchar, administrative_district_level_1 varchar, postal_code varchar, country varchar)',
    preferences: 'struct(email_unsubscribed boolean)',
    group_ids: 'varchar[]', creation_source: 'varchar', version: 'bigint',
    created_at: 'varchar', updated_at: 'varchar', _extracted_at: 'varchar'
})

select
    $connection as connection,
    id,
    nullif(trim(email), '') as email,
    first_name,
    last_name,
    nullif(phone, '') as phone,
    tags,
    email_marketing_consent,
    accepts_marketing,
    default_address,
    parse_ts(created_at) as created_at,
    parse_ts(updated_at) as updated_at,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'bigint', email: 'varchar', first_name: 'varchar', last_name: 'varchar',
    phone: 'varchar', tags: 'varchar',
    email_marketing_consent: 'struct(state varchar, opt_in_level varchar, consent_updated_at varchar)',
    accepts_marketing: 'boolean',
    default_address: 'struct(company varchar, phone varchar, country_code varchar)',
    created_at: 'varchar', updated_at: 'varchar', _extracted_at: 'varchar'
})

select
    $connection as connection,
    text_id(id) as id,
    nullif(trim(email), '') as email,
    first_name,
    last_name,
    nullif(trim(phone), '') as phone,
    nullif(trim(company), '') as company,
    parse_ts(created_at) as created_at,
    parse_ts(modified_at) as modified_at,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true,
               columns = {
    id: 'json', email: 'varchar', first_name: 'varchar', last_name: 'varchar',
    phone: 'varchar', company: 'varchar', created_at: 'varchar', modified_at: 'varchar',
    _extracted_at: 'varchar'
})

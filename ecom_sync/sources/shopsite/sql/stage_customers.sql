select
    $connection as connection,
    id,
    nullif(trim(email), '') as email,
    first_name,
    last_name,
    nullif(trim(phone), '') as phone,
    nullif(trim(company), '') as company,
    created_at::timestamptz as created_at,
    modified_at::timestamptz as modified_at,
    _extracted_at::timestamptz as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, columns = {
    id: 'varchar', email: 'varchar', first_name: 'varchar', last_name: 'varchar',
    phone: 'varchar', company: 'varchar', created_at: 'varchar', modified_at: 'varchar',
    _extracted_at: 'varchar'
})

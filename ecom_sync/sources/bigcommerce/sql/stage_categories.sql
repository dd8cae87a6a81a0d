select
    $connection as connection,
    id,
    parent_id,
    name,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'bigint', parent_id: 'bigint', name: 'varchar', _extracted_at: 'varchar'
})

select
    $connection as connection,
    id, subject_id, subject_type, verb,
    parse_ts(created_at) as created_at,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'bigint', subject_id: 'bigint', subject_type: 'varchar', verb: 'varchar',
    created_at: 'varchar', _extracted_at: 'varchar'
})

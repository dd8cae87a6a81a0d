select
    $connection as connection,
    id, subject_id, subject_type, verb,
    created_at::timestamptz as created_at,
    _extracted_at::timestamptz as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, columns = {
    id: 'bigint', subject_id: 'bigint', subject_type: 'varchar', verb: 'varchar',
    created_at: 'varchar', _extracted_at: 'varchar'
})

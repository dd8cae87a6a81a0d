select
    $connection as connection,
    id,
    parent_id,
    name,
    _extracted_at::timestamptz as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, columns = {
    id: 'bigint', parent_id: 'bigint', name: 'varchar', _extracted_at: 'varchar'
})

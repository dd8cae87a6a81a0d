"""The outbox: what the destination should hold, built from canonical tables by a
destination's SQL files and written to a Parquet file with a hash per object.

Written by a step that holds the warehouse briefly; the slow publish then reads the file,
never the warehouse (DuckDB allows one writer process and no readers beside it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

OUTBOX_COLUMNS = "kind, key, connection, email_key, placed_at, skip_reason, payload"


def build_outbox(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path,
    kinds: tuple[str, ...],
    params: dict[str, Any],
    out_path: Path,
) -> dict[str, int]:
    """Run ``<sql_dir>/<kind>.sql`` for each kind (in send order) into ``out_path``."""
    parts = []
    for order, kind in enumerate(kinds):
        sql = (sql_dir / f"{kind}.sql").read_text()
        parts.append(f"select {order} as kind_order, {OUTBOX_COLUMNS} from ({sql})")
    union = "\nunion all\n".join(parts)
    used = {k: v for k, v in params.items() if f"${k}" in union}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".tmp.parquet")
    con.execute(
        f"copy (select *, md5(payload::varchar) as hash from ({union}) order by kind_order, key) "
        f"to '{tmp}' (format parquet)",
        used,
    )
    tmp.replace(out_path)
    return dict(
        con.execute(
            f"select kind, count(*) from read_parquet('{out_path}') group by 1 order by 1"
        ).fetchall()
    )

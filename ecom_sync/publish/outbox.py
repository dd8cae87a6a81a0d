"""The outbox: what the destination should hold, built from canonical tables by a
destination's SQL files and written to a Parquet file with a hash per object.

Written by a step that holds the warehouse briefly; the slow publish then reads the file,
never the warehouse (DuckDB allows one writer process and no readers beside it).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb

OUTBOX_COLUMNS = "kind, key, connection, email_key, placed_at, skip_reason, payload"
# A kind whose SQL filters on ``$bucket``/``$buckets`` (orders: one JSON payload with its
# line list per order) is rendered this many rows at a time, so memory does not grow with
# the merchant; the parts are then streamed into one file.
ROWS_PER_BUCKET = 100_000


def _bucket_count(con: duckdb.DuckDBPyConnection) -> int:
    orders = con.execute("select count(*) from canonical.orders").fetchone()[0]
    return max(1, -(-orders // ROWS_PER_BUCKET))


def build_outbox(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path,
    kinds: tuple[str, ...],
    params: dict[str, Any],
    out_path: Path,
) -> dict[str, int]:
    """Run ``<sql_dir>/<kind>.sql`` for each kind (``kind_order`` = send order) into
    ``out_path``: one part file per kind (per bucket for bucketed kinds), then one file."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    parts_dir = out_path.parent / f".{out_path.stem}.parts"
    shutil.rmtree(parts_dir, ignore_errors=True)
    parts_dir.mkdir()
    buckets = _bucket_count(con)
    try:
        for order, kind in enumerate(kinds):
            sql = (sql_dir / f"{kind}.sql").read_text()
            bucketed = "$bucket" in sql
            for bucket in range(buckets if bucketed else 1):
                values = {**params, "bucket": bucket, "buckets": buckets}
                used = {k: v for k, v in values.items() if f"${k}" in sql}
                con.execute(
                    f"copy (select {order} as kind_order, {OUTBOX_COLUMNS}, "
                    f"md5(payload::varchar) as hash from ({sql})) "
                    f"to '{parts_dir / f'{order}-{kind}-{bucket:04d}.parquet'}' (format parquet)",
                    used,
                )
        tmp = out_path.with_suffix(".tmp.parquet")
        con.execute(
            f"copy (select * from read_parquet('{parts_dir}/*.parquet')) "
            f"to '{tmp}' (format parquet)"
        )
        tmp.replace(out_path)
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)
    return dict(
        con.execute(
            f"select kind, count(*) from read_parquet('{out_path}') group by 1 order by 1"
        ).fetchall()
    )

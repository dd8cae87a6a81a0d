"""Load landed files into staging tables: one transaction, newest version of a record wins.

The SQL per stream lives with its platform (``sources/<platform>/sql/stage_<stream>.sql``);
this module is the one merge every platform shares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ecom_sync.config import ConnectionConfig
from ecom_sync.crashpoints import crash_point
from ecom_sync.sources.landing import REJECTED_PART, Window, landed_files, landed_windows
from ecom_sync.sources.registry import Platform
from ecom_sync.sources.stream import Stream
from ecom_sync.warehouse.db import transaction

FILES_PER_MERGE = 200  # landing pages (≤250 records each) merged per statement


@dataclass
class StageResult:
    table: str
    files: int
    rows_read: int
    rows_written: int
    table_rows: int
    # Every change before this instant is in the files staged (None: no extract landed).
    synced_through: datetime | None = None


def ensure_schema(con: duckdb.DuckDBPyConnection, platform: Platform) -> None:
    con.execute(platform.sql("schema"))


def register_connection(
    con: duckdb.DuckDBPyConnection, platform: Platform, conn: ConnectionConfig
) -> None:
    """The store name, currency and order link travel with every row built from it (S1)."""
    con.execute(
        "insert or replace into ref.connections values (?, ?, ?, ?, ?, ?, ?)",
        [
            conn.name,
            platform.name,
            conn.store_name,
            conn.currency,
            platform.order_url_template(conn),
            conn.enabled,
            datetime.now(UTC),
        ],
    )


def merge_files(
    con: duckdb.DuckDBPyConnection,
    *,
    select_sql: str,
    table: str,
    key: tuple[str, ...],
    cursor: str,
    files: list[Path],
    connection: str,
    files_per_merge: int | None = None,
    version: str | None = None,
    stream: str | None = None,
) -> StageResult:
    """Upsert the newest version of each key from ``files`` into ``staging.<table>``,
    ``files_per_merge`` files (default ``FILES_PER_MERGE``) per statement: the newest
    ``cursor``, then (when the API numbers them) the highest numeric ``version``. A row
    whose key or cursor could not be read goes to ``staging.rejected_records`` with the
    reason instead (as ``stream``), and a good version of a key clears its rejections.
    Runs inside the caller's transaction."""
    target = f"staging.{table}"
    if not files:
        return StageResult(table, 0, 0, 0, _count(con, target, connection))
    keys = ", ".join(("connection", *key))
    readable = " and ".join(f"{k} is not null" for k in (*key, cursor))
    reason = " ".join([f"when {k} is null then 'missing_{k}'" for k in key]
                      + [f"when {cursor} is null then 'unreadable_{cursor}'"])
    key_text = _key_text(key)
    join = " and ".join(f"t.{k} = b.{k}" for k in ("connection", *key))
    # Two versions stamped in the same millisecond are told apart by their number.
    newest = f"{cursor} desc" + (f", {version} desc nulls last" if version else "")
    older_or_same = (
        f"(t.{cursor}, coalesce(t.{version}, -1)) <= (b.{cursor}, coalesce(b.{version}, -1))"
        if version else f"t.{cursor} <= b.{cursor}"
    )
    rows_read = written = 0
    # A few hundred pages at a time: memory stays flat however large the window, and each
    # chunk merges newest-wins against what the chunks before it left.
    step = files_per_merge or FILES_PER_MERGE
    for start in range(0, len(files), step):
        chunk = files[start : start + step]
        con.execute(
            f"create or replace temp table _staged as select * from ({select_sql})",
            {"files": [str(f) for f in chunk], "connection": connection},
        )
        con.execute(f"""
            insert or replace into staging.rejected_records by name
            select connection, $stream as stream, {key_text} as record_id,
                   case {reason} end as reason,
                   md5(struct_pack(*columns(* exclude (_extracted_at)))::varchar)
                       as fingerprint, _extracted_at
            from _staged where not ({readable})
            """, {"stream": stream or table})
        con.execute(
            f"create or replace temp table _batch as select * from _staged where {readable} "
            f"qualify row_number() over (partition by {keys} "
            f"order by {newest}, _extracted_at desc) = 1"
        )
        con.execute("drop table _staged")
        rows_read += con.execute("select count(*) from _batch").fetchone()[0]
        con.execute(f"""
            delete from staging.rejected_records r using _batch b
            where r.connection = b.connection and r.stream = $stream
              and r.record_id = {_key_text(key, "b.")}
            """, {"stream": stream or table})
        # Replace what is older (or equal: a re-extract of the same version is a no-op).
        con.execute(f"delete from {target} t using _batch b where {join} and {older_or_same}")
        crash_point("staging.merge")
        written += con.execute(
            f"insert into {target} by name select b.* from _batch b anti join {target} t on {join}"
        ).fetchone()[0]
        con.execute("drop table _batch")
    return StageResult(table, len(files), rows_read, written, _count(con, target, connection))


def _key_text(key: tuple[str, ...], alias: str = "") -> str:
    """A record's key as one text (``a|b`` for a composite key), as rejections name it."""
    return " || '|' || ".join(f"{alias}{k}::varchar" for k in key)


def _count(con: duckdb.DuckDBPyConnection, target: str, connection: str) -> int:
    return con.execute(
        f"select count(*) from {target} where connection = ?", [connection]
    ).fetchone()[0]


def stage_stream(
    con: duckdb.DuckDBPyConnection,
    platform: Platform,
    conn: ConnectionConfig,
    stream: Stream,
    window: Window,
    landing_root: Path,
) -> list[StageResult]:
    """Stage a stream (and its extra parts) from every extract landed inside ``window``,
    in one transaction: a failure leaves staging exactly as it was."""
    with transaction(con):
        results = _merge_stream(con, platform, conn, stream, window, landing_root)
    results[0].synced_through = landed_through(landing_root, conn.name, stream.name, window)
    return results


def landed_through(root: Path, connection: str, stream: str, window: Window) -> datetime | None:
    """The newest instant the extracts landed inside ``window`` reached: what a sync since
    then must start from. Extracts of a connection start where the last good one ended,
    so the newest end covers everything before it."""
    ends = []
    for landed, folder in landed_windows(root, connection, stream):
        if window.start <= landed.start and landed.end <= window.end:
            manifest = json.loads((folder / "_manifest.json").read_text())
            # Extracts landed before synced_through was recorded: their commit time bounds it.
            # A manifest that says neither (written by hand) tells nothing: left out.
            through = manifest.get("synced_through") or manifest.get("committed_at")
            if through:
                ends.append(min(landed.end, datetime.fromisoformat(through)))
    return max(ends, default=None)


def _merge_stream(
    con: duckdb.DuckDBPyConnection,
    platform: Platform,
    conn: ConnectionConfig,
    stream: Stream,
    window: Window,
    landing_root: Path,
) -> list[StageResult]:
    results = [
        merge_files(
            con,
            select_sql=platform.sql(f"stage_{stream.name}"),
            table=stream.staging_table,
            key=stream.primary_key,
            cursor=stream.cursor_field,
            files=landed_files(landing_root, conn.name, stream.name, window),
            connection=conn.name,
            version=stream.version_field,
            stream=stream.name,
        )
    ]
    rejected = landed_files(landing_root, conn.name, stream.name, window, REJECTED_PART)
    if rejected:  # records the extract could not land (sub-resources refused, not objects)
        con.execute("""
            insert or replace into staging.rejected_records by name
            select $connection as connection, $stream as stream, record_id, reason,
                   fingerprint, _extracted_at::timestamptz as _extracted_at
            from read_json($files, format = 'newline_delimited', records = true, columns = {
                record_id: 'varchar', reason: 'varchar', fingerprint: 'varchar',
                _extracted_at: 'varchar'})
            """, {"files": [str(f) for f in rejected], "connection": conn.name,
                  "stream": stream.name})
    for part in stream.parts:
        results.append(
            merge_files(
                con,
                select_sql=platform.sql(f"stage_{part.name}"),
                table=part.staging_table,
                key=part.primary_key,
                cursor="_extracted_at",
                files=landed_files(landing_root, conn.name, stream.name, window, part.name),
                connection=conn.name,
            )
        )
    return results

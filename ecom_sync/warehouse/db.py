"""DuckDB access: one file, short connections, UTC, reference tables in place."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from ecom_sync import paths
from ecom_sync.sources.erasure import mask_emails

WAREHOUSE_DIR = Path(__file__).resolve().parent
# DuckDB's default is 80% of RAM: its buffer pool then grows with the data (a 6-year
# window of orders kept cached) and an unbounded plan passes CI and fails on a small box.
# With a limit, the pool evicts and big joins and sorts spill to ``<db>.tmp``.
DEFAULT_MEMORY_LIMIT = "1GB"


def memory_limit() -> str:
    return os.environ.get("ECOM_SYNC_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)


def configure(con: duckdb.DuckDBPyConnection) -> None:
    """UTC and the memory limit, on every connection we open."""
    con.execute("set TimeZone = 'UTC'")
    con.execute("set memory_limit = ?", [memory_limit()])


# What stores send is read leniently and judged in one place (issue 13):
#   parse_ts: a timestamp in any form the APIs have used (ISO 8601 with or without zone,
#     'T' or millis; a date alone; RFC 2822, BigCommerce v2; Unix seconds), else null;
#   valid_email: something@domain.tld without spaces, at most 254 characters; any
#     script (internationalised addresses are valid);
#   short_text: text cut to ``n`` characters (a 10 MB name stops here);
#   text_id: an id an API gives as text, read as JSON: a non-empty string or a whole
#     number, else null (an object, array, boolean or empty text is no id).
_MACROS = r"""
create or replace macro parse_ts(s) as coalesce(
    try_cast(s as timestamptz),
    try_strptime(s::varchar, '%a, %d %b %Y %H:%M:%S %z'),
    case when regexp_full_match(s::varchar, '\d{9,11}(\.\d+)?')
         then to_timestamp(s::double) end);
create or replace macro valid_email(e) as
    length(trim(e)) <= 254 and regexp_full_match(trim(e), '[^@\s]+@[^@\s.]+(\.[^@\s.]+)+');
create or replace macro short_text(s, n) as left(s, n);
create or replace macro text_id(j) as
    case when json_type(j) in ('VARCHAR', 'BIGINT', 'UBIGINT')
         then nullif(trim(j ->> '$'), '') end;
"""

_BOOTSTRAP = """
create schema if not exists ref;
create schema if not exists staging;
create schema if not exists canonical;
create table if not exists ref.connections (
    connection varchar primary key,
    platform varchar not null,
    store_name varchar not null,
    currency varchar not null,
    order_url_template varchar,
    enabled boolean not null,
    updated_at timestamptz not null
);
create table if not exists staging.rejected_records (
    connection varchar not null,
    stream varchar not null,
    record_id varchar,                -- its key as sent (null: none, or unreadable)
    reason varchar not null,          -- missing_<key>, unreadable_<cursor>, ... (issue 13)
    fingerprint varchar not null,     -- md5 of the record: one row per record and reason
    _extracted_at timestamptz,
    primary key (connection, stream, fingerprint, reason)
);
create table if not exists ref.consent_policies (
    connection varchar primary key,   -- a connection's consent_policy (config), written by
    consent_policy varchar not null   -- each canonical build; absent: sync
);
"""


@contextmanager
def read_only(path: Path | None = None, wait_s: float = 120) -> Iterator[duckdb.DuckDBPyConnection]:
    """A reader for reports; waits while a Dagster step holds the write lock."""
    path = path or paths.duckdb_path()
    retrying = Retrying(
        retry=retry_if_exception_type(duckdb.IOException),
        stop=stop_after_delay(wait_s),
        wait=wait_exponential(multiplier=0.2, max=5),
        reraise=True,
    )
    con = retrying(duckdb.connect, str(path), read_only=True)
    try:
        configure(con)
        yield con
    finally:
        con.close()


@contextmanager
def connect(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for a few statements; never hold it across HTTP calls."""
    path = path or paths.duckdb_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        configure(con)
        con.execute(_BOOTSTRAP)
        _load_currencies(con)
        _define_macros(con)
        yield con
    finally:
        con.close()


def _define_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The shared macros, kept in the file (any reader of the views has them), defined
    again only when their text changed (its digest is the comment of ``ref.macros``)."""
    digest = hashlib.md5(_MACROS.encode()).hexdigest()
    row = con.execute("select comment from duckdb_tables() where schema_name = 'ref' "
                      "and table_name = 'macros'").fetchone()
    if row and row[0] == digest:
        return
    con.execute(_MACROS)
    con.execute("create or replace table ref.macros as select 1 as defined")
    con.execute(f"comment on table ref.macros is '{digest}'")


def _load_currencies(con: duckdb.DuckDBPyConnection) -> None:
    """``ref.currencies`` from the bundled CSV, reloaded only when the CSV changed (its
    digest is kept as the table's comment): no write on every connection."""
    csv = WAREHOUSE_DIR / "currencies.csv"
    digest = hashlib.md5(csv.read_bytes()).hexdigest()
    row = con.execute("select comment from duckdb_tables() where schema_name = 'ref' "
                      "and table_name = 'currencies'").fetchone()
    if row and row[0] == digest:
        return
    con.execute(
        "create or replace table ref.currencies as "
        "select code, minor_unit::integer as minor_unit, name from read_csv(?, header = true)",
        [str(csv)],
    )
    con.execute(f"comment on table ref.currencies is '{digest}'")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def markdown_preview(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> str:
    """A small markdown table for asset metadata (pandas is fine at 5 rows); e-mail
    addresses masked (run metadata outlives an erasure)."""
    frame = con.execute(sql, params or []).df()
    if frame.empty:
        return "_(no rows)_"
    return frame.iloc[:, :8].map(lambda v: mask_emails(str(v)[:400])[:40]).to_markdown(index=False)

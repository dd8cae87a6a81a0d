"""Erasure in the warehouse: the tombstones, the filter the canonical models apply for them,
and the purge of every row that names a person.

A tombstone is the salted SHA-256 of the normalised e-mail with the erasure time; the
salt is made once per installation (``$ECOM_SYNC_HOME/erasure/salt``, owner-only) and
never logged. Tombstones live in ``erasure/tombstones.json`` beside it (not in the
warehouse, so a rebuilt warehouse still honours them). The canonical build turns them
into the temp table ``erased_people`` (``erasure.sql``): the people the conformed data
names again, with the time an order after the erasure re-admitted them.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ecom_sync import paths
from ecom_sync.sources.erasure import sql_pattern
from ecom_sync.warehouse.db import WAREHOUSE_DIR, transaction

ERASED_PEOPLE_SQL = WAREHOUSE_DIR / "erasure.sql"
_EMPTY = ("create or replace temp table erased_people (email_key varchar, email_hash "
          "varchar, erased_at timestamptz, readmitted_at timestamptz)")


def salt() -> str:
    """The installation's salt: made on first use, readable by the owner only."""
    path = paths.erasure_dir() / "salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made meanwhile by another process
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def email_hash(email_key: str) -> str:
    """The tombstone of a normalised e-mail (what ``erasure.sql`` computes in SQL)."""
    return hashlib.sha256((salt() + email_key).encode()).hexdigest()


def _tombstones_path() -> Path:
    return paths.erasure_dir() / "tombstones.json"


def tombstones() -> list[dict[str, str]]:
    path = _tombstones_path()
    return json.loads(path.read_text()) if path.exists() else []


def add_tombstone(email_key: str, at: datetime) -> str:
    """Record the erasure (a second one moves its time); returns the tombstone's hash."""
    digest = email_hash(email_key)
    kept = [t for t in tombstones() if t["email_hash"] != digest]
    kept.append({"email_hash": digest, "erased_at": at.astimezone(UTC).isoformat()})
    path = _tombstones_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(kept, indent=1))
    os.replace(tmp, path)
    return digest


def load_erased_people(con: duckdb.DuckDBPyConnection) -> int:
    """The temp table ``erased_people`` the canonical models filter on (empty, and no
    hashing at all, while there is no tombstone). Returns its rows."""
    stones = tombstones()
    if not stones:
        con.execute(_EMPTY)
        return 0
    con.execute("create or replace temp table erasures as select email_hash, "
                "erased_at::timestamptz as erased_at from (select unnest(?::struct("
                "email_hash varchar, erased_at varchar)[], recursive := true))", [stones])
    con.execute("set variable erasure_salt = ?", [salt()])
    try:
        con.execute("create or replace temp table erased_people as "
                    + ERASED_PEOPLE_SQL.read_text())
    finally:
        con.execute("reset variable erasure_salt")
    return con.execute("select count(*) from erased_people").fetchone()[0]


# Canonical rows that belong to a person without naming the e-mail: found by the keys of
# the rows that do, before those are deleted.
_RECORD_KEYS = """
    select connection, 'customer' as entity, customer_id as record_id
    from canonical.customers where email_key = $key
    union all
    select connection, 'order', order_id from canonical.orders where email_key = $key
    union all
    select connection, 'cart', cart_id from canonical.abandoned_carts where email_key = $key
"""


def purge(con: duckdb.DuckDBPyConnection, email_key: str) -> dict[str, int]:
    """Delete, in one transaction, every row of every warehouse table (staging, canonical,
    anything but the reference tables) that names ``email_key``, and the canonical order
    lines and skip entries of that person's records. Returns rows deleted per table."""
    tables = con.execute("""
        select schema_name, table_name from duckdb_tables()
        where database_name = current_database() and not temporary
          and schema_name not in ('ref')
        order by all""").fetchall()
    removed: dict[str, int] = {}
    with transaction(con):
        has_canonical = ("canonical", "orders") in tables
        if has_canonical:
            con.execute(f"create or replace temp table _erased_records as {_RECORD_KEYS}",
                        {"key": email_key})
        for schema, table in tables:
            (n,) = con.execute(
                f'delete from "{schema}"."{table}" as r where contains(lower(r::varchar), '
                "$key) and regexp_matches(lower(r::varchar), $pattern)",
                {"key": email_key, "pattern": sql_pattern(email_key)}).fetchone()
            if n:
                removed[f"{schema}.{table}"] = n
        if has_canonical:
            for table, match in (
                    ("order_lines", "e.entity = 'order' and e.record_id = r.order_id"),
                    ("skipped_records", "e.entity = r.entity and e.record_id = r.record_id")):
                if ("canonical", table) not in tables:
                    continue
                (n,) = con.execute(
                    f"delete from canonical.{table} as r where exists (select 1 from "
                    f"_erased_records e where e.connection = r.connection and {match})"
                ).fetchone()
                if n:
                    key = f"canonical.{table}"
                    removed[key] = removed.get(key, 0) + n
            con.execute("drop table _erased_records")
    con.execute("checkpoint")
    return removed


def rewrite_file(path: Path) -> None:
    """Copy the database into a new file and put it in place: deleted rows leave nothing
    behind in free blocks or the write-ahead log (DuckDB does not zero them)."""
    tmp = path.with_name(f".{path.name}.rewrite")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as src (read_only)")
        con.execute(f"attach '{tmp}' as dst")
        con.execute("copy from database src to dst")
        con.execute("detach src")
        con.execute("detach dst")
    finally:
        con.close()
    os.replace(tmp, path)
    for leftover in (path.with_name(path.name + ".wal"), tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)

"""Erasure in the publish state: a person's objects in a destination's outbox and ledger
(what its eraser needs before they go), then both rewritten without them.

The outbox becomes one base generation of the remaining live rows (it ``covers`` the
newest generation, so the ledger's mark stays valid and nothing is re-sent), its snapshots
are dropped; the ledger loses the person's objects, run summaries and opt-out, and its
file is copied anew so no deleted row survives in free blocks.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ecom_sync.publish.ledger import Ledger
from ecom_sync.publish.outbox import OutboxStore, moved_counts
from ecom_sync.sources.erasure import names, sql_pattern
from ecom_sync.warehouse.db import configure
from ecom_sync.warehouse.erasure import rewrite_file


@dataclass(frozen=True)
class PersonObject:
    """One of the person's objects as the publish state knows it."""

    kind: str
    key: str
    remote_id: str | None
    payload: dict[str, Any] | None


@dataclass
class DestinationErasure:
    """What a destination's eraser deleted (per kind of record) and what it could not
    (each note says why and what the merchant does instead)."""

    deleted: dict[str, int]
    notes: list[str]


def _theirs(email_key: str) -> str:
    """SQL condition on outbox rows (``email_key``, ``payload``) that are the person's."""
    return ("(email_key = $key or (payload is not null and contains(lower(payload), $key) "
            "and regexp_matches(lower(payload), $pattern)))")


def person_objects(outbox: Path, ledger_path: Path, email_key: str) -> list[PersonObject]:
    """The person's objects in the outbox, with the remote ids the ledger recorded."""
    files = OutboxStore(outbox).files()
    if not files.generations:
        return []
    params = {"key": email_key, "pattern": sql_pattern(email_key)}
    with Ledger(ledger_path) as ledger:
        rows = ledger.con.execute(f"""
            select o.kind, o.key, l.remote_id, o.payload
            from ({files.state_sql()}) o
            left join objects l on l.kind = o.kind and l.key = o.key
            where {_theirs(email_key)}
            order by o.kind, o.key""", params).fetchall()
    return [PersonObject(k, key, rid, json.loads(p) if p else None) for k, key, rid, p in rows]


def purge_outbox(outbox: Path, email_key: str) -> int:
    """Rewrite the outbox without the person's rows; returns how many went."""
    store = OutboxStore(outbox)
    manifest = store.read_manifest()
    shutil.rmtree(outbox / "snapshots", ignore_errors=True)
    if not manifest["generations"]:
        return 0
    files = store.files(manifest)
    con = duckdb.connect()
    try:
        configure(con)
        params = {"key": email_key, "pattern": sql_pattern(email_key)}
        con.execute(f"create temp table _live as {files.state_sql()}")
        gone = con.execute(f"select kind, skip_reason, -count(*) from _live "
                           f"where {_theirs(email_key)} group by all", params).fetchall()
        if not gone:
            return 0
        con.execute(f"delete from _live where {_theirs(email_key)}", params)
        counts = moved_counts(manifest["counts"], gone)
        store.write_base(con, "select * from _live", {**manifest, "counts": counts},
                         covers=files.gen)
    finally:
        con.close()
    return -sum(n for *_, n in gone)


def purge_ledger(ledger_path: Path, email_key: str, objects: list[PersonObject]) -> int:
    """Delete the person's objects (those given, and any row naming the e-mail) and their
    lines in run summaries; then rewrite the file. Returns objects deleted."""
    if not ledger_path.exists():
        return 0
    pattern = names(email_key)
    with Ledger(ledger_path) as ledger:
        con = ledger.con
        keys = [(o.kind, o.key) for o in objects]
        con.execute("create or replace temp table _theirs (kind varchar, key varchar)")
        if keys:
            con.executemany("insert into _theirs values (?, ?)", keys)
        (removed,) = con.execute(
            "delete from objects as o where (kind, key) in (select (kind, key) from _theirs)"
            " or regexp_matches(lower(o::varchar), $pattern)",
            {"pattern": sql_pattern(email_key)}).fetchone()
        for rowid, summary in con.execute("select rowid, summary from runs").fetchall():
            if summary and pattern.search(summary):
                kept = "\n".join(line for line in summary.splitlines()
                                 if not pattern.search(line))
                con.execute("update runs set summary = ? where rowid = ?", [kept, rowid])
        ledger.forget_opt_out(email_key)
        con.execute("checkpoint")
    rewrite_file(ledger_path)
    return removed

"""The publish ledger: per destination object, what was sent (payload hash), its remote id,
status, attempts and last error. Its own DuckDB file, so a slow publish never blocks loads.

Written once per batch: a publish killed mid-way re-sends at most one batch, and every
send is an upsert or a look-up-then-update, so nothing is duplicated.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

_SCHEMA = """
create table if not exists objects (
    kind varchar not null,
    key varchar not null,
    hash varchar,
    remote_id varchar,
    status varchar not null,          -- sending (intent, before the request) | sent | failed
    source integer,                   -- 1 real-time (fired automations), 0 historical
    attempts integer not null,
    last_error varchar,
    updated_at timestamptz not null,
    primary key (kind, key)
);
create table if not exists runs (
    started_at timestamptz, finished_at timestamptz, dry_run boolean, requests integer,
    summary varchar
);
"""


@dataclass(frozen=True)
class OutboxRow:
    kind: str
    key: str
    connection: str | None
    email_key: str | None
    placed_at: datetime | None
    payload: dict[str, Any]
    hash: str
    remote_id: str | None  # from an earlier send
    is_new: bool           # never sent successfully before
    attempted: bool = False  # sent before without a recorded answer: look up before creating


@dataclass(frozen=True)
class SendResult:
    kind: str
    key: str
    hash: str
    ok: bool
    remote_id: str | None = None
    source: int | None = None
    error: str | None = None


class Ledger:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = duckdb.connect(str(path))
        self.con.execute("set TimeZone = 'UTC'")
        self.con.execute(_SCHEMA)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _outbox(self, outbox: Path) -> str:
        return f"read_parquet('{outbox}')"

    def delta(self, outbox: Path, kind: str, batch_size: int) -> Iterator[list[OutboxRow]]:
        """New, changed or previously failed objects of ``kind``, in batches, streamed."""
        import json

        reader = self.con.cursor()
        reader.execute(
            f"""
            select o.kind, o.key, o.connection, o.email_key, o.placed_at, o.payload, o.hash,
                   l.remote_id, l.status is distinct from 'sent' and l.remote_id is null,
                   l.key is not null and l.remote_id is null
            from {self._outbox(outbox)} o
            left join objects l on l.kind = o.kind and l.key = o.key
            where o.kind = ? and o.skip_reason is null
              and (l.key is null or l.status <> 'sent' or l.hash <> o.hash)
            order by o.key
            """,
            [kind],
        )
        while rows := reader.fetchmany(batch_size):
            yield [
                OutboxRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7], r[8], r[9])
                for r in rows
            ]
        reader.close()

    def plan_counts(self, outbox: Path) -> dict[str, dict[str, int]]:
        """Per kind: new, changed, retry (failed before), unchanged, skipped."""
        rows = self.con.execute(
            f"""
            select o.kind,
                   case
                       when o.skip_reason is not null then 'skipped'
                       when l.key is null then 'new'
                       when l.status <> 'sent' then 'retry'
                       when l.hash <> o.hash then 'changed'
                       else 'unchanged'
                   end as state,
                   count(*)
            from {self._outbox(outbox)} o
            left join objects l on l.kind = o.kind and l.key = o.key
            group by all order by all
            """
        ).fetchall()
        out: dict[str, dict[str, int]] = {}
        for kind, state, n in rows:
            out.setdefault(kind, {})[state] = n
        return out

    def skipped(self, outbox: Path) -> dict[str, dict[str, int]]:
        rows = self.con.execute(
            f"select kind, skip_reason, count(*) from {self._outbox(outbox)} "
            "where skip_reason is not null group by all order by all"
        ).fetchall()
        out: dict[str, dict[str, int]] = {}
        for kind, reason, n in rows:
            out.setdefault(kind, {})[reason] = n
        return out

    def sample(self, outbox: Path, kind: str, n: int = 3) -> list[dict[str, Any]]:
        import json

        return [
            json.loads(p) for (p,) in self.con.execute(
                f"select o.payload from {self._outbox(outbox)} o "
                "left join objects l on l.kind = o.kind and l.key = o.key "
                "where o.kind = ? and o.skip_reason is null and (l.key is null "
                "or l.status <> 'sent' or l.hash <> o.hash) order by o.key limit ?",
                [kind, n],
            ).fetchall()
        ]

    def _upsert_batch(self, frame: pd.DataFrame, sql: str) -> None:
        """One set-based statement per batch (``executemany`` pays per row, between requests
        that the rate limit would otherwise keep back to back)."""
        writer = self.con.cursor()
        try:
            writer.register("batch", frame)
            writer.execute(sql)
        finally:
            writer.close()

    def record(self, results: list[SendResult]) -> None:
        """One batch, one statement (so one transaction)."""
        if not results:
            return
        frame = pd.DataFrame({
            "kind": [r.kind for r in results],
            "key": [r.key for r in results],
            "hash": [r.hash if r.ok else None for r in results],
            "remote_id": [r.remote_id for r in results],
            "status": ["sent" if r.ok else "failed" for r in results],
            "source": pd.array([r.source for r in results], dtype="Int32"),
            "last_error": [r.error for r in results],
        })
        self._upsert_batch(frame, """
            insert into objects
            select kind, key, hash, remote_id, status, source, 1, last_error, now()
            from batch
            on conflict (kind, key) do update set
                hash = case when excluded.status = 'sent' then excluded.hash else objects.hash end,
                remote_id = coalesce(excluded.remote_id, objects.remote_id),
                status = excluded.status,
                source = coalesce(objects.source, excluded.source),
                attempts = objects.attempts + 1,
                last_error = excluded.last_error,
                updated_at = excluded.updated_at
            """)

    def mark_sending(self, rows: list[OutboxRow]) -> None:
        """Record the intent before a batch goes out: if the process dies before its answer
        is recorded, the next run knows to look these up instead of creating them again."""
        fresh = [r for r in rows if r.is_new and not r.attempted]
        if not fresh:
            return
        frame = pd.DataFrame({"kind": [r.kind for r in fresh], "key": [r.key for r in fresh]})
        self._upsert_batch(frame, """
            insert into objects (kind, key, status, attempts, updated_at)
            select kind, key, 'sending', 0, now() from batch
            on conflict (kind, key) do nothing
            """)

    def remote_id(self, kind: str, key: str) -> str | None:
        row = self.con.execute(
            "select remote_id from objects where kind = ? and key = ?", [kind, key]
        ).fetchone()
        return row[0] if row else None

    def failures(self, limit: int = 20) -> list[tuple[str, str, str]]:
        return self.con.execute(
            "select kind, key, last_error from objects where status = 'failed' "
            "order by updated_at desc limit ?",
            [limit],
        ).fetchall()

    def record_run(self, started: datetime, dry_run: bool, requests: int, summary: str) -> None:
        self.con.execute(
            "insert into runs values (?, ?, ?, ?, ?)",
            [started, datetime.now(UTC), dry_run, requests, summary],
        )

"""The publish ledger: per destination object, what was sent (payload hash), its remote id,
status, attempts and last error. Its own DuckDB file, so a slow publish never blocks loads.

Written once per batch: a publish killed mid-way re-sends at most one batch, and every
send is an upsert or a look-up-then-update, so nothing is duplicated.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ecom_sync.publish.outbox import OutboxFiles
from ecom_sync.warehouse.db import configure

_SCHEMA = """
create table if not exists objects (
    kind varchar not null,
    key varchar not null,
    hash varchar,
    remote_id varchar,
    status varchar not null,          -- sending (intent, before the request) | sent | failed
                                      -- | withdrawn (taken back from the destination)
                                      -- | requeued (reconcile found it missing or
                                      --   different: sent again by the next publish)
    source integer,                   -- 1 real-time (fired automations), 0 historical
    attempts integer not null,
    last_error varchar,
    updated_at timestamptz not null,
    primary key (kind, key)
);
create table if not exists published (
    outbox_id varchar primary key, gen integer not null, published_at timestamptz not null
);
create table if not exists opt_outs (
    email_key varchar primary key,    -- opted out in the destination itself (C4): never
    seen_at timestamptz not null,     -- subscribed again by the sync
    source varchar not null           -- reconcile | publish
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
    withdrawn: bool = False  # taken back from the destination (see ``withdrawals``)
    outcome: str | None = None  # what the report counts instead of created / updated


@dataclass(frozen=True)
class Withdrawal:
    """An object sent earlier that the outbox now skips for a reason its destination
    takes objects back for (e.g. a purchase whose order was refunded)."""

    kind: str
    key: str
    connection: str | None
    email_key: str | None
    skip_reason: str
    remote_id: str


class Ledger:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = duckdb.connect(str(path))
        configure(self.con)
        self.con.execute(_SCHEMA)
        self._reader: duckdb.DuckDBPyConnection | None = None
        self._files: OutboxFiles | None = None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self.con.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def published_gen(self, outbox_id: str) -> int:
        """The outbox generation the last completed publish covered (0: none)."""
        row = self.con.execute(
            "select gen from published where outbox_id = ?", [outbox_id]).fetchone()
        return row[0] if row else 0

    def mark_published(self, outbox: OutboxFiles) -> None:
        """After a completed run: every live object of ``outbox`` is sent with its hash or
        recorded as failed, so the next plan only needs the newer generations."""
        self.con.execute(
            "insert or replace into published values (?, ?, now())",
            [outbox.outbox_id, outbox.gen])

    def plan(self, outbox: OutboxFiles) -> dict[str, dict[str, int]]:
        """Compare the outbox with what was sent, once per publish: per kind, new, changed,
        retry (failed or unanswered before), unchanged and skipped counts.

        Only the generations written since the last completed publish are compared, plus
        the objects the ledger holds as not sent; everything else is unchanged by
        construction. Payloads are not read here: ``delta`` fetches them for the objects
        to send only."""
        self._files = outbox
        self._reader = self._reader or self.con.cursor()
        columns = "kind, key, connection, email_key, placed_at, skip_reason, hash, gen"
        since = outbox.since(self.published_gen(outbox.outbox_id))
        self._reader.execute(f"""
            create or replace temp table plan_rows as
            {outbox.state_sql(columns, since)}
            """)
        unsent = self._reader.execute(
            "select count(*) from objects where status not in ('sent', 'withdrawn')"
        ).fetchone()[0]
        if unsent and since != outbox.generations:  # earlier failures, not rewritten since
            self._reader.execute(f"""
                insert into plan_rows
                select o.* from ({outbox.state_sql(columns)}) o
                semi join (select kind, key from objects
                           where status not in ('sent', 'withdrawn')) l
                  on l.kind = o.kind and l.key = o.key
                anti join plan_rows r on r.kind = o.kind and r.key = o.key
                """)
        self._reader.execute("""
            create or replace temp table plan as
            select o.*, l.remote_id, l.status as ledger_status,
                   l.status is distinct from 'sent' and l.remote_id is null as is_new,
                   l.key is not null and l.remote_id is null as attempted,
                   case
                       when o.skip_reason is not null then 'skipped'
                       when l.key is null then 'new'
                       when l.status <> 'sent' then 'retry'
                       when l.hash <> o.hash then 'changed'
                       else 'unchanged'
                   end as state
            from plan_rows o
            left join objects l on l.kind = o.kind and l.key = o.key
            """)
        pending = self._reader.execute(
            "select kind, state, count(*) from plan where state in ('new', 'retry', 'changed') "
            "group by all").fetchall()
        out: dict[str, dict[str, int]] = {}
        for kind, state, n in pending:
            out.setdefault(kind, {})[state] = n
        for kind, c in outbox.counts.items():
            states = out.setdefault(kind, {})
            unchanged = c["to_send"] - sum(states.values())
            if unchanged:
                states["unchanged"] = unchanged
            if sum(c["skipped"].values()):
                states["skipped"] = sum(c["skipped"].values())
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items()) if v}

    def _pending_sql(self, kind: str) -> str:
        # The payloads of the objects to send only: the plan (small columns) is the build
        # side, and only the generations holding such objects stream past it.
        assert self._files is not None and self._reader is not None, "plan() first"
        gens = {g for (g,) in self._reader.execute(
            "select distinct gen from plan where kind = ? and state in ('new', 'retry', "
            "'changed')", [kind]).fetchall()}
        files = self._files.files_sql(tuple(g for g in self._files.generations if g.gen in gens))
        return f"""
            select p.kind, p.key, p.connection, p.email_key, p.placed_at, f.payload, p.hash,
                   p.remote_id, p.is_new, p.attempted
            from {files} f
            join (select * from plan where state in ('new', 'retry', 'changed')
                  and kind = $kind) p
              on f.kind = p.kind and f.key = p.key and f.gen = p.gen
            where f.kind = $kind
            """

    def delta(self, kind: str, batch_size: int) -> Iterator[list[OutboxRow]]:
        """New, changed or previously failed objects of ``kind`` (per the last ``plan``),
        in batches, streamed."""
        # On the plan's own connection (the temp table is local to it); nothing else runs
        # on that connection while this streams.
        assert self._reader is not None, "plan() first"
        self._reader.execute(self._pending_sql(kind), {"kind": kind})
        while rows := self._reader.fetchmany(batch_size):
            yield [OutboxRow(*r[:5], json.loads(r[5]), *r[6:]) for r in rows]

    def withdrawals(self, kind: str, reasons: tuple[str, ...],
                    batch_size: int) -> Iterator[list[Withdrawal]]:
        """Objects of ``kind`` the destination holds (or may hold: an earlier withdrawal
        failed) that the outbox now skips for one of ``reasons``, in batches."""
        assert self._reader is not None, "plan() first"
        self._reader.execute("""
            select kind, key, connection, email_key, skip_reason, remote_id from plan
            where kind = $kind and state = 'skipped' and list_contains($reasons, skip_reason)
              and remote_id is not null and ledger_status in ('sent', 'failed')
            order by key
            """, {"kind": kind, "reasons": list(reasons)})
        while rows := self._reader.fetchmany(batch_size):
            yield [Withdrawal(*r) for r in rows]

    def sent_among(self, kind: str, keys: list[str]) -> set[str]:
        """Which of ``keys`` the destination holds as sent (one query per batch)."""
        if not keys:
            return set()
        reader = self.con.cursor()
        try:
            return {k for (k,) in reader.execute(
                "select key from objects where kind = ? and status = 'sent' "
                "and list_contains(?, key)", [kind, keys]).fetchall()}
        finally:
            reader.close()

    def skipped(self) -> dict[str, dict[str, int]]:
        """Per kind, the objects left out and why (from the outbox's counts)."""
        assert self._files is not None, "plan() first"
        return {k: dict(c["skipped"]) for k, c in sorted(self._files.counts.items())
                if c["skipped"]}

    def sample(self, kind: str, n: int = 3) -> list[dict[str, Any]]:
        assert self._reader is not None, "plan() first"
        return [json.loads(r[5]) for r in self._reader.execute(
            self._pending_sql(kind) + " order by p.key limit $n", {"kind": kind, "n": n}
        ).fetchall()]

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
            "status": ["failed" if not r.ok else "withdrawn" if r.withdrawn else "sent"
                       for r in results],
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

    def requeue(self, pairs: list[tuple[str, str]], reason: str) -> dict[str, int]:
        """Mark sent objects ``(kind, key)`` to be sent again: the next plan takes them as
        retries. Their remote ids stay, so a re-send is an update, never a first send
        (no automation fires again). Returns how many per kind."""
        if not pairs:
            return {}
        frame = pd.DataFrame(pairs, columns=["kind", "key"])
        writer = self.con.cursor()
        try:
            writer.register("batch", frame)
            counts = dict(writer.execute("""
                select o.kind, count(*) from objects o semi join batch b using (kind, key)
                where o.status = 'sent' group by all""").fetchall())
            writer.execute("""
                update objects set status = 'requeued', last_error = ?, updated_at = now()
                where status = 'sent' and (kind, key) in (select (kind, key) from batch)
                """, [reason])
        finally:
            writer.close()
        return counts

    @staticmethod
    def opt_outs_file(path: Path) -> Path:
        """Where a ledger exports its opt-outs for the outbox build (which must not open the
        ledger: a publish may hold it)."""
        return path.with_name(f"{path.stem}.opt_outs.parquet")

    def record_opt_outs(self, email_keys: list[str], source: str) -> int:
        """Contacts seen opted out in the destination (an unsubscribe): the first sighting
        is kept, and the export rewritten. Returns how many are new."""
        if not email_keys:
            return 0
        frame = pd.DataFrame({"email_key": sorted(set(email_keys))})
        writer = self.con.cursor()
        try:
            writer.register("batch", frame)
            (new,) = writer.execute(
                "select count(*) from batch anti join opt_outs using (email_key)").fetchone()
            writer.execute("insert into opt_outs select email_key, now(), ? from batch "
                           "on conflict do nothing", [source])
        finally:
            writer.close()
        if new:
            self._export_opt_outs()
        return new

    def opt_outs(self) -> list[tuple[str, datetime, str]]:
        return self.con.execute(
            "select email_key, seen_at, source from opt_outs order by email_key").fetchall()

    def forget_opt_out(self, email_key: str) -> None:
        self.con.execute("delete from opt_outs where email_key = ?", [email_key])
        if self.opt_outs_file(self.path).exists():
            self._export_opt_outs()

    def _export_opt_outs(self) -> None:
        target = self.opt_outs_file(self.path)
        tmp = target.with_name(f".{target.name}.tmp")
        self.con.execute(f"copy (select * from opt_outs order by email_key) to '{tmp}' "
                         "(format parquet)")
        os.replace(tmp, target)

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

"""Durable store of received webhook events (SQLite, not DuckDB).

The receiver is a long-running process; DuckDB allows one writer process, so events go
to their own small database, committed before the receiver answers 2xx.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

_SCHEMA = """
create table if not exists events (
    seq integer primary key autoincrement,
    connection text not null,
    scope text not null,
    resource_id text not null,
    created_at text not null,
    received_at text not null,
    payload text not null,
    unique (connection, scope, resource_id, created_at)
);
create index if not exists events_by_time on events (connection, scope, created_at);
create table if not exists memo (
    connection text not null,
    name text not null,
    key text not null,
    value text not null,
    created_at text not null,
    primary key (connection, name, key)
);
"""


def _stamp(at: datetime) -> str:
    # Fixed width (always microseconds, UTC), so stamps compare as text in SQL.
    return at.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class WebhookEvent:
    connection: str
    scope: str
    resource_id: str
    created_at: datetime
    payload: dict[str, Any]


class WebhookStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("pragma journal_mode=wal")
            db.execute("pragma synchronous=full")
            yield db
            db.commit()
        finally:
            db.close()

    def add(self, event: WebhookEvent) -> bool:
        """Store durably; False when the same event was already stored (retried delivery)."""
        with self._connect() as db:
            cur = db.execute(
                "insert or ignore into events"
                " (connection, scope, resource_id, created_at, received_at, payload)"
                " values (?, ?, ?, ?, ?, ?)",
                (
                    event.connection,
                    event.scope,
                    event.resource_id,
                    event.created_at.astimezone(UTC).isoformat(),
                    datetime.now(UTC).isoformat(),
                    json.dumps(event.payload),
                ),
            )
            return cur.rowcount == 1

    def between(
        self, connection: str, scope: str, start: datetime, end: datetime
    ) -> list[WebhookEvent]:
        with self._connect() as db:
            rows = db.execute(
                "select connection, scope, resource_id, created_at, payload from events"
                " where connection = ? and scope = ? and created_at >= ? and created_at < ?"
                " order by created_at, seq",
                (
                    connection,
                    scope,
                    start.astimezone(UTC).isoformat(),
                    end.astimezone(UTC).isoformat(),
                ),
            ).fetchall()
        return [
            WebhookEvent(c, s, r, datetime.fromisoformat(t), json.loads(p))
            for c, s, r, t, p in rows
        ]

    def recall(self, connection: str, name: str, max_age: timedelta) -> dict[str, str]:
        """Values kept for a connection's resources (e.g. carts' recovery URLs) while
        younger than ``max_age``, by key. Older ones are deleted here, so the memo holds
        only what a run can still use. One transaction per run, not one per resource."""
        cutoff = _stamp(datetime.now(UTC) - max_age)
        with self._connect() as db:
            db.execute(
                "delete from memo where connection = ? and name = ? and created_at < ?",
                (connection, name, cutoff),
            )
            rows = db.execute(
                "select key, value from memo where connection = ? and name = ?",
                (connection, name),
            ).fetchall()
        return dict(rows)

    def remember(self, connection: str, name: str, values: Mapping[str, str]) -> None:
        """Keep values by key, stamped now (one transaction for the lot)."""
        if not values:
            return
        now = _stamp(datetime.now(UTC))
        with self._connect() as db:
            db.executemany(
                "insert or replace into memo values (?, ?, ?, ?, ?)",
                [(connection, name, key, value, now) for key, value in values.items()],
            )

    def count(self, connection: str | None = None) -> int:
        with self._connect() as db:
            if connection is None:
                return db.execute("select count(*) from events").fetchone()[0]
            return db.execute(
                "select count(*) from events where connection = ?", (connection,)
            ).fetchone()[0]

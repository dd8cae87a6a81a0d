"""``ecom-sync forget <email>``: erase one person (GDPR Art. 17) from everywhere the sync
keeps or sent them, and keep a tombstone so a store that still holds them does not bring
them back.

In order: the tombstone (salted hash + time, warehouse/erasure.py); each destination (its
eraser deletes what its API allows, then the person leaves its outbox and ledger; a
destination that cannot be reached keeps them there, so running forget again retries
it); the landing files (rewritten without their records); the webhook store; the
warehouse (every row naming the e-mail, then the file copied anew). Re-admission: an
order they place *after* the erasure brings them back from that order on (the canonical
models apply the tombstone; older records stay out and are listed as ``erased``).

Nothing here logs the e-mail: HTTP request logging is held at WARNING while it runs
(httpx logs query strings, and look-ups by e-mail carry it), and errors are masked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from ecom_sync import paths
from ecom_sync.config import ConfigError, DestinationConfig, EcomSyncConfig
from ecom_sync.destinations.registry import get_destination
from ecom_sync.publish.erasure import person_objects, purge_ledger, purge_outbox
from ecom_sync.sources.erasure import mask_emails, normalise, purge_landing, purge_sqlite
from ecom_sync.sources.http import SourceError
from ecom_sync.warehouse.db import connect
from ecom_sync.warehouse.erasure import add_tombstone, purge, rewrite_file

WAREHOUSE_WAIT_S = 120.0


@dataclass
class ErasureReport:
    tombstone: str
    erased_at: datetime
    deleted: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def total(self) -> int:
        return sum(sum(d.values()) for d in self.deleted.values())

    def text(self) -> str:
        lines = [f"erased: tombstone {self.tombstone} at {self.erased_at:%Y-%m-%d %H:%M:%S}Z"
                 f" ({self.total()} records deleted)"]
        for place, counts in self.deleted.items():
            shown = ", ".join(f"{what} {n}" for what, n in sorted(counts.items())) or "none"
            lines.append(f"  {place}: {shown}")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


@contextmanager
def _quiet_http() -> Iterator[None]:
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def _warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse for writing, waiting while a Dagster step holds it."""
    deadline = time.monotonic() + WAREHOUSE_WAIT_S
    while True:
        try:
            cm = connect()
            con = cm.__enter__()
            break
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise ConfigError("the warehouse stayed locked by another process; "
                                  "run forget again when the sync is idle") from None
            time.sleep(1.0)
    try:
        yield con
    finally:
        cm.__exit__(None, None, None)


def forget(config: EcomSyncConfig, email: str, now: datetime | None = None) -> ErasureReport:
    email_key = normalise(email)
    if "@" not in email_key or any(c.isspace() for c in email_key):
        raise ConfigError("forget takes one e-mail address")
    now = now or datetime.now(UTC)
    report = ErasureReport(add_tombstone(email_key, now)[:16], now)
    with _quiet_http():
        for dest in config.destinations:
            _erase_destination(dest, email_key, report)
    report.deleted["landing"] = purge_landing(paths.landing_dir(), email_key)
    webhooks = purge_sqlite(paths.webhook_store_path(), email_key)
    if webhooks:
        report.deleted["webhook store"] = {"events": webhooks}
    if paths.duckdb_path().exists():
        with _warehouse() as con:
            report.deleted["warehouse"] = purge(con, email_key)
        rewrite_file(paths.duckdb_path())
    return report


def _erase_destination(dest: DestinationConfig, email_key: str,
                       report: ErasureReport) -> None:
    name = dest.name
    outbox, ledger = paths.outbox_path(name), paths.ledger_path(name)
    objects = person_objects(outbox, ledger, email_key) if ledger.exists() else []
    try:
        result = get_destination(dest.type).erase(dest, email_key, objects)
    except (SourceError, ConfigError) as exc:
        report.notes.append(f"{name}: not reached ({mask_emails(str(exc))}); its outbox and "
                            "ledger keep the person's objects: run forget again")
        return
    report.deleted[name] = result.deleted
    report.notes += [f"{name}: {note}" for note in result.notes]
    report.deleted[f"outbox/{name}"] = {"objects": purge_outbox(outbox, email_key)}
    report.deleted[f"ledger/{name}"] = {"objects": purge_ledger(ledger, email_key, objects)}

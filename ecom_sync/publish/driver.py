"""The publish loop a destination plugs its sender into: plan the outbox's delta against
the ledger, send each kind's new, changed and failed objects in batches (in the
destination's dependency order), take back the objects it withdraws, record every batch
before the next one goes out, and report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol

from ecom_sync.crashpoints import crash_point
from ecom_sync.publish.ledger import Ledger, OutboxRow, SendResult, Withdrawal
from ecom_sync.publish.outbox import OutboxStore
from ecom_sync.publish.report import PublishReport


class Sender(Protocol):
    """What a destination provides: its kinds in dependency order and how it sends them."""

    kinds: tuple[str, ...]

    def batch_size(self, kind: str) -> int: ...

    def send(self, kind: str, rows: list[OutboxRow]) -> list[SendResult]: ...

    def withdraw_reasons(self, kind: str) -> tuple[str, ...]:
        """Skip reasons for which an object sent earlier is taken back (none: never)."""
        ...

    def withdraw(self, kind: str, rows: list[Withdrawal]) -> list[SendResult]: ...

    def side_outcomes(self) -> dict[str, dict[str, int]]:
        """Per kind, objects made on the way while sending another kind (e.g. a product
        created for the purchase that names it), by outcome."""
        ...

    def requests_made(self) -> int: ...

    def throttled(self) -> int: ...


def publish_outbox(destination: str, outbox: Path, ledger: Ledger, sender: Sender | None,
                   dry_run: bool = False, sample_kinds: tuple[str, ...] = ()
                   ) -> PublishReport:
    """Publish the delta of the outbox at ``outbox`` (a snapshot of it: a build may run
    meanwhile). A dry run needs no sender: it plans and samples ``sample_kinds``."""
    started = time.monotonic()
    report = PublishReport(destination, dry_run=dry_run)
    with OutboxStore(outbox).snapshot() as files:
        report.plan = ledger.plan(files)
        report.skipped = ledger.skipped()
        if dry_run or sender is None:
            report.samples = {k: ledger.sample(k) for k in sample_kinds}
            return report
        for kind in sender.kinds:
            size = sender.batch_size(kind)
            for batch in ledger.delta(kind, size):
                ledger.mark_sending(batch)
                crash_point("publish.batch")
                results = sender.send(kind, batch)
                crash_point("publish.sent")
                ledger.record(results)
                _count(report, kind, {r.key: r.is_new for r in batch}, results)
            reasons = sender.withdraw_reasons(kind)
            if reasons:
                for gone in ledger.withdrawals(kind, reasons, size):
                    results = sender.withdraw(kind, gone)
                    ledger.record(results)
                    _count(report, kind, {}, results)
        ledger.mark_published(files)
    for kind, outcomes in sender.side_outcomes().items():
        for what, n in outcomes.items():
            report.count(kind, what, n)
    report.requests = sender.requests_made()
    report.throttled = sender.throttled()
    report.seconds = time.monotonic() - started
    return report


def _count(report: PublishReport, kind: str, is_new: dict[str, bool],
           results: list[SendResult]) -> None:
    for result in results:
        if not result.ok:
            report.count(kind, "failed")
            report.errors.append((kind, result.key, result.error or "?"))
            continue
        report.count(kind, result.outcome or ("created" if is_new.get(result.key)
                                               else "updated"))
        if result.source == 1:
            report.fired_automations += 1

"""The publish plan: the ledger compares only the outbox generations written since its last
completed publish, plus what it holds as not sent, and finds the same as a full compare."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ecom_sync.destinations.activecampaign.publisher import KINDS
from ecom_sync.publish.ledger import Ledger, SendResult
from ecom_sync.publish.outbox import OutboxStore
from ecom_sync.warehouse.db import DEFAULT_MEMORY_LIMIT, connect
from ecom_sync_tests.conftest import SyncedDemo
from ecom_sync_tests.publish.conftest import build


def pending(led: Ledger) -> set[tuple[str, str, str]]:
    return {(r.kind, r.key, r.hash) for kind in KINDS for batch in led.delta(kind, 50)
            for r in batch}


def publish_all(led: Ledger, root: Path, fail: int = 0) -> set[tuple[str, str]]:
    """Record every pending object as sent, but the first ``fail`` orders as rejected."""
    failed: set[tuple[str, str]] = set()
    with OutboxStore(root).snapshot() as snap:
        led.plan(snap)
        for kind in KINDS:
            for batch in led.delta(kind, 50):
                results = []
                for row in batch:
                    ok = not (kind == "order" and len(failed) < fail)
                    if not ok:
                        failed.add((row.kind, row.key))
                    results.append(SendResult(row.kind, row.key, row.hash, ok,
                                              None if not ok else f"r-{row.key}",
                                              error=None if ok else "422"))
                led.record(results)
        led.mark_published(snap)
    return failed


def full_compare(ledger: Path, root: Path) -> tuple[dict, set]:
    """The plan as if no publish had been recorded as complete (every generation)."""
    copy = ledger.with_name("full-compare.duckdb")
    shutil.copy(ledger, copy)
    with Ledger(copy) as led:
        led.con.execute("delete from published")
        with OutboxStore(root).snapshot() as snap:
            return led.plan(snap), pending(led)


def test_the_plan_compares_only_new_generations_and_finds_what_a_full_compare_finds(
    synced_demo: SyncedDemo, changed_warehouse: Path, tmp_path: Path
) -> None:
    root = tmp_path / "outbox"
    build(synced_demo.duckdb, root)
    ledger = tmp_path / "ledger.duckdb"
    with Ledger(ledger) as led:
        failed = publish_all(led, root, fail=3)
    assert len(failed) == 3

    build(changed_warehouse, root)  # generation 2: the day's changes
    with Ledger(ledger) as led, OutboxStore(root).snapshot() as snap:
        assert led.published_gen(snap.outbox_id) == 1
        assert snap.since(1) == snap.generations[1:]
        plan, sent_next = led.plan(snap), pending(led)
    full_plan, full_sent = full_compare(ledger, root)
    assert plan == full_plan
    assert sent_next == full_sent
    # the rejected orders are retried although generation 2 did not touch them
    assert failed <= {(k, key) for k, key, _ in sent_next}
    assert plan["order"]["retry"] >= 3
    assert 0 < sum(plan["order"].get(s, 0) for s in ("changed", "new", "retry")) < (
        plan["order"]["unchanged"])


def test_a_publish_that_did_not_finish_compares_everything_again(
    synced_demo: SyncedDemo, changed_warehouse: Path, tmp_path: Path
) -> None:
    """Only a completed run moves the mark: after a crash the next plan reads every
    generation, so nothing the crashed run skipped is missed."""
    root = tmp_path / "outbox"
    build(synced_demo.duckdb, root)
    with Ledger(tmp_path / "ledger.duckdb") as led, OutboxStore(root).snapshot() as snap:
        led.plan(snap)
        for batch in led.delta("contact", 50):  # then the process dies
            led.record([SendResult(r.kind, r.key, r.hash, True, "r") for r in batch])
            break
        assert led.published_gen(snap.outbox_id) == 0
        plan = led.plan(snap)
    assert plan["contact"]["new"] == snap.counts["contact"]["to_send"] - 50
    assert plan["order"]["new"] == snap.counts["order"]["to_send"]


def test_a_rebuilt_outbox_is_compared_in_full(
    synced_demo: SyncedDemo, tmp_path: Path
) -> None:
    """A new outbox (deleted, or of a new format) has a new id: the ledger's mark for the
    old one does not apply, and its hashes decide (unchanged objects are not re-sent)."""
    root = tmp_path / "outbox"
    build(synced_demo.duckdb, root)
    ledger = tmp_path / "ledger.duckdb"
    with Ledger(ledger) as led:
        publish_all(led, root)
    shutil.rmtree(root)
    build(synced_demo.duckdb, root)
    with Ledger(ledger) as led, OutboxStore(root).snapshot() as snap:
        assert led.published_gen(snap.outbox_id) == 0
        plan = led.plan(snap)
        assert pending(led) == set()
    assert all(set(states) <= {"unchanged", "skipped"} for states in plan.values())


def test_connections_have_a_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB's default (80% of RAM) lets the buffer pool grow with the data; ours is
    bounded, and ``ECOM_SYNC_MEMORY_LIMIT`` changes it."""
    def limit(con: duckdb.DuckDBPyConnection) -> str:
        return con.execute("select current_setting('memory_limit')").fetchone()[0]

    with connect(tmp_path / "w.duckdb") as con:
        assert limit(con) == duckdb.connect(config={"memory_limit": DEFAULT_MEMORY_LIMIT}
                                            ).execute("select current_setting('memory_limit')"
                                                      ).fetchone()[0]
    monkeypatch.setenv("ECOM_SYNC_MEMORY_LIMIT", "300MB")
    with connect(tmp_path / "w.duckdb") as con, Ledger(tmp_path / "l.duckdb") as led:
        assert limit(con) == limit(led.con) != limit(duckdb.connect())

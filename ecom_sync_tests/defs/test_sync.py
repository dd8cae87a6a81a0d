"""Real Dagster runs over loopback HTTP into a real DuckDB file."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ecom_sync.defs import build_definitions
from ecom_sync.defs.automation import active_sync_tags, connection_staging_keys, sync_job_name
from ecom_sync.defs.partitions import SYNC_FROM_TAG, synced_through
from ecom_sync.sync_modes import SyncRange
from ecom_sync.warehouse import checks
from ecom_sync_tests.conftest import Served
from ecom_sync_tests.helpers import (
    TOKENS,
    build_canonical,
    make_config,
    sync,
    today,
)
from ecom_sync_tests.helpers import warehouse_snapshot as snapshot


def duplicates(home: Path) -> int:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return sum(con.execute(
            f"select count(*) - count(distinct (connection, id)) from staging.bigcommerce_{t}"
        ).fetchone()[0] for t in ("customers", "subscribers", "orders", "products", "carts"))
    finally:
        con.close()


def test_r_m6_resyncing_a_range_changes_nothing(ecom_home: Path, served: Served) -> None:
    """M6: re-running the same range (and an overlapping one) leaves the warehouse equal."""
    config = make_config(served.url)
    defs = build_definitions(config)
    start = config.connections[0].history_start
    for conn in config.connections:
        assert sync(defs, conn.name, start, today()).success
    assert build_canonical(defs).success
    first = snapshot(ecom_home)
    assert first["canonical.orders"] and first["canonical.contacts"]
    for conn in config.connections:
        assert sync(defs, conn.name, start, today()).success
        assert sync(defs, conn.name, today() - timedelta(days=10), today()).success
    assert build_canonical(defs).success
    assert snapshot(ecom_home) == first
    assert duplicates(ecom_home) == 0


def _landing_windows(result: dg.ExecuteInProcessResult) -> set[str]:
    return {str(e.materialization.metadata["window"].value)
            for e in result.get_asset_materialization_events()
            if e.materialization.asset_key.path[0] == "landing"}


def test_r_m1_active_sync_picks_up_new_and_changed_records(ecom_home, served: Served) -> None:
    """M1: an active sync tick pages from the day of the last good sync (not the year's
    first day), brings new orders and the newest version of changed ones, and moves the
    watermark; a re-sync of a few old days does not move it back."""
    config = make_config(served.url)
    defs = build_definitions(config)
    conn = config.connection("acme_outdoor")
    job = defs.resolve_job_def(sync_job_name(conn.name))
    with dg.instance_for_test() as instance:
        assert sync(defs, conn.name, conn.history_start, today(), "historical",
                    instance=instance).success
        after_history = synced_through(instance, connection_staging_keys(conn))
        assert after_history is not None and after_history.date() == today()
        store = served.sandbox.store("acmeoutdoor")
        before = set(store.orders)
        served.sandbox.add_activity(store_hash="acmeoutdoor", seed=3)
        new_ids = set(store.orders) - before
        changed = [o for o in store.orders.values() if o["id"] in before
                   and o["date_modified"].date() == today() and o["status_id"]]
        assert new_ids and changed

        tags = active_sync_tags(conn, instance, datetime.now(UTC))
        assert tags is not None
        # From today's start (yesterday's in the first hour of a day).
        assert tags[SYNC_FROM_TAG] == (after_history - timedelta(hours=1)).date().isoformat()
        active = job.execute_in_process(tags=tags, instance=instance)
        assert active.success
        [window] = _landing_windows(active)
        assert window.startswith(f"[{tags[SYNC_FROM_TAG]}T00:00:00")
        watermark = synced_through(instance, connection_staging_keys(conn))
        assert watermark is not None and watermark > after_history

        old = SyncRange(conn.name, "range", conn.history_start + timedelta(days=2),
                        conn.history_start + timedelta(days=4), narrowed=True)
        resync = job.execute_in_process(tags=old.run_tags(), instance=instance)
        assert resync.success
        [window] = _landing_windows(resync)
        assert window.startswith(f"[{old.start.isoformat()}T00:00:00")
        assert synced_through(instance, connection_staging_keys(conn)) == watermark
    assert build_canonical(defs).success
    con = duckdb.connect(str(ecom_home / "warehouse.duckdb"), read_only=True)
    got = dict(con.execute("select order_id, status from canonical.orders "
                           "where connection = 'acme_outdoor'").fetchall())
    con.close()
    assert {str(i) for i in new_ids} <= set(got)
    assert all(got[str(o["id"])] == o["status"] for o in changed)
    assert duplicates(ecom_home) == 0


def test_r_s2_no_secret_in_logs_metadata_or_files(
    ecom_home: Path, served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    """S2: the token reaches the store's API and nothing else: not the run's events, their
    metadata, Python logs or the landing files."""
    caplog.set_level(logging.DEBUG)
    config = make_config(served.url)
    defs = build_definitions(config)
    conn = config.connection("acme_outdoor")
    token = TOKENS[conn.token_env]
    result = sync(defs, conn.name, conn.history_start, today())
    assert result.success
    canonical = build_canonical(defs)
    texts = [repr(e) for r in (result, canonical) for e in r.all_events]
    assert any("dagster/row_count" in t for t in texts)
    assert not any(token in t for t in texts)
    assert token not in caplog.text
    for path in ecom_home.rglob("*"):
        if path.is_file() and path.suffix in {".json", ".gz"}:
            data = path.read_bytes()
            if path.suffix == ".gz":
                import gzip

                data = gzip.decompress(data)
            assert token.encode() not in data, path


def test_r_s2_missing_token_fails_with_the_variable_name(ecom_home, served, monkeypatch):
    """S2: a missing env var fails the run naming the variable, not leaking anything."""
    monkeypatch.delenv("TEST_OUTDOOR_TOKEN")
    config = make_config(served.url)
    defs = build_definitions(config)
    conn = config.connection("acme_outdoor")
    result = sync(defs, conn.name, today(), today(), raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "TEST_OUTDOOR_TOKEN is not set" in str(failure.event_specific_data.error)


def test_r_s4_reconnecting_with_a_new_token_resumes_without_duplicates(
    ecom_home: Path, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S4: the store rotates its token; a 401 asks to reconnect; with the new token in the
    env var the next sync resumes and nothing is duplicated."""
    config = make_config(served.url)
    defs = build_definitions(config)
    conn = config.connection("acme_outdoor")
    assert sync(defs, conn.name, conn.history_start, today()).success
    store = served.sandbox.store("acmeoutdoor")
    store.token = "rotated-token"
    failed = sync(defs, conn.name, today(), today(), raise_on_error=False)
    assert not failed.success
    error = next(e for e in failed.all_events if e.event_type_value == "STEP_FAILURE")
    assert "Reconnect" in str(error.event_specific_data.error)
    monkeypatch.setenv("TEST_OUTDOOR_TOKEN", "rotated-token")
    served.sandbox.add_activity(store_hash="acmeoutdoor", seed=9)
    assert sync(defs, conn.name, conn.history_start, today()).success
    assert duplicates(ecom_home) == 0
    con = duckdb.connect(str(ecom_home / "warehouse.duckdb"), read_only=True)
    landed = con.execute("select count(*) from staging.bigcommerce_orders").fetchone()[0]
    con.close()
    assert landed == len(store.orders)


def test_failed_checks_keep_the_live_canonical_tables(
    ecom_home: Path, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tables are built beside the live ones and swapped in only when the checks pass. A
    negative total no longer reaches a check (issue 13: the order is left out and listed in
    skipped_records), so the check is made stricter than the data for the second build."""
    config = make_config(served.url)
    defs = build_definitions(config)
    conn = config.connection("acme_outdoor")
    assert sync(defs, conn.name, conn.history_start, today()).success
    assert build_canonical(defs).success
    live = snapshot(ecom_home)["canonical.orders"]
    con = duckdb.connect(str(ecom_home / "warehouse.duckdb"))
    bad = con.execute("select min(id)::varchar from staging.bigcommerce_orders").fetchone()[0]
    con.execute("update staging.bigcommerce_orders set total_inc_tax = -1 where id = ?", [bad])
    con.close()
    assert build_canonical(defs).success
    skipped = snapshot(ecom_home)["canonical.orders"]
    assert skipped == [r for r in live if bad not in r] and len(skipped) == len(live) - 1
    con = duckdb.connect(str(ecom_home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select reason from canonical.skipped_records where entity = 'order' "
                       "and record_id = ?", [bad]).fetchall() == [("negative_amount",)]
    con.close()
    strict = [replace(c, sql="select count(*) from orders") if c.name == "money_non_negative"
              else c for c in checks.CHECKS]
    monkeypatch.setattr(checks, "CHECKS", tuple(strict))
    con = duckdb.connect(str(ecom_home / "warehouse.duckdb"))
    con.execute("update staging.bigcommerce_orders set total_inc_tax = 1 where id = ?", [bad])
    con.close()
    result = build_canonical(defs, raise_on_error=False)
    assert not result.success
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations["money_non_negative"] is False
    assert not result.get_asset_materialization_events()
    assert snapshot(ecom_home)["canonical.orders"] == skipped  # the live tables kept
    assert isinstance(result, dg.ExecuteInProcessResult)

"""The shop site's own rules at the source: its two switches (SS1), its consent policy
(C5), and abandoned carts visible only once a back-office sync has finished after their
last change (SS3), whatever lands them: today's window as the schedule asks for it, or a
historical backfill run through Dagster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.shopsite.app import create_app
from ecom_sandbox.shopsite.generator import DEMO_SPEC
from ecom_sandbox.shopsite.sandbox import Sandbox
from ecom_sync.config import ConfigError, ConnectionConfig
from ecom_sync.config_loader import parse_config
from ecom_sync.defs import build_definitions
from ecom_sync.sources.landing import LandingWriter, Window
from ecom_sync.sources.registry import get_platform
from ecom_sync_tests.helpers import sync, today
from ecom_sync_tests.sources.conftest import landed_rows, read_ndjson
from ecom_sync_tests.sources.shopsite.harness import (
    TOKEN_ENV,
    fast_sandbox,
    shopsite_connection,
    visible_carts,
)

PLATFORM = get_platform("shopsite")


def connection(url: str = "http://127.0.0.1:1", **overrides: object) -> ConnectionConfig:
    return parse_config({"connections": [shopsite_connection(url, **overrides)]}).connections[0]


def test_r_ss1_each_switch_takes_its_streams_assets_and_sensor_away() -> None:
    """SS1: *orders* and *abandoned carts* are switches of their own; a switch that is off
    takes its stream's assets and its sensor away, the other stays."""
    for switches, streams, sensors in (
        ({}, {"customers", "orders", "abandoned_carts"}, {"orders", "sync_runs"}),
        ({"orders": False}, {"customers", "abandoned_carts"}, {"sync_runs"}),
        ({"abandoned_carts": False}, {"customers", "orders"}, {"orders"}),
    ):
        config = parse_config({"connections": [shopsite_connection(
            "http://127.0.0.1:1", streams=switches)]})
        defs = build_definitions(config)
        keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
        assert {k.split("/")[-1] for k in keys if k.startswith("landing/bottega/")} == streams
        assert {s.name.removeprefix("feed_bottega_") for s in defs.sensors
                if s.name.startswith("feed_")} == sensors


def test_r_s3_a_disconnected_site_has_no_sensor() -> None:
    """S3: a disconnected site keeps its assets but is not watched any more."""
    config = parse_config({"connections": [shopsite_connection("http://127.0.0.1:1",
                                                               enabled=False)]})
    defs = build_definitions(config)
    assert not [s for s in defs.sensors if s.name.startswith("feed_")]


def test_r_c5_a_shop_site_never_changes_consent() -> None:
    """C5: a shop site's consent policy is never_change, and cannot be set otherwise."""
    assert connection().consent_policy == "never_change"
    with pytest.raises(ConfigError, match=r"connections\[bottega\]\.consent_policy"):
        connection(consent_policy="sync")


def land(conn: ConnectionConfig, stream: str, window: Window, root: Path) -> tuple[list, dict]:
    with LandingWriter(root, conn.name, stream, window) as writer:
        stats = PLATFORM.extract(conn, PLATFORM.stream(stream), window, writer)
        folder = writer.commit(**stats.as_metadata())
    return landed_rows(folder), stats.as_metadata()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Sandbox, str]]:
    monkeypatch.setenv(TOKEN_ENV, DEMO_SPEC.token)
    monkeypatch.setenv("ECOM_SYNC_HOME", str(tmp_path / "state"))
    sandbox = fast_sandbox(history_days=4, customers=20, orders=10, carts=30)
    with ExitStack() as stack:
        yield sandbox, stack.enter_context(serve_in_thread(create_app(sandbox)))


def test_r_ss3_a_cart_is_landed_only_once_a_back_office_sync_finished_after_its_change(
    site: tuple[Sandbox, str], tmp_path: Path,
) -> None:
    """SS3: today's window (what the 30-minute schedule lands) holds no cart changed after
    the newest finished sync: not while a sync runs, not after it failed; once a sync
    finishes, the registered user's cart lands with its recovery URL and the anonymous
    visitor's never does."""
    sandbox, url = site
    conn = connection(url)
    customer = next(iter(sandbox.site().customers))
    at = sandbox.now() - timedelta(seconds=30)  # a minute's story, told in the past
    run = sandbox.start_sync(now=at)
    later = at + timedelta(seconds=5)
    mine = sandbox.save_cart(customer_id=customer, now=later)
    anonymous = sandbox.save_cart(now=later)
    now = datetime.now(UTC)
    window = Window(now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1),
                    now + timedelta(days=1))

    rows, stats = land(conn, "abandoned_carts", window, tmp_path / "a")
    assert mine["id"] not in {r["id"] for r in rows}
    assert stats["deferred"] >= 1
    sandbox.finish_sync(run["id"], status="failed", now=later + timedelta(seconds=1))
    rows, _ = land(conn, "abandoned_carts", window, tmp_path / "b")
    assert mine["id"] not in {r["id"] for r in rows}

    second = sandbox.start_sync(now=later + timedelta(seconds=2))
    sandbox.finish_sync(second["id"], now=later + timedelta(seconds=3))
    rows, _ = land(conn, "abandoned_carts", window, tmp_path / "c")
    landed = {r["id"]: r for r in rows}
    assert landed[mine["id"]]["recovery_url"] == mine["recovery_url"]
    assert anonymous["id"] not in landed
    assert all(r["customer_id"] and r["email"] for r in rows)


def test_r_m3_ss3_a_historical_sync_lands_every_handed_over_cart_and_no_other(
    site: tuple[Sandbox, str], tmp_path: Path,
) -> None:
    """M3/SS3: a historical backfill, one Dagster run over every day since history_start,
    lands all customers and orders and exactly the carts handed over by a finished sync:
    registered users' carts changed up to the newest finished sync run."""
    sandbox, url = site
    # A short history: a run writes one Dagster event per day, stream and layer.
    first_day = min(c["created_at"] for c in sandbox.site().customers.values()).date()
    config = parse_config({"connections": [shopsite_connection(
        url, history_start=first_day.isoformat())]})
    conn = config.connections[0]
    with dg.instance_for_test() as instance:
        result = sync(build_definitions(config), conn.name, conn.history_start, today(),
                      instance=instance)
    assert result.success
    home = tmp_path / "state" / "landing" / conn.name

    def ids(stream: str) -> set[str]:
        return {r["id"] for r in read_ndjson(sorted((home / stream).glob("*/page-*")))}

    data = sandbox.site()
    assert ids("customers") == set(data.customers)
    assert ids("orders") == set(data.orders)
    handed_over = set(visible_carts(sandbox))
    waiting = {c["id"] for c in data.carts.values()
               if c["customer_id"] and c["id"] not in handed_over}
    assert handed_over and waiting, "the seeded site has carts on both sides of the last sync"
    assert ids("abandoned_carts") == handed_over

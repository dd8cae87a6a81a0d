"""What is Square's own, over loopback HTTP against its stand-in: one connection per
location (SQ1), payments past Square's one-year default at the connection's own location
(SQ2), cursor pagination while the seller keeps selling, late data and expired cursors."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ecom_sandbox.square.wire import rfc3339
from ecom_sync.config import ConfigError
from ecom_sync.config_loader import parse_config
from ecom_sync.sources.http import SourceError
from ecom_sync.sources.landing import LandingWriter, Window, write_page_file
from ecom_sync.sources.registry import get_platform
from ecom_sync.sources.square.config import SquareConnection
from ecom_sync.warehouse.db import connect
from ecom_sync.warehouse.staging import ensure_schema, stage_stream
from ecom_sync_tests.sources.conftest import landed_rows
from ecom_sync_tests.sources.square.harness import (
    DOWNTOWN,
    HARBOR,
    SMALL,
    SquareHarness,
    listed,
    square_connection,
)

SQUARE = get_platform("square")
LONG = replace(SMALL, history_days=500, payments_per_location=60)  # past the 1-year default


@pytest.fixture
def square(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    with ExitStack() as stack:
        yield SquareHarness(stack, monkeypatch)


@pytest.fixture
def long_square(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    with ExitStack() as stack:
        yield SquareHarness(stack, monkeypatch, LONG)


def connection(h: SquareHarness, **overrides: Any) -> SquareConnection:
    raw = square_connection(h.url, h.merchant, page_size=20, **overrides)
    conn = parse_config({"connections": [raw]}).connections[0]
    assert isinstance(conn, SquareConnection)
    return conn


def extract(h: SquareHarness, stream: str, window: Window, root: Path,
            conn: SquareConnection | None = None) -> tuple[list[dict[str, Any]], Path]:
    conn = conn or connection(h)
    with LandingWriter(root, conn.name, stream, window) as writer:
        SQUARE.extract(conn, SQUARE.stream(stream), window, writer)
        folder = writer.commit()
    return landed_rows(folder), folder


def whole_life(h: SquareHarness) -> Window:
    return Window(h.merchant.history_start, datetime.now(UTC) + timedelta(hours=1))


def test_r_sq1_two_connections_on_one_location_are_a_config_error() -> None:
    """SQ1: the location → connection mapping is explicit: a second connection on a
    location is refused, naming both; the same id on another API (sandbox) is another
    location."""
    def config(*entries: tuple[str, str, str]) -> Any:
        return parse_config({"connections": [
            {"name": name, "platform": "square", "store_name": name, "location_id": loc,
             "token_env": "T", "api_base_url": url, "history_start": "2025-01-01"}
            for name, loc, url in entries]})

    prod = "https://connect.squareup.com"
    with pytest.raises(ConfigError) as err:
        config(("downtown", "L1", prod), ("harbor", "L2", prod), ("again", "L1", prod + "/"))
    assert "connections[downtown] and connections[again]" in str(err.value)
    assert "L1" in str(err.value) and "harbor" not in str(err.value)
    assert len(config(("downtown", "L1", prod),
                      ("test", "L1", "https://connect.squareupsandbox.com")).connections) == 2


def test_r_sq1_a_location_the_merchant_does_not_have_is_a_clear_error(
    square: SquareHarness, tmp_path: Path
) -> None:
    """SQ1: a location id the token's merchant does not have fails the extract with the
    merchant's locations named (never the token), instead of syncing nothing, or the main
    location's payments."""
    conn = connection(square, location_id="LNOSUCHPLACE")
    with pytest.raises(SourceError) as err:
        extract(square, "payments", whole_life(square), tmp_path, conn)
    message = str(err.value)
    assert "LNOSUCHPLACE" in message and DOWNTOWN in message and HARBOR in message
    assert square.merchant.token not in message


def test_r_sq2_payments_reach_past_one_year_at_the_connections_own_location(
    long_square: SquareHarness, tmp_path: Path
) -> None:
    """SQ2 / sources.md 3.9: a first sync lands every payment of the location since the
    first day, older than a year too: every request names the location and a begin_time
    (Square's defaults are the main location and one year); orders are searched with the
    location and a sort matching their filter."""
    h = long_square
    seen: list[tuple[str, dict[str, Any]]] = []
    remove = h.on_request(lambda path, params: seen.append((path, params)))
    conn = connection(h, name="harbor", location_id=HARBOR)
    try:
        payments, _ = extract(h, "payments", whole_life(h), tmp_path, conn)
        orders, _ = extract(h, "orders", whole_life(h), tmp_path, conn)
    finally:
        remove()
    expected = listed(h.merchant, "payments", HARBOR)
    year_ago = datetime.now(UTC) - timedelta(days=365)
    assert sorted(p["id"] for p in payments) == sorted(expected)
    assert any(h.merchant.payments[i]["created_at"] < year_ago for i in expected)
    asked = [q for path, q in seen if path == "/v2/payments"]
    assert len(asked) > 2
    assert all(q["location_id"] == HARBOR and q["begin_time"] == rfc3339(h.merchant.history_start)
               for q in asked)
    assert sorted(o["id"] for o in orders) == sorted(listed(h.merchant, "orders", HARBOR))
    searched = [q for path, q in seen if path == "/v2/orders/search"]
    assert all(q["location_ids"] == [HARBOR] and
               q["query"]["sort"]["sort_field"] == "UPDATED_AT" for q in searched)


def test_cursor_pagination_under_concurrent_inserts(square: SquareHarness, tmp_path: Path) -> None:
    """M6: payments taken while a walk pages (some stamped behind its position, as late
    uploads are, some ahead) shift nothing: every payment that was there lands once, the
    ones ahead land too; the next run of the window picks up the ones behind, and staging
    holds each payment once."""
    h = square
    window = whole_life(h)
    before = listed(h.merchant, "payments", DOWNTOWN)
    oldest = min(before.values())
    inserted: dict[str, list[str]] = {"behind": [], "ahead": []}

    def sell(path: str, params: dict[str, Any]) -> None:
        if path == "/v2/payments" and "cursor" in params and not inserted["ahead"]:
            now = datetime.now(UTC)
            for kind, when in (("behind", oldest + timedelta(seconds=1)),
                               ("ahead", now - timedelta(minutes=5))):
                for _ in range(3):
                    payment = h.sandbox.add_payment(h.merchant.merchant_id, DOWNTOWN, when)
                    inserted[kind].append(payment["id"])

    remove = h.on_request(sell)
    try:
        first, _ = extract(h, "payments", window, tmp_path / "first")
    finally:
        remove()
    ids = [p["id"] for p in first]
    assert len(ids) == len(set(ids)), "a payment landed twice"
    assert set(before) | set(inserted["ahead"]) == set(ids)
    again, folder = extract(h, "payments", window, tmp_path / "landing")
    assert set(inserted["behind"]) <= {p["id"] for p in again}
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, SQUARE)
        stage_stream(con, SQUARE, connection(h), SQUARE.stream("payments"), window,
                     tmp_path / "landing")
        staged = con.execute("select id from staging.square_payments").fetchall()
    assert sorted(i for (i,) in staged) == sorted(listed(h.merchant, "payments", DOWNTOWN))


def test_r_m6_a_late_offline_order_is_not_lost(square: SquareHarness, tmp_path: Path) -> None:
    """M6 / sources.md 3.9: an offline order reaches Square up to 72 h after it was
    rung up, with its original stamps; the run of the next window still lands it (the
    orders walk looks back 72 h), and its payment, stamped at upload, too."""
    h = square
    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = Window(today - timedelta(days=2), today)
    extract(h, "orders", yesterday, tmp_path)
    payment = h.sandbox.add_payment(h.merchant.merchant_id, DOWNTOWN, now - timedelta(minutes=1))
    rung_up = today - timedelta(days=1, hours=3)
    h.sandbox.touch(h.merchant.merchant_id, "orders", payment["order_id"], rung_up,
                    created_at=rung_up)
    window = Window(today, today + timedelta(days=1))
    orders, _ = extract(h, "orders", window, tmp_path)
    payments, _ = extract(h, "payments", window, tmp_path)
    assert payment["order_id"] in {o["id"] for o in orders}
    assert payment["id"] in {p["id"] for p in payments}


@pytest.mark.parametrize("stream", ["payments", "customers"])
def test_an_expired_cursor_walks_again(square: SquareHarness, tmp_path: Path,
                                       stream: str) -> None:
    """Square's cursors live minutes: a refused one (400 INVALID_CURSOR) restarts the
    walk — payments from the newest ``updated_at`` landed, customers (not sortable by
    it) from the window's start — and the extract is complete."""
    h = square
    firsts: list[dict[str, Any]] = []
    state = {"continuations": 0}

    def expire(path: str, params: dict[str, Any]) -> None:
        if "cursor" in params:
            state["continuations"] += 1
            if state["continuations"] == 2:
                h.sandbox.expire_cursors()
        elif path != "/v2/locations":
            firsts.append(params)

    remove = h.on_request(expire)
    try:
        rows, _ = extract(h, stream, whole_life(h), tmp_path)
    finally:
        remove()
    assert {r["id"] for r in rows} == set(listed(h.merchant, stream, DOWNTOWN))
    assert len(firsts) == 2
    if stream == "payments":
        assert firsts[1]["updated_at_begin_time"] > firsts[0]["updated_at_begin_time"]
    else:
        assert firsts[1] == firsts[0]


def test_staging_keeps_the_highest_version_of_a_customer_stamped_alike(
    square: SquareHarness, tmp_path: Path
) -> None:
    """sources.md 3.9: customers are deduplicated by id and version: two versions stamped
    in the same millisecond keep the higher one, whichever extract landed last."""
    h = square
    customer = next(iter(h.merchant.customers.values()))
    row = {**customer, "created_at": rfc3339(customer["created_at"]),
           "updated_at": rfc3339(customer["updated_at"])}
    newer = {**row, "version": 5, "given_name": "Newer", "_extracted_at": "2026-01-01T00:00:00Z"}
    stale = {**row, "version": 4, "given_name": "Stale", "_extracted_at": "2026-01-02T00:00:00Z"}
    conn = connection(h)
    landing = tmp_path / "landing"
    windows = [Window(datetime(2026, 1, d, tzinfo=UTC), datetime(2026, 1, d + 1, tzinfo=UTC))
               for d in (1, 2)]
    for window, record in zip(windows, (newer, stale), strict=True):
        folder = landing / conn.name / "customers" / window.folder
        folder.mkdir(parents=True)
        write_page_file(folder, "page", 1, [record])
        (folder / "_manifest.json").write_text("{}")
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, SQUARE)
        for window in windows:
            stage_stream(con, SQUARE, conn, SQUARE.stream("customers"), window, landing)
        assert con.execute("select given_name, version from staging.square_customers"
                           ).fetchall() == [("Newer", 5)]

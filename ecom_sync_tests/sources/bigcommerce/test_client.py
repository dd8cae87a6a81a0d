"""What is BigCommerce's own, over real loopback HTTP against the stand-in (specs/sources.md
section 1): its quota, filters, v2 quirks, order statuses and sub-resources, auth errors.
What every source must do (each record once, twice; changes mid-walk; 429/5xx; half-open
windows) is the conformance suite's (``sources/conformance``).

Expected results are computed from the stand-in's own records (``StoreData``), never from
what the client returned.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecom_sandbox.bigcommerce.sandbox import Settings
from ecom_sync.sources.bigcommerce import PLATFORM
from ecom_sync.sources.bigcommerce.client import BigCommerceQuota
from ecom_sync.sources.http import ReconnectRequired, RetryableError, SourceError
from ecom_sync.sources.landing import LandingWriter, Window

from ..conftest import BC, CONN_NAME, TOKEN_ENV, US, Run

FULL_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")

# stream → (store attribute, list path, modified-filter params)
STREAMS: dict[str, tuple[str, str, tuple[str, str]]] = {
    "customers": ("customers", "/v3/customers", ("date_modified:min", "date_modified:max")),
    "subscribers": (
        "subscribers", "/v3/customers/subscribers", ("date_modified:min", "date_modified:max")
    ),
    "orders": ("orders", "/v2/orders", ("min_date_modified", "max_date_modified")),
    "products": ("products", "/v3/catalog/products", ("date_modified:min", "date_modified:max")),
}


def expected_ids(bc: BC, stream: str, window: Window) -> set[Any]:
    records = getattr(bc.store, STREAMS[stream][0]).values()
    return {
        r["id"] for r in records
        if window.contains(r["date_modified"]) and not r.get("is_deleted", False)
    }


def assert_no_duplicates(ids: list[Any]) -> None:
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"ids landed more than once: {dupes}"


def list_requests(bc: BC, path: str) -> list[dict[str, str]]:
    return [params for store_hash, p, params in bc.requests if store_hash == US and p == path]


# ----- completeness (every stream once, twice: the conformance suite) ---------------------
def test_r_m3_products_land_the_whole_category_tree(bc: BC) -> None:
    run = bc.extract("products")
    categories = run.ids("categories")
    assert_no_duplicates(categories)
    assert set(categories) == set(bc.store.categories)
    products = {r["id"]: r for r in run.rows()}
    for pid, product in products.items():
        # include=variants,images: the catalog carries what the destination shows (E3).
        assert [v["id"] for v in product["variants"]] == [
            v["id"] for v in bc.store.products[pid]["variants"]
        ]
        assert "images" in product


def test_r_m3_customers_land_with_their_addresses(bc: BC) -> None:
    rows = bc.extract("customers").rows()
    for row in rows:
        stored = bc.store.customers[row["id"]]
        assert [a["id"] for a in row["addresses"]] == [a["id"] for a in stored["addresses"]]
        assert row["email"] == stored["email"]


# ----- window bounds ---------------------------------------------------------------------
@pytest.mark.parametrize("stream", list(STREAMS))
def test_r_m2_filters_are_full_utc_timestamps(bc: BC, stream: str) -> None:
    """M2: the API filters sent are full UTC timestamps, never date-only (specs 1.9: a
    date-only lower bound is not midnight). Half-open bounds: the conformance suite."""
    window = Window(bc.full_window().end - timedelta(days=3), bc.full_window().end)
    bc.extract(stream, window)
    start = PLATFORM.stream(stream).lower_bound(bc.conn(), window)  # less the lookback
    path, (lo_key, hi_key) = STREAMS[stream][1], STREAMS[stream][2]
    sent = list_requests(bc, path)
    assert sent
    for params in sent:
        assert FULL_TS.match(params[lo_key]), params[lo_key]
        assert FULL_TS.match(params[hi_key]), params[hi_key]
        assert params[lo_key].startswith(start.strftime("%Y-%m-%dT%H:%M:%S"))


def test_r_m2_upper_filter_is_capped_at_now(bc: BC) -> None:
    """A window reaching into the future pages with a fixed upper bound of ``now`` (specs
    1.9), sent as a full timestamp."""
    before = datetime.now(UTC).replace(microsecond=0)
    bc.extract("customers")
    after = datetime.now(UTC)
    for params in list_requests(bc, "/v3/customers"):
        hi = datetime.fromisoformat(params["date_modified:max"].replace("Z", "+00:00"))
        assert before <= hi <= after


# ----- v2 204 ----------------------------------------------------------------------------
def test_v2_orders_204_past_the_last_full_page(bc: BC) -> None:
    """specs 1.2 / 1.9: v2 answers 204 with no body past the last page; with an order count
    that is an exact multiple of the page size the client must stop cleanly on it."""
    listed = sorted(
        (o for o in bc.store.orders.values() if o["status_id"] != 0),
        key=lambda o: (o["date_modified"], o["id"]),
    )
    stamps = [o["date_modified"] for o in listed]
    # A window holding exactly 20 listed orders (2 full pages of 10). API bounds are
    # inclusive, so leave a gap of more than a second after the 20th order.
    second = timedelta(seconds=1)
    k = next(
        i for i in range(5, len(stamps) - 21)
        if stamps[i - 1] < stamps[i] and stamps[i + 19] + second < stamps[i + 20]
    )
    window = Window(stamps[k], stamps[k + 19] + second)
    in_window = [o for o in bc.store.orders.values() if window.contains(o["date_modified"])]
    assert sum(1 for o in in_window if o["status_id"] != 0) == 20

    run = bc.extract("orders", window)
    ids = run.ids()
    assert_no_duplicates(ids)
    assert set(ids) == {o["id"] for o in in_window}

    order_lists = [
        (params, status)
        for (_h, path, params), status in zip(bc.requests, bc.served.statuses, strict=True)
        if path == "/v2/orders" and "status_id" not in params
    ]
    assert [s for _p, s in order_lists] == [200, 200, 204]


# ----- pagination (records changed mid-walk: the conformance suite) ----------------------
def test_r_m6_subscribers_single_walk_when_nothing_changes(bc: BC) -> None:
    bc.extract("subscribers")
    pages_1 = [p for p in list_requests(bc, "/v3/customers/subscribers") if p["page"] == "1"]
    assert len(pages_1) == 1


# ----- M4: rate limits, backoff, retries ---------------------------------------------------
def _extract_with_client(
    bc: BC, stream: str, **conn_overrides: Any
) -> tuple[Run, BigCommerceQuota]:
    """Run one stream with an API client the test can inspect (its quota policy)."""
    conn = bc.conn(**conn_overrides)
    window = bc.full_window()
    with (
        LandingWriter(bc.home / "landing", conn.name, stream, window) as writer,
        PLATFORM.api(conn) as api,
    ):
        stats = PLATFORM.stream(stream).extract(api, conn, window, writer)
        folder = writer.commit()
    assert isinstance(api.policy, BigCommerceQuota)
    return Run(stats, folder), api.policy


def test_r_m4_pauses_for_the_window_reset_instead_of_hitting_429(bc: BC) -> None:
    """M4: with ``X-Rate-Limit-Requests-Left`` at the threshold the client waits
    ``X-Rate-Limit-Time-Reset-Ms`` and never spends the quota down to a 429."""
    bc.sandbox.set_rate_limit(US, quota=8, window_ms=800)
    run, quota = _extract_with_client(
        bc, "customers", page_size=5, http={"min_requests_left": 3}
    )
    assert quota.pauses > 0
    assert bc.served.count(429) == 0
    assert run.stats.retries == 0
    assert set(run.ids()) == expected_ids(bc, "customers", bc.full_window())


def test_r_m4_leaves_room_for_other_apps_on_the_shared_quota(bc: BC) -> None:
    """M4 / specs 1.5: the quota is shared by all apps; when others spent it the client
    pauses before its first request instead of failing."""
    bc.sandbox.set_rate_limit(US, quota=12, window_ms=800)
    bc.sandbox.consume_quota(US, 8)
    run, quota = _extract_with_client(
        bc, "products", page_size=10, http={"min_requests_left": 3}
    )
    assert quota.pauses > 0
    assert bc.served.count(429) == 0
    assert set(run.ids()) == expected_ids(bc, "products", bc.full_window())


def test_r_m4_429_without_headers_backs_off_and_completes(bc: BC) -> None:
    """M4 / specs 1.5: a 429 without quota headers is platform load: exponential backoff."""
    bc.sandbox.faults.add_spec({"kind": "429_no_headers", "count": 3})
    run = bc.extract("customers")
    assert bc.served.count(429) == 3
    assert run.stats.retries == 3
    assert set(run.ids()) == expected_ids(bc, "customers", bc.full_window())


def test_r_m4_a_timed_out_request_is_retried_and_completes(bc: BC) -> None:
    """A hung request (latency above ``http.timeout_s``) times out and is retried."""
    conn = bc.conn(http={"timeout_s": 0.5})
    bc.sandbox.faults.add_spec({"kind": "latency", "seconds": 1.5, "count": 1})
    run = bc.extract("customers", conn=conn)
    assert run.stats.retries >= 1
    ids = run.ids()
    assert_no_duplicates(ids)
    assert set(ids) == expected_ids(bc, "customers", bc.full_window())


def test_r_m4_exhausted_attempts_raise_a_clear_source_error_and_land_nothing(bc: BC) -> None:
    conn = bc.conn(http={"max_attempts": 3})
    bc.sandbox.faults.add_spec({"kind": "error", "status": 503, "count": 50})
    with pytest.raises(SourceError) as info:
        bc.extract("orders", conn=conn)
    assert isinstance(info.value, RetryableError)
    assert not isinstance(info.value, ReconnectRequired)
    message = str(info.value)
    assert CONN_NAME in message and "HTTP 503" in message and "/v2/orders" in message
    assert info.value.status == 503
    assert bc.served.count(503) == 3, "exactly max_attempts tries"
    stream_dir = bc.home / "landing" / CONN_NAME / "orders"
    assert list(stream_dir.iterdir()) == [], "a failed extract commits no window folder"


# ----- S2: auth errors and secrets ---------------------------------------------------------
def test_r_s2_wrong_token_raises_reconnect_required_without_the_token(
    bc: BC, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "wrong-token-0123456789abcdef"
    monkeypatch.setenv(TOKEN_ENV, wrong)
    with pytest.raises(ReconnectRequired) as info:
        bc.extract("customers")
    message = str(info.value)
    assert info.value.status == 401
    assert "reconnect" in message.lower()
    assert TOKEN_ENV in message
    assert wrong not in message and bc.store.token not in message
    assert wrong not in repr(info.value.args)
    assert bc.served.count(401) == 1, "a refused token is not retried"


def test_r_s2_forbidden_scope_raises_reconnect_required(bc: BC) -> None:
    bc.sandbox.faults.add_spec({"kind": "error", "status": 403, "count": 1})
    with pytest.raises(ReconnectRequired) as info:
        bc.extract("products")
    assert info.value.status == 403
    assert TOKEN_ENV in str(info.value)
    assert bc.store.token not in str(info.value)
    assert bc.served.count(403) == 1


def test_r_s2_no_log_record_contains_the_token(
    bc_factory: Callable[..., BC], caplog: pytest.LogCaptureFixture
) -> None:
    """S2: a full extract of every stream, with retries logged, never logs the token."""
    bc = bc_factory(Settings(), customers=30, orders=30, products=15, carts=10)
    bc.sandbox.faults.add_spec({"kind": "storm", "count": 20, "every": 4, "reset_ms": 20})
    bc.sandbox.faults.add_spec({"kind": "error", "status": 500, "count": 1})
    caplog.set_level(logging.DEBUG)
    for spec in PLATFORM.streams:
        bc.extract(spec.name)
    assert bc.served.count(429) > 0
    assert any("retry" in r.getMessage() for r in caplog.records)
    token = bc.store.token
    for record in caplog.records:
        assert token not in record.getMessage()
        assert token not in repr(record.args)
        assert token not in str(record.__dict__)


# ----- BC1 / BC3: orders ------------------------------------------------------------------
def test_r_bc1_orders_of_every_status_are_landed(bc: BC) -> None:
    """BC1: every status id present in the store (paid, pending, declined, refunded, ...
    and Incomplete, which the v2 list leaves out unless asked by status) is landed."""
    run = bc.extract("orders")
    landed = Counter(r["status_id"] for r in run.rows())
    stored = Counter(o["status_id"] for o in bc.store.orders.values())
    assert len(stored) == 15, "the demo store has every BigCommerce status"
    assert landed == stored


def test_r_bc1_orders_of_every_status_when_the_store_lists_incomplete_ones(
    bc_factory: Callable[..., BC],
) -> None:
    """BC1 with a store whose default list already includes status 0 (specs 1.4 [?]):
    still every order once."""
    bc = bc_factory(Settings(list_incomplete_orders=True))
    ids = bc.extract("orders").ids()
    assert_no_duplicates(ids)
    assert set(ids) == set(bc.store.orders)


def test_r_bc3_guest_orders_are_landed_for_later_filtering(bc: BC) -> None:
    """BC3: guest checkouts (``customer_id`` 0) are landed like any other order; the
    publish step leaves them out, so landing must keep them and their billing e-mail."""
    rows = {r["id"]: r for r in bc.extract("orders").rows()}
    guests = {oid for oid, o in bc.store.orders.items() if o["customer_id"] == 0}
    assert guests
    assert guests <= set(rows)
    for oid in guests:
        assert rows[oid]["customer_id"] == 0
        assert rows[oid]["billing_address"]["email"] == (
            bc.store.orders[oid]["billing_address"]["email"]
        )


def test_r_bc5_orders_carry_products_shipping_addresses_and_coupons(bc: BC) -> None:
    """BC5 / E3: each landed order has its line items, shipping addresses (shipping
    method) and coupons inlined, not the v2 link objects."""
    rows = bc.extract("orders").rows()
    with_coupons = 0
    for row in rows:
        stored = bc.store.orders[row["id"]]
        assert isinstance(row["products"], list)
        assert [p["id"] for p in row["products"]] == [p["id"] for p in stored["_products"]]
        assert [p["product_id"] for p in row["products"]] == [
            p["product_id"] for p in stored["_products"]
        ]
        assert [s["id"] for s in row["shipping_addresses"]] == [
            s["id"] for s in stored["_shipping_addresses"]
        ]
        assert row["shipping_addresses"][0]["shipping_method"] == (
            stored["_shipping_addresses"][0]["shipping_method"]
        )
        assert [c["code"] for c in row["coupons"]] == [c["code"] for c in stored["_coupons"]]
        with_coupons += bool(row["coupons"])
    assert with_coupons > 0, "some demo orders have coupons"
    assert all(r["products"] for r in rows)

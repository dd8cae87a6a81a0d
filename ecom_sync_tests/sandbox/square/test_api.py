"""The Square stand-in over loopback HTTP: what specs/sources.md 3.8 says a faithful fake
enforces (auth, Square-Version, the payments defaults, SearchOrders' rules, customers'
limits, catalog search, cursors, the errors body, 429 and 5xx, eventual consistency) and
its demo data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ecom_sandbox.demo import DemoWorld
from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.square.app import create_app
from ecom_sandbox.square.demo import demo_stand_in
from ecom_sandbox.square.generator import DEMO_SPEC
from ecom_sandbox.square.merchant import MerchantData
from ecom_sandbox.square.sandbox import Sandbox, Settings
from ecom_sandbox.square.wire import rfc3339

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SPEC = replace(DEMO_SPEC, history_days=500, customers=30, payments_per_location=60)
DOWNTOWN, HARBOR = (loc for loc, _ in SPEC.locations)


class Api:
    """A served stand-in with a fixed clock and a client with the merchant's token."""

    def __init__(self, sandbox: Sandbox, url: str) -> None:
        self.sandbox = sandbox
        self.merchant: MerchantData = next(iter(sandbox.merchants.values()))
        self.http = httpx.Client(base_url=url, timeout=5, headers={
            "Authorization": f"Bearer {self.merchant.token}", "Square-Version": "2025-08-20"})

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(f"/v2/{path}", params=params)

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(f"/v2/{path}", json=body)

    def walk(self, path: str, body: dict[str, Any], key: str) -> tuple[list[dict], list[dict]]:
        """Every page of a search: (records, the raw pages)."""
        pages = [self.post(path, body).json()]
        while pages[-1].get("cursor"):
            pages.append(self.post(path, {**body, "cursor": pages[-1]["cursor"]}).json())
        return [r for p in pages for r in p.get(key, [])], pages


@contextmanager
def served(settings: Settings | None = None) -> Iterator[Api]:
    sandbox = Sandbox.demo(3, NOW, specs=[SPEC], settings=settings)
    sandbox.clock = lambda: NOW
    with serve_in_thread(create_app(sandbox)) as url:
        yield Api(sandbox, url)


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with served() as api:
        yield api


def error_of(response: httpx.Response) -> dict[str, Any]:
    errors = response.json()["errors"]
    assert len(errors) == 1 and set(errors[0]) <= {"category", "code", "detail", "field"}
    return errors[0]


def test_bearer_auth_and_square_version(api: Api) -> None:
    """3.8.1: no or a wrong token → 401 AUTHENTICATION_ERROR/UNAUTHORIZED; a malformed
    Square-Version → 400 INVALID_SQUARE_VERSION_FORMAT; a good one is echoed."""
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer nope"}):
        response = api.http.get("/v2/locations", headers=headers)
        assert response.status_code == 401
        assert error_of(response)["category"] == "AUTHENTICATION_ERROR"
        assert error_of(response)["code"] == "UNAUTHORIZED"
    bad = api.http.get("/v2/locations", headers={"Square-Version": "2025/08/20"})
    assert bad.status_code == 400
    assert error_of(bad)["code"] == "INVALID_SQUARE_VERSION_FORMAT"
    ok = api.get("locations")
    assert ok.headers["Square-Version"] == "2025-08-20"
    names = [loc["name"] for loc in ok.json()["locations"]]
    assert names == sorted(names) and len(names) == 3  # the inactive one is listed too
    assert api.get("payments", unknown="1").json()["errors"][0]["code"] \
        == "UNKNOWN_QUERY_PARAMETER"


def test_list_payments_defaults_to_one_year_at_the_main_location(api: Api) -> None:
    """3.8.3 / 3.9: without begin_time only the last year, without location_id only the
    main location, newest first; limit above 100 is served as 100; money in minor units
    and RFC 3339 times with milliseconds."""
    def walk(**params: Any) -> list[dict[str, Any]]:
        pages = [api.get("payments", **params).json()]
        while pages[-1].get("cursor"):
            pages.append(api.get("payments", **params, cursor=pages[-1]["cursor"]).json())
        assert all(len(p.get("payments", [])) <= 100 for p in pages)
        return [r for p in pages for r in p.get("payments", [])]

    default = walk(limit=500)
    year_ago = rfc3339(NOW - timedelta(days=365))
    assert default and all(p["location_id"] == DOWNTOWN for p in default)
    assert all(p["created_at"] >= year_ago for p in default)
    assert [p["created_at"] for p in default] == sorted((p["created_at"] for p in default),
                                                        reverse=True)
    everything = walk(begin_time=rfc3339(api.merchant.history_start), location_id=HARBOR,
                      sort_order="ASC")
    harbor = [p for p in api.merchant.payments.values() if p["location_id"] == HARBOR]
    assert {p["id"] for p in everything} == {p["id"] for p in harbor}
    assert any(p["created_at"] < year_ago for p in everything)
    first = everything[0]
    assert first["created_at"].endswith("Z") and len(first["created_at"]) == 24
    assert isinstance(first["total_money"]["amount"], int)
    updated = walk(begin_time=rfc3339(api.merchant.history_start), location_id=HARBOR,
                   updated_at_begin_time=rfc3339(NOW - timedelta(days=30)),
                   sort_field="UPDATED_AT", sort_order="ASC")
    assert updated and all(p["updated_at"] >= rfc3339(NOW - timedelta(days=30))
                           for p in updated)


def test_search_orders_rules(api: Api) -> None:
    """3.8.4: location_ids 1-10; the sort must match the date filter; inclusive bounds;
    a cursor only with the identical query; return_entries."""
    def refused(body: dict[str, Any]) -> dict[str, Any]:
        response = api.post("orders/search", body)
        assert response.status_code == 400, response.text
        return error_of(response)

    assert refused({})["code"] == "MISSING_REQUIRED_PARAMETER"
    assert refused({"location_ids": [DOWNTOWN] * 11})["detail"] \
        == "Cannot provide more than 10 location_ids."
    one = api.merchant.orders[next(iter(api.merchant.orders))]
    stamp = rfc3339(one["updated_at"])
    query = {"filter": {"date_time_filter": {"updated_at": {"start_at": stamp,
                                                            "end_at": stamp}}},
             "sort": {"sort_field": "CREATED_AT"}}
    assert refused({"location_ids": [one["location_id"]], "query": query})["field"] \
        == "query.sort.sort_field"
    query["sort"] = {"sort_field": "UPDATED_AT", "sort_order": "ASC"}
    exact = api.post("orders/search", {"location_ids": [one["location_id"]], "query": query})
    assert one["id"] in [o["id"] for o in exact.json()["orders"]]  # inclusive at both ends

    body = {"location_ids": [DOWNTOWN, HARBOR], "limit": 25, "query": {
        "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"}}}
    first = api.post("orders/search", body).json()
    changed = {**body, "cursor": first["cursor"], "location_ids": [DOWNTOWN]}
    error = refused(changed)
    assert (error["code"], error["field"]) == ("INVALID_CURSOR", "cursor")
    orders, _ = api.walk("orders/search", body, "orders")
    assert len(orders) == len(api.merchant.orders)  # no DRAFT among them
    entries = api.post("orders/search", {**body, "return_entries": True}).json()
    assert set(entries["order_entries"][0]) == {"order_id", "version", "location_id"}


def test_missing_end_is_frozen_at_the_first_request() -> None:
    """3.8.4: an order updated after a walk began does not join it, even though the
    query has no end_at."""
    with served() as api:
        body = {"location_ids": [DOWNTOWN], "limit": 10,
                "query": {"sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
                          "filter": {"date_time_filter": {"updated_at": {
                              "start_at": rfc3339(api.merchant.history_start)}}}}}
        first = api.post("orders/search", body).json()
        later = NOW + timedelta(minutes=5)
        api.sandbox.clock = lambda: later
        moved = next(o for o in api.merchant.orders.values() if o["location_id"] == DOWNTOWN
                     and o["id"] not in {x["id"] for x in first["orders"]})
        api.sandbox.touch(api.merchant.merchant_id, "orders", moved["id"], later)
        rest, _ = api.walk("orders/search", {**body, "cursor": first["cursor"]}, "orders")
        assert moved["id"] not in {o["id"] for o in first["orders"] + rest}
        again, _ = api.walk("orders/search", body, "orders")
        assert moved["id"] in {o["id"] for o in again}


def test_search_customers_limits_sort_and_empty_result(api: Api) -> None:
    """3.8.5: limit 1-100 (VALUE_TOO_LOW / VALUE_TOO_HIGH); sorting by DEFAULT or
    CREATED_AT only; ``{}`` when nothing matches; ListCustomers has no time filter."""
    for limit, code in ((0, "VALUE_TOO_LOW"), (101, "VALUE_TOO_HIGH")):
        response = api.post("customers/search", {"limit": limit})
        assert response.status_code == 400 and error_of(response)["code"] == code
    response = api.post("customers/search", {"query": {"sort": {"field": "UPDATED_AT"}}})
    assert error_of(response)["code"] == "INVALID_ENUM_VALUE"
    before = rfc3339(api.merchant.history_start - timedelta(days=1))
    empty = api.post("customers/search", {"query": {"filter": {"updated_at": {
        "start_at": before, "end_at": before}}}})
    assert empty.status_code == 200 and empty.json() == {}
    body = {"limit": 7, "query": {"sort": {"field": "CREATED_AT", "order": "ASC"}}}
    customers, _ = api.walk("customers/search", body, "customers")
    assert [c["id"] for c in customers] == sorted(api.merchant.customers)
    assert api.get("customers", updated_at="x").json()["errors"][0]["code"] \
        == "UNKNOWN_QUERY_PARAMETER"


def test_catalog_search_begin_time_is_exclusive_with_related_objects(api: Api) -> None:
    """3.8.6: begin_time exclusive; deleted objects only when asked; variations nested;
    images and categories as related objects; latest_time."""
    items = [o for o in api.merchant.catalog.values() if o["type"] == "ITEM"]
    oldest = min(items, key=lambda o: (o["updated_at"], o["id"]))
    body = {"object_types": ["ITEM"], "begin_time": rfc3339(oldest["updated_at"]),
            "include_related_objects": True}
    found = api.post("catalog/search", body).json()
    ids = {o["id"] for o in found["objects"]}
    assert oldest["id"] not in ids
    assert all(not o["is_deleted"] for o in found["objects"])
    with_deleted = api.post("catalog/search", {"object_types": ["ITEM"],
                                               "include_deleted_objects": True}).json()
    deleted = [o for o in with_deleted["objects"] if o["is_deleted"]]
    assert len(deleted) == 1 and deleted[0]["id"] not in ids
    variation = found["objects"][0]["item_data"]["variations"][0]
    assert variation["item_variation_data"]["item_id"] == found["objects"][0]["id"]
    related = {o["type"] for o in found["related_objects"]}
    assert related == {"IMAGE", "CATEGORY"}
    assert found["latest_time"].endswith("Z")


def test_cursor_then_an_empty_page() -> None:
    """3.8.7: a full last page still carries a cursor; the page after it is ``{}``."""
    with served() as api:
        n = len(api.merchant.customers)
        _, pages = api.walk("customers/search", {"limit": n}, "customers")
        assert len(pages[0]["customers"]) == n and pages[0]["cursor"]
        assert pages[1] == {}


def test_rate_limit_and_server_errors_have_square_bodies() -> None:
    """3.5 / 3.8.7: an injected 429 is RATE_LIMITED with no rate or Retry-After header;
    a 5xx has an API_ERROR body."""
    with served() as api:
        api.sandbox.faults.add_spec({"kind": "rate_limit", "count": 1})
        api.sandbox.faults.add_spec({"kind": "error", "status": 503, "count": 1})
        limited = api.get("locations")
        assert limited.status_code == 429
        assert error_of(limited) == {"category": "RATE_LIMIT_ERROR", "code": "RATE_LIMITED",
                                     "detail": "This request was rate limited. "
                                               "Please retry later."}
        assert not {h for h in limited.headers if "rate" in h.lower() or "retry" in h.lower()}
        down = api.get("locations")
        assert down.status_code == 503 and error_of(down)["category"] == "API_ERROR"
        assert api.get("locations").status_code == 200


def test_changes_show_up_after_the_consistency_lag() -> None:
    """3.8.7: with a lag, a new payment is listed only once the lag has passed."""
    with served(Settings(lag_seconds={"payments": 30})) as api:
        payment = api.sandbox.add_payment(api.merchant.merchant_id, DOWNTOWN,
                                          NOW - timedelta(seconds=5))
        params = {"begin_time": rfc3339(NOW - timedelta(hours=1)), "location_id": DOWNTOWN}
        assert payment["id"] not in str(api.get("payments", **params).json())
        api.sandbox.clock = lambda: NOW + timedelta(seconds=30)
        assert payment["id"] in str(api.get("payments", **params).json())


def test_demo_merchant_state_survives_a_restart(tmp_path: Path) -> None:
    """The demo merchant has the locations its connections name, customers sharing other
    stores' e-mails and a few without one; saved state loads back the same."""
    world = DemoWorld(5, tmp_path, shared_emails=["Shared.Person@example.com"])
    entries = [{"location_id": loc, "store_name": name, "token": "tok",
                "history_start": (NOW - timedelta(days=30)).date().isoformat()}
               for loc, name in SPEC.locations]
    demo = demo_stand_in(entries, world)
    merchant = next(iter(demo.sandbox.merchants.values()))
    assert [loc for loc in merchant.locations][:2] == [loc for loc, _ in SPEC.locations]
    emails = [c.get("email_address") for c in merchant.customers.values()]
    assert any(e and e.strip().lower() == "shared.person@example.com" for e in emails)
    assert sum(1 for e in emails if not e) >= 3
    assert len(world.shared_emails) > 1
    demo.sandbox.save(tmp_path / "square.json")
    loaded = Sandbox.load(tmp_path / "square.json")
    again = next(iter(loaded.merchants.values()))
    assert again.payments == merchant.payments and again.catalog == merchant.catalog


def test_activity_sells_at_every_location_refunds_and_adds_customers() -> None:
    """Between syncs the merchant sells at each active location, refunds older payments
    (status stays COMPLETED) and gains customers; counts say where."""
    with served() as api:
        m = api.merchant
        before = (len(m.payments), len(m.customers))
        counts = api.sandbox.add_activity(NOW, seed=1)
        assert counts[m.name] == {"new_customers": 3, "changed_customers": 2}
        assert {counts[name]["new_payments"] for _, name in SPEC.locations} == {5}
        assert (len(m.payments), len(m.customers)) == (before[0] + 10, before[1] + 3)
        refunded = [p for p in m.payments.values() if p["updated_at"] == NOW
                    and p.get("refunded_money")]
        assert len(refunded) == 2 and {p["status"] for p in refunded} == {"COMPLETED"}


def test_admin_routes_touch_refund_faults_and_summary() -> None:
    """The shared ``/_sandbox`` routes (touch, faults, summary) and Square's own refund
    and cursor expiry, as the demo and tests drive them over HTTP."""
    with served() as api:
        admin = httpx.Client(base_url=str(api.http.base_url), timeout=5)
        m = api.merchant
        customer = next(iter(m.customers))
        later = "2026-05-01T12:30:00Z"
        touched = admin.post("/_sandbox/touch", json={
            "merchant": m.merchant_id, "kind": "customers", "id": customer, "now": later,
            "changes": {"given_name": "Renamed"}})
        assert touched.json() == {"id": customer}
        assert m.customers[customer]["given_name"] == "Renamed"
        assert rfc3339(m.customers[customer]["updated_at"]) == "2026-05-01T12:30:00.000Z"
        paid = next(p for p in m.payments.values() if p["status"] == "COMPLETED"
                    and not p.get("refunded_money"))
        refund = admin.post("/_sandbox/refund", json={"merchant": m.merchant_id,
                                                      "id": paid["id"], "amount": 100})
        assert refund.json()["refunded"]["amount"] == 100
        failed = next(p for p in m.payments.values() if p["status"] == "FAILED")
        assert admin.post("/_sandbox/refund", json={"merchant": m.merchant_id,
                                                    "id": failed["id"]}).status_code == 400
        admin.post("/_sandbox/faults", json={"kind": "rate_limit", "count": 1})
        assert len(admin.get("/_sandbox/faults").json()["active"]) == 1
        assert api.get("locations").status_code == 429
        body = {"limit": 5}
        cursor = api.post("customers/search", body).json()["cursor"]
        admin.post("/_sandbox/expire-cursors")
        expired = api.post("customers/search", {**body, "cursor": cursor})
        assert error_of(expired)["code"] == "INVALID_CURSOR"
        summary = admin.get("/_sandbox/summary").json()[m.merchant_id]
        assert summary["counts"]["payments"] == len(m.payments)
        assert summary["counts"]["requests"] == 3  # the API requests, the 429 included

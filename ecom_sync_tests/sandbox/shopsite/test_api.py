"""The shop-site stand-in against specs/shopsite.md, over loopback HTTP: Bearer auth and
the error body, 429 with Retry-After, page/per_page with meta, (modified_at, id) order,
the site's offset, decimal money, registered users' carts only, the sync-runs feed, and
the /_sandbox/ routes (orders, carts, back-office syncs, saved state)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.shopsite.app import create_app, site_base_url
from ecom_sandbox.shopsite.generator import DEMO_SPEC
from ecom_sandbox.shopsite.sandbox import Sandbox, Settings

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
SHARED = tuple(f"shared.person{i}@example.com" for i in range(20))


@dataclass
class Served:
    sandbox: Sandbox
    url: str

    def api(self, token: str | None = DEMO_SPEC.token) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=site_base_url(self.url, DEMO_SPEC.site), headers=headers)

    def admin(self, path: str, body: dict | None = None) -> httpx.Response:
        return httpx.post(f"{self.url}/_sandbox/{path}", json=body or {})


def make_sandbox(**settings: float) -> Sandbox:
    sandbox = Sandbox.demo(5, NOW, history_days=20, customers=30, orders=40, carts=30,
                           shared_emails=SHARED,
                           settings=Settings(**{"rate_limit_per_second": 10_000, **settings}))
    sandbox.clock = lambda: NOW
    return sandbox


@pytest.fixture
def served() -> Iterator[Served]:
    sandbox = make_sandbox()
    with serve_in_thread(create_app(sandbox)) as url:
        yield Served(sandbox, url)


def walk(client: httpx.Client, path: str, **params: str) -> list[dict]:
    rows, page = [], 1
    while True:
        body = client.get(path, params={**params, "page": page, "per_page": 7}).json()
        rows += body["data"]
        assert body["meta"]["per_page"] == 7 and body["meta"]["page"] == page
        if page >= body["meta"]["pages"]:
            assert len(rows) == body["meta"]["total"]
            return rows
        page += 1


def test_auth_errors_and_unknown_paths_answer_with_the_error_body(served: Served) -> None:
    for token in (None, "wrong"):
        r = served.api(token).get("/orders")
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthorized"
    with served.api() as api:
        r = api.get("/orders", params={"modified_since": "yesterday"})
        assert r.status_code == 400
        assert r.json()["error"] == {"code": "bad_request",
                                     "message": "'modified_since' is not an ISO 8601 timestamp",
                                     "details": {"param": "modified_since",
                                                 "value": "yesterday"}}
        assert api.get("/orders", params={"per_page": 201}).status_code == 400
        assert api.get("/orders/O-0000-000000").json()["error"]["code"] == "not_found"
        assert api.get("/carts").status_code == 400  # abandoned=true is required


def test_lists_page_in_modified_order_with_the_sites_offset_and_decimal_money(
    served: Served,
) -> None:
    with served.api() as api:
        orders = walk(api, "/orders")
        customers = walk(api, "/customers")
    assert len(orders) == len(served.sandbox.site().orders) and len(customers) == 30
    for rows in (orders, customers):
        keys = [(datetime.fromisoformat(r["modified_at"]), r["id"]) for r in rows]
        assert keys == sorted(keys)
        assert all(r["modified_at"].endswith("+01:00") for r in rows)
    for order in orders:
        assert Decimal(order["total"]).as_tuple().exponent == -2
        lines = sum(Decimal(li["unit_price"]) * li["quantity"] for li in order["lines"])
        assert Decimal(order["total"]) == (lines - Decimal(order["discount_total"])
                                           + Decimal(order["shipping_total"]))
        assert (order["holder"]["customer_id"] is None) or order["holder"]["email"]
    assert any(o["holder"]["customer_id"] is None for o in orders)  # guests
    shared = {c["email"].strip().lower() for c in customers} & set(SHARED)
    assert shared, "some customers share e-mails with the other demo stores"


def test_time_filters_are_inclusive_and_take_any_offset(served: Served) -> None:
    site = served.sandbox.site()
    stamps = sorted({o["modified_at"] for o in site.orders.values()})
    lo, hi = stamps[5], stamps[-5]
    expected = {i for i, o in site.orders.items() if lo <= o["modified_at"] <= hi}
    with served.api() as api:
        got = walk(api, "/orders", modified_since=lo.astimezone(UTC).isoformat(),
                   modified_until=hi.astimezone(site.tz).isoformat())
    assert {o["id"] for o in got} == expected


def test_carts_list_only_registered_users_carts_with_recovery_urls(served: Served) -> None:
    site = served.sandbox.site()
    with served.api() as api:
        carts = walk(api, "/carts", abandoned="true")
    registered = {i for i, c in site.carts.items() if c["customer_id"]}
    assert {c["id"] for c in carts} == registered
    assert len(registered) < len(site.carts), "anonymous carts exist and are not listed"
    assert all(c["email"] and c["recovery_url"].startswith(DEMO_SPEC.public_url)
               for c in carts)
    assert any(c["converted_order_id"] in site.orders for c in carts)


def test_sync_runs_feed_lists_ended_runs_since_a_time(served: Served) -> None:
    site = served.sandbox.site()
    since = NOW - timedelta(days=2)
    with served.api() as api:
        ended = walk(api, "/sync-runs", finished_since=since.isoformat())
        everything = walk(api, "/sync-runs")
    assert {r["id"] for r in ended} == {i for i, r in site.sync_runs.items()
                                        if r["finished_at"] and r["finished_at"] >= since}
    assert {r["status"] for r in ended} <= {"finished", "failed"}
    assert len(everything) == len(site.sync_runs)
    finished = [datetime.fromisoformat(r["finished_at"]) for r in ended]
    assert finished == sorted(finished)


def test_sandbox_routes_place_orders_change_carts_and_run_a_back_office_sync(
    served: Served,
) -> None:
    site = served.sandbox.site()
    customer = next(iter(site.customers.values()))
    order = served.admin("orders", {"customer_id": customer["id"]}).json()
    assert order["holder"]["email"] == customer["email"]
    assert order["placed_at"] == NOW.astimezone(site.tz).isoformat()
    guest = served.admin("orders", {"guest": ["Ada", "Neri", "ada@example.it"]}).json()
    assert guest["holder"] == {"customer_id": None, "email": "ada@example.it",
                               "first_name": "Ada", "last_name": "Neri"}
    cart = served.admin("carts", {"customer_id": customer["id"], "lines": 1}).json()
    changed = served.admin("carts", {"id": cart["id"], "lines": 3}).json()
    assert len(changed["lines"]) == 3 and changed["recovery_url"] == cart["recovery_url"]
    anonymous = served.admin("carts").json()
    assert anonymous["customer_id"] is None

    run = served.admin("sync-runs", {"kind": "full"}).json()
    assert run["status"] == "running" and run["finished_at"] is None
    done = served.admin(f"sync-runs/{run['id']}/finish").json()
    assert done["status"] == "finished" and done["finished_at"]
    timed = served.admin("sync-runs", {"finish_after_s": 60}).json()
    served.sandbox.clock = lambda: NOW + timedelta(seconds=61)
    with served.api() as api:  # any request ends the syncs that are due
        runs = api.get("/sync-runs", params={"finished_since": NOW.isoformat()}).json()["data"]
    ended = next(r for r in runs if r["id"] == timed["id"])
    assert ended["status"] == "finished"
    assert ended["finished_at"] == (NOW + timedelta(seconds=60)).astimezone(site.tz).isoformat()


def test_rate_limit_answers_429_with_retry_after() -> None:
    sandbox = make_sandbox(rate_limit_per_second=3)
    with serve_in_thread(create_app(sandbox)) as url, \
            Served(sandbox, url).api() as api:
        statuses = [api.get("/sync-runs") for _ in range(6)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited and statuses[0].status_code == 200
    assert limited[0].headers["Retry-After"] == "1"
    assert limited[0].json()["error"]["code"] == "rate_limited"


def test_state_is_saved_and_loaded_whole(served: Served, tmp_path: Path) -> None:
    served.admin("orders")
    served.admin("sync-runs")
    assert served.admin("save", {"path": str(tmp_path / "site.json")}).status_code == 200
    loaded = Sandbox.load(tmp_path / "site.json")
    before, after = served.sandbox.site(), loaded.site()
    assert after.orders == before.orders and after.sync_runs == before.sync_runs
    assert after.counters == before.counters

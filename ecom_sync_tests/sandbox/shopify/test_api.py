"""Auth, scopes, envelopes, versions, rendering (sources.md 2.1, 2.4, 2.6, 2.8 items 1-2)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from ecom_sandbox.shopify.app import INVALID_TOKEN

from .conftest import SHOP, Served, V

OFFSET_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+01:00$")


def test_auth_401_and_scope_403(served: Served) -> None:
    with served.client(token=None) as anon, served.client(token="wrong") as bad:
        for c in (anon, bad):
            r = c.get(f"{V}/orders.json")
            assert r.status_code == 401
            assert r.json() == {"errors": INVALID_TOKEN}
            assert "X-Shopify-Shop-Api-Call-Limit" in r.headers
    served.sandbox.revoke_scope(SHOP, "read_customers")
    with served.client() as c:
        r = c.get(f"{V}/customers.json")
        assert r.status_code == 403 and r.json() == {"errors": "User does not have access"}
        assert c.get(f"{V}/customers/count.json").status_code == 403
        assert c.get(f"{V}/orders.json").status_code == 200
    served.sandbox.add_token(SHOP, "products-only", ["read_products"])
    with served.client(token="products-only") as c:
        assert c.get(f"{V}/products.json").status_code == 200
        assert c.get(f"{V}/orders.json").status_code == 403
        assert c.get(f"{V}/checkouts.json").status_code == 403
    with served.client("no-such-shop") as c:
        assert c.get(f"{V}/orders.json").status_code == 404


def test_envelopes_single_and_counts(served: Served) -> None:
    shop = served.sandbox.shop(SHOP)
    with served.client() as c:
        for resource in ("customers", "orders", "products", "checkouts", "locations",
                         "events"):
            r = c.get(f"{V}/{resource}.json")
            assert r.status_code == 200
            assert list(r.json()) == [resource], resource
            assert r.json()[resource], resource
        assert len(c.get(f"{V}/locations.json").json()["locations"]) == 2
        order_id = next(iter(shop.orders))
        r = c.get(f"{V}/orders/{order_id}.json")
        assert list(r.json()) == ["order"] and r.json()["order"]["id"] == order_id
        assert c.get(f"{V}/orders/1.json").json() == {"errors": "Not Found"}
        assert c.get(f"{V}/customers/count.json").json() == {"count": len(shop.customers)}
        open_orders = sum(1 for o in shop.orders.values()
                          if o["closed_at"] is None and o["cancelled_at"] is None)
        assert c.get(f"{V}/orders/count.json").json() == {"count": open_orders}
        assert c.get(f"{V}/orders/count.json", params={"status": "any"}).json() == {
            "count": len(shop.orders)}
        r = c.get(f"{V}/orders.json", params={"fields": "id,name", "limit": 3})
        assert all(set(o) == {"id", "name"} for o in r.json()["orders"])


def test_ids_money_and_shop_offset(served: Served) -> None:
    with served.client() as c:
        orders = c.get(f"{V}/orders.json", params={"status": "any", "limit": 250}).json()
    for o in orders["orders"]:
        assert o["id"] > 2**32 and o["admin_graphql_api_id"] == f"gid://shopify/Order/{o['id']}"
        for key in ("created_at", "updated_at", "processed_at"):
            assert OFFSET_TS.match(o[key]), o[key]
        assert re.fullmatch(r"\d+\.\d\d", o["total_price"])
        assert o["total_price_set"]["shop_money"] == {"amount": o["total_price"],
                                                      "currency_code": "EUR"}
        assert o["total_price_set"]["presentment_money"]["currency_code"] == \
            o["presentment_currency"]
        for item in o["line_items"]:
            assert re.fullmatch(r"\d+\.\d\d", item["price"]) and "price_set" in item
    # the offset is real: parsing gives the same instant as the stored UTC value
    o = orders["orders"][0]
    stored = served.sandbox.shop(SHOP).orders[o["id"]]["created_at"]
    assert datetime.fromisoformat(o["created_at"]) == stored
    assert datetime.fromisoformat(o["created_at"]).utcoffset() == timedelta(hours=1)
    assert any(x["presentment_currency"] != "EUR" for x in orders["orders"])


def test_consent_fields_depend_on_api_version(served: Served) -> None:
    with served.client() as c:
        new = c.get("/admin/api/2025-01/customers.json", params={"limit": 250})
        old = c.get("/admin/api/2024-01/customers.json", params={"limit": 250})
        fallback = c.get("/admin/api/2019-04/customers.json", params={"limit": 5})
    assert new.headers["X-Shopify-API-Version"] == "2025-01"
    assert fallback.headers["X-Shopify-API-Version"] == "2023-10"  # oldest supported
    for cust in new.json()["customers"]:
        assert "email_marketing_consent" in cust and "accepts_marketing" not in cust
    by_state: dict[str, bool] = {}
    for cust in old.json()["customers"]:
        consent = cust["email_marketing_consent"]
        assert "accepts_marketing" in cust
        if consent is not None:
            by_state[consent["state"]] = cust["accepts_marketing"]
    assert by_state == {"subscribed": True, "not_subscribed": False, "unsubscribed": False,
                        "pending": False}
    assert all("accepts_marketing" in x for x in fallback.json()["customers"])


def test_guest_orders_and_checkouts(served: Served) -> None:
    with served.client() as c:
        orders = c.get(f"{V}/orders.json", params={"status": "any", "limit": 250}).json()
        checkouts = c.get(f"{V}/checkouts.json", params={"status": "any"}).json()
    guests = [o for o in orders["orders"] if "customer" not in o]
    assert any(o["email"] for o in guests)
    assert any(not o["email"] and o["contact_email"] is None for o in guests)
    logged_in = [o for o in orders["orders"] if "customer" in o]
    assert logged_in and all("tags" in o["customer"] for o in logged_in)
    cks = checkouts["checkouts"]
    assert all("/checkouts/ac/" in ck["abandoned_checkout_url"] for ck in cks)
    assert any(ck["completed_at"] for ck in cks) and any("customer" not in ck for ck in cks)
    with served.client() as c:
        default = c.get(f"{V}/checkouts.json", params={"limit": 250}).json()["checkouts"]
    assert all(ck["completed_at"] is None and ck["closed_at"] is None for ck in default)
    assert len(default) < len(cks)


def test_touch_stores_whole_seconds(served: Served) -> None:
    """Shopify stamps to the second: a sub-second ``now`` sent to /_sandbox/touch is stored
    without its microseconds, so the stored time is the one a client reads back."""
    customer_id = min(served.sandbox.shop(SHOP).customers)
    r = httpx.post(f"{served.base_url}/_sandbox/touch", json={
        "shop": SHOP, "kind": "customers", "id": customer_id,
        "now": "2026-05-01T11:30:00.654321Z", "changes": {"note": "moved"}})
    assert r.status_code == 200 and r.json() == {"id": customer_id}
    stored = served.sandbox.shop(SHOP).customers[customer_id]
    assert stored["updated_at"] == datetime(2026, 5, 1, 11, 30, tzinfo=UTC)
    assert stored["note"] == "moved"
    with served.client() as c:
        body = c.get(f"{V}/customers/{customer_id}.json").json()["customer"]
    assert body["updated_at"] == "2026-05-01T12:30:00+01:00"
    assert datetime.fromisoformat(body["updated_at"]) == stored["updated_at"]

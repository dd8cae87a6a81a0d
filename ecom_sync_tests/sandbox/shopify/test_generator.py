"""Deterministic demo data covering what the sync must handle (SH1-SH4, C1, C3, C6)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from ecom_sandbox.shopify.generator import demo_shops
from ecom_sandbox.shopify.records import FINANCIAL_STATUSES
from ecom_sandbox.shopify.sandbox import Sandbox
from ecom_sandbox.shopify.shop import ShopData

from .conftest import NOW, SHARED, SHOP


def _shop() -> ShopData:
    return demo_shops(7, NOW, shared_emails=SHARED)[0]


def test_deterministic_for_seed_and_now() -> None:
    a, b = _shop(), _shop()
    assert a.to_json() == b.to_json()
    assert demo_shops(8, NOW)[0].to_json() != a.to_json()
    assert (a.shop, a.domain, a.name, a.currency, a.utc_offset, a.token) == (
        "acme-nordic", "acme-nordic.myshopify.com", "Acme Nordic", "EUR", "+01:00",
        "sandbox-token-acme-nordic")
    assert a.counts() == {"customers": 100, "orders": 248, "products": 30, "checkouts": 30,
                          "locations": 2, "events": 3}


def test_orders_cover_statuses_guests_and_refunds() -> None:
    shop = _shop()
    orders = list(shop.orders.values())
    assert set(FINANCIAL_STATUSES) <= {o["financial_status"] for o in orders}
    assert {o["fulfillment_status"] for o in orders} == {None, "fulfilled", "partial"}
    assert any(o["closed_at"] and not o["cancelled_at"] for o in orders)
    assert any(o["cancelled_at"] for o in orders)
    assert any(o["closed_at"] is None and o["cancelled_at"] is None for o in orders)
    for o in orders:
        refunded = sum(float(t["amount"]) for r in o["refunds"] for t in r["transactions"])
        if o["financial_status"] in ("refunded", "partially_refunded"):
            assert refunded > 0
        if o["financial_status"] == "refunded":
            assert abs(refunded - float(o["total_price"])) < 0.01
    guests = [o for o in orders if o["customer_id"] is None]
    assert any(o["email"] for o in guests)
    assert any(not o["email"] for o in guests)
    assert any(o["discount_codes"] for o in orders)
    assert any(not i["product_exists"] for o in orders for i in o["line_items"])
    assert any(o["checkout_id"] for o in orders)


def test_customers_tags_phones_company_consent_and_emails() -> None:
    shop = _shop()
    customers = list(shop.customers.values())
    tags = Counter(t.strip() for c in customers for t in c["tags"].split(",") if t.strip())
    assert len(tags) >= 5 and any(c["tags"] == "VIP, Newsletter" for c in customers)
    with_phone = [c for c in customers if c["phone"]]
    address_only = [c for c in customers if not c["phone"] and c["addresses"]
                    and c["addresses"][0]["phone"]]
    no_phone = [c for c in customers if not c["phone"] and not any(
        a["phone"] for a in c["addresses"])]
    assert with_phone and address_only and no_phone
    assert any(c["addresses"] and c["addresses"][0]["company"] for c in customers)
    states = {c["email_marketing_consent"]["state"] for c in customers
              if c["email_marketing_consent"]}
    assert states == {"subscribed", "not_subscribed", "unsubscribed", "pending"}
    assert sum(1 for c in customers if c["email"] is None) >= 3
    shared = {e.lower() for e in SHARED}
    reused = [c["email"] for c in customers if c["email"]
              and c["email"].strip().lower() in shared]
    assert 10 <= len(reused) <= 20
    assert all(e != e.strip().lower() for e in reused)  # other case and/or spaces
    products = list(shop.products.values())
    assert any(not p["body_html"] and not p["images"] for p in products)
    assert len({p["product_type"] for p in products}) >= 5
    assert {p["status"] for p in products} == {"active", "draft", "archived"}


def test_activity_and_save_load(tmp_path: Path) -> None:
    sandbox = Sandbox.demo(7, NOW, customers=30, orders=60, checkouts=10)
    before = sandbox.shop(SHOP).counts()
    stamps = {o["id"]: o["updated_at"] for o in sandbox.shop(SHOP).orders.values()}
    counts = sandbox.add_activity(NOW, seed=1)[SHOP]
    assert counts["new_orders"] == 8 and counts["refunds"] == 2
    assert counts["cancellations"] == 1 and counts["recovered_checkouts"] == 1
    after = sandbox.shop(SHOP).counts()
    assert after["orders"] == before["orders"] + 9
    assert after["checkouts"] == before["checkouts"] + 3
    changed = [o for o in sandbox.shop(SHOP).orders.values()
               if stamps.get(o["id"]) != o["updated_at"]]
    assert len(changed) == 9 + 2 + 1 + 2  # new, recovered, refunds, cancel, closes
    assert all(o["updated_at"] >= NOW - timedelta(minutes=10) for o in changed)
    path = tmp_path / "shopify.json"
    sandbox.save(path)
    loaded = Sandbox.load(path)
    assert loaded.shop(SHOP).to_json() == sandbox.shop(SHOP).to_json()

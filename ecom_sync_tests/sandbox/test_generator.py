"""Seeded demo data: determinism and the cases the pipeline must handle (BC1, BC3, C1, C6)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from ecom_sandbox.bigcommerce.sandbox import Sandbox
from ecom_sandbox.bigcommerce.store import ORDER_STATUSES
from ecom_sandbox.generator import add_activity, demo_stores

from .conftest import NOW


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = [s.to_json() for s in demo_stores(7, NOW)]
    b = [s.to_json() for s in demo_stores(7, NOW)]
    c = [s.to_json() for s in demo_stores(8, NOW)]
    assert a == b
    assert a != c


def test_demo_sizes_and_identities() -> None:
    stores = demo_stores(7, NOW)
    assert [(s.store_hash, s.name, s.currency) for s in stores] == [
        ("acmeoutdoor", "Acme Outdoor", "USD"), ("acmeeu", "Acme Europe", "EUR"),
    ]
    assert stores[0].token != stores[1].token
    for store in stores:
        assert len(store.customers) == 120
        assert 300 <= len(store.orders) <= 330  # + orders of recovered carts
        assert len(store.products) == 40


def test_r_bc1_every_status_guests_currencies_and_refunds() -> None:
    for store in demo_stores(7, NOW):
        statuses = Counter(o["status_id"] for o in store.orders.values())
        assert set(statuses) == set(ORDER_STATUSES)
        guests = [o for o in store.orders.values() if o["customer_id"] == 0]
        assert guests and all(o["billing_address"]["email"] for o in guests)
        assert len({o["currency_code"] for o in store.orders.values()}) >= 3
        assert any(o["coupon_discount"] > 0 for o in store.orders.values())
        assert any(o["is_email_opt_in"] for o in store.orders.values())
        refunded = [o for o in store.orders.values() if o["status_id"] == 4]
        assert all(o["refunded_amount"] == o["total_inc_tax"] for o in refunded)
        assert any(o["date_modified"] > o["date_created"] for o in store.orders.values())
        for order in store.orders.values():
            assert store.history_start <= order["date_created"] <= order["date_modified"] <= NOW
            assert 1 <= len(order["_products"]) <= 5
            assert all(line["product_id"] in store.products for line in order["_products"])
            assert order["_shipping_addresses"][0]["shipping_method"]
    all_ccy = {o["currency_code"] for s in demo_stores(7, NOW) for o in s.orders.values()}
    assert {"USD", "EUR", "GBP", "JPY"} <= all_ccy
    jpy = [o for s in demo_stores(7, NOW) for o in s.orders.values() if o["currency_code"] == "JPY"]
    assert all(o["total_inc_tax"] == int(o["total_inc_tax"]) for o in jpy)


def test_r_c6_c1_no_email_customers_and_shared_emails_in_other_case() -> None:
    us, eu = demo_stores(7, NOW)
    assert sum(1 for c in us.customers.values() if c["email"] == "") >= 3
    us_emails = {c["email"] for c in us.customers.values() if c["email"]}
    eu_emails = [c["email"] for c in eu.customers.values() if c["email"]]
    shared = [e for e in eu_emails if e not in us_emails
              and e.strip().lower() in {x.lower() for x in us_emails}]
    assert len(shared) >= 10
    assert any(e != e.strip() for e in shared) and any(e != e.lower() for e in shared)


def test_subscribers_catalog_and_carts() -> None:
    for store in demo_stores(7, NOW):
        consents = [tuple(s["consents"]) for s in store.subscribers.values()]
        assert () in consents and ("marketing_newsletter",) in consents
        assert any(s["source"] == "order" and s["order_id"] for s in store.subscribers.values())
        assert any(not p["images"] for p in store.products.values())
        assert all(p["categories"] for p in store.products.values())
        assert any(c["parent_id"] for c in store.categories.values())
        carts = list(store.carts.values())
        assert any(c["_converted_order_id"] for c in carts)
        assert any(not store.cart_is_live(c, NOW) and not c["_converted_order_id"]
                   for c in carts)  # expired
        converted = [c for c in carts if c["_converted_order_id"]]
        for cart in converted:
            assert store.orders[cart["_converted_order_id"]]["cart_id"] == cart["id"]


def test_add_activity_stamps_changes_at_now() -> None:
    store = demo_stores(7, NOW, customers=30, orders=60)[0]
    before = store.counts()
    later = NOW.replace(hour=18)
    counts = add_activity(random.Random(1), later, store, new_orders=5, modified_orders=3)
    assert counts["new_orders"] == 5 and counts["modified_orders"] == 3
    assert store.counts()["orders"] >= before["orders"] + 5
    changed = [o for o in store.orders.values() if o["date_modified"] == later]
    assert len(changed) >= 3
    assert any(o["status_id"] in (4, 14, 2, 10) for o in changed)


def test_sandbox_save_load_roundtrip(tmp_path: Path) -> None:
    sandbox = Sandbox.demo(7, NOW, customers=20, orders=30, products=10, carts=5)
    path = tmp_path / "state.json"
    sandbox.save(path)
    again = Sandbox.load(path)
    assert [s.to_json() for s in again.stores.values()] == [
        s.to_json() for s in sandbox.stores.values()
    ]
    assert again.add_activity(NOW) == sandbox.add_activity(NOW)

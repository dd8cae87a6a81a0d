"""The outbox built from canonical tables: one row per destination object, in send order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ecom_sync.publish.freshness import is_fresh
from ecom_sync_tests.conftest import SyncedDemo
from ecom_sync_tests.helpers import make_outbox


@pytest.fixture(scope="module")
def outbox(synced_demo: SyncedDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_outbox(synced_demo, tmp_path_factory.mktemp("outbox") / "ac.parquet",
                       connection_tags={"acme_europe": ["eu-store"]})


def read(outbox: Path, where: str = "true") -> list[dict]:
    con = duckdb.connect()
    try:
        cur = con.execute(f"select * from read_parquet('{outbox}') where {where} order by all")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def test_outbox_has_every_kind_in_send_order(outbox: Path) -> None:
    rows = read(outbox)
    kinds = [r["kind"] for r in sorted(rows, key=lambda r: r["kind_order"])]
    assert list(dict.fromkeys(kinds)) == ["connection", "contact", "ecom_customer", "order",
                                          "cart"]
    assert len({(r["kind"], r["key"]) for r in rows}) == len(rows)
    assert all(len(r["hash"]) == 32 for r in rows)


def test_r_bc3_guest_orders_are_left_out_with_the_reason(outbox: Path) -> None:
    """BC3: BigCommerce guest checkouts are not sent."""
    guests = read(outbox, "kind = 'order' and skip_reason = 'guest_checkout_not_synced'")
    assert guests
    assert not read(outbox, "kind = 'order' and skip_reason is null and "
                    "json_extract_string(payload, '$.storeCustomerId') is null")


def test_r_bc4_bigcommerce_contacts_carry_the_tag(outbox: Path) -> None:
    """BC4: contacts from a BigCommerce store are tagged bigcommerce-customer; per-connection
    tags from the destination config are added."""
    contacts = [json.loads(r["payload"]) for r in read(outbox, "kind = 'contact'")]
    assert contacts and all("bigcommerce-customer" in c["tags"] for c in contacts)
    assert any("eu-store" in c["tags"] for c in contacts)
    assert not all("eu-store" in c["tags"] for c in contacts)


def test_r_e2_e3_orders_carry_number_link_status_store_products(outbox: Path) -> None:
    """E2/E3: order number and link, total, date, status; products with name, category,
    SKU, quantity, price; discount codes."""
    orders = [json.loads(r["payload"]) for r in read(outbox, "kind = 'order' and "
                                                    "skip_reason is null")]
    assert orders
    sample = orders[0]
    for field in ("storeOrderId", "orderNumber", "orderUrl", "finalAmount", "currency",
                  "storeCreatedDate", "normalizedStatus", "lineItems", "email"):
        assert sample.get(field) is not None, field
    item = sample["lineItems"][0]
    for field in ("name", "sku", "category", "quantity", "priceAmount"):
        assert item.get(field) is not None, field
    assert any(o["discounts"] for o in orders)
    statuses = {o["normalizedStatus"] for o in orders}
    assert {"COMPLETED", "REFUNDED", "CANCELLED", "FAILED"} <= statuses


def test_r_bc6_carts_carry_the_recovery_url(outbox: Path) -> None:
    """BC6: abandoned carts go with the recovery URL and the abandoned date."""
    carts = [json.loads(r["payload"]) for r in read(outbox, "kind = 'cart' and "
                                                   "skip_reason is null")]
    assert carts
    assert all(c["orderUrl"] and "cart.php" in c["orderUrl"] for c in carts)
    assert all(c["abandonedDate"] and isinstance(c["totalPrice"], int) for c in carts)


def test_r_m5_fresh_means_placed_within_the_window_before_the_publish() -> None:
    """M5: placed ≤ 24 h before the publish fires; older, or a run told to fire nothing,
    does not."""
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert is_fresh(now - timedelta(hours=23), now, 24, False)
    assert not is_fresh(now - timedelta(hours=25), now, 24, False)
    assert not is_fresh(now - timedelta(hours=1), now, 24, True)
    assert is_fresh(now - timedelta(hours=47), now, 48, False)
    assert not is_fresh(None, now, 24, False)


def test_outbox_rendered_in_buckets_is_the_same(
    synced_demo: SyncedDemo, outbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Orders are rendered a bucket at a time to bound memory; the outbox is the same."""
    from ecom_sync.publish import outbox as outbox_module

    monkeypatch.setattr(outbox_module, "ROWS_PER_BUCKET", 40)
    bucketed = make_outbox(synced_demo, tmp_path / "bucketed.parquet",
                           connection_tags={"acme_europe": ["eu-store"]})
    assert read(bucketed) == read(outbox)

"""The outbox built from canonical tables: one row per destination object, built
incrementally (only new and changed objects are rendered) into generations on disk."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ecom_sync.publish import outbox as outbox_module
from ecom_sync.publish.freshness import is_fresh
from ecom_sync.publish.outbox import OutboxStore
from ecom_sync_tests.conftest import SyncedDemo
from ecom_sync_tests.helpers import make_outbox, outbox_rows
from ecom_sync_tests.publish.conftest import TAGS, build


@pytest.fixture(scope="module")
def outbox(synced_demo: SyncedDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_outbox(synced_demo, tmp_path_factory.mktemp("outbox") / "ac",
                       connection_tags=TAGS)


def read(outbox: Path, where: str = "true") -> list[dict]:
    return outbox_rows(outbox, where)


def test_outbox_has_every_kind_once_per_key(outbox: Path) -> None:
    rows = read(outbox)
    assert {r["kind"] for r in rows} == {"connection", "contact", "subscription",
                                         "ecom_customer", "order", "cart"}
    assert len({(r["kind"], r["key"]) for r in rows}) == len(rows)
    sendable = [r for r in rows if r["skip_reason"] is None]
    assert sendable and all(len(r["hash"]) == 32 and r["payload"] for r in sendable)
    # skipped objects are counted with their reason, never rendered
    assert all(r["payload"] is None for r in rows if r["skip_reason"] is not None)

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


def test_outbox_rendered_in_chunks_is_the_same(
    synced_demo: SyncedDemo, outbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Payloads are rendered a chunk of keys at a time to bound memory; same outbox."""
    monkeypatch.setattr(outbox_module, "ROWS_PER_CHUNK", 40)
    chunked = make_outbox(synced_demo, tmp_path / "chunked", connection_tags=TAGS)
    assert strip(read(chunked)) == strip(read(outbox))


def strip(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "fingerprint"} for r in rows]


def test_incremental_build_renders_only_the_changes_and_equals_a_full_build(
    synced_demo: SyncedDemo, outbox: Path, changed_warehouse: Path, tmp_path: Path
) -> None:
    """After a day's edits, bringing yesterday's outbox up to date gives exactly the outbox
    a build from scratch gives, and renders only the objects whose source rows changed."""
    incremental = tmp_path / "incremental"
    shutil.copytree(outbox, incremental)
    before = {(r["kind"], r["key"]): r for r in read(incremental)}
    built = build(changed_warehouse, incremental)
    from_scratch = tmp_path / "scratch"
    build(changed_warehouse, from_scratch)
    after = read(incremental)
    assert strip(after) == strip(read(from_scratch))

    changed = {(r["kind"], r["key"]) for r in after
               if (r["kind"], r["key"]) not in before
               or before[(r["kind"], r["key"])]["payload"] != r["payload"]
               or before[(r["kind"], r["key"])]["skip_reason"] != r["skip_reason"]}
    assert changed, "the edits changed nothing?"
    kinds = {k for k, _ in changed}
    assert {"order", "contact", "connection"} <= kinds
    assert built.removed == 2
    assert not built.full and built.generations == 2
    # rendered: the changed objects (and ones whose inputs changed to the same payload),
    # far fewer than the whole outbox
    rendered = sum(built.rendered.values())
    sendable_changed = sum(1 for r in after if (r["kind"], r["key"]) in changed
                           and r["skip_reason"] is None)
    assert sendable_changed <= rendered < len([r for r in after if r["skip_reason"] is None]) / 3
    # the consent flip reaches the customer's orders (their fingerprint includes it)
    assert built.rendered.get("order", 0) > 0


def test_r_m6_rebuilding_an_unchanged_warehouse_writes_nothing(
    synced_demo: SyncedDemo, outbox: Path, tmp_path: Path
) -> None:
    """M6: a build with nothing changed renders nothing and adds no generation."""
    copy = tmp_path / "copy"
    shutil.copytree(outbox, copy)
    manifest = (copy / "manifest.json").read_text()
    built = build(synced_demo.duckdb, copy)
    assert built.rendered == {} and built.removed == 0 and built.generations == 1
    assert (copy / "manifest.json").read_text() == manifest


def test_new_code_re_renders_the_kind(
    synced_demo: SyncedDemo, outbox: Path, tmp_path: Path
) -> None:
    """A changed parameter (here the connection tags) is part of every fingerprint of
    the kinds that use it: those are rendered again, and only where the payload moved does
    the hash change."""
    copy = tmp_path / "copy"
    shutil.copytree(outbox, copy)
    before = {(r["kind"], r["key"]): r["hash"] for r in read(copy)}
    built = build(synced_demo.duckdb, copy, logo_url="https://example.org/new-logo.png")
    assert built.rendered == {"connection": sum(k == "connection" for k, _ in before)}
    after = {(r["kind"], r["key"]): r["hash"] for r in read(copy)}
    moved = {k for k in after if after[k] != before[k]}
    assert {k for k, _ in moved} == {"connection"}


def test_deltas_are_compacted_and_a_snapshot_outlives_the_compaction(
    synced_demo: SyncedDemo, outbox: Path, changed_warehouse: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the deltas pile up they are folded into one base that covers them; a publish
    reading a snapshot keeps its files meanwhile."""
    copy = tmp_path / "copy"
    shutil.copytree(outbox, copy)
    store = OutboxStore(copy)
    with store.snapshot() as snap:
        monkeypatch.setattr(outbox_module, "COMPACT_RATIO", 0.0)
        built = build(changed_warehouse, copy)
        assert built.compacted and built.generations == 1
        assert not (copy / "gen-000001").exists()
        con = duckdb.connect()
        assert con.execute(f"select count(*) from ({snap.state_sql()})").fetchone()[0] > 0
        con.close()
    (base,) = store.files().generations
    assert base.gen == 3 and base.covers == 2
    scratch = tmp_path / "scratch"
    build(changed_warehouse, scratch)
    assert strip(read(copy)) == strip(read(scratch))
    assert not list((copy / "snapshots").iterdir())


def test_an_outbox_of_another_format_is_rebuilt(
    synced_demo: SyncedDemo, outbox: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(outbox, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "format": 1}))
    built = build(synced_demo.duckdb, copy)
    assert built.full and built.generations == 1
    assert OutboxStore(copy).files().outbox_id != manifest["outbox_id"]
    assert strip(read(copy)) == strip(read(outbox))


def test_counts_follow_the_changes(
    outbox: Path, changed_warehouse: Path, tmp_path: Path
) -> None:
    """The manifest's live counts (what the publish plan reports as unchanged and
    skipped) equal a count of the rows."""
    copy = tmp_path / "copy"
    shutil.copytree(outbox, copy)
    build(changed_warehouse, copy)
    rows = read(copy)
    for kind, counts in OutboxStore(copy).files().counts.items():
        mine = [r for r in rows if r["kind"] == kind]
        assert counts["objects"] == len(mine)
        assert counts["to_send"] == sum(r["skip_reason"] is None for r in mine)
        skipped: dict[str, int] = {}
        for r in mine:
            if r["skip_reason"]:
                skipped[r["skip_reason"]] = skipped.get(r["skip_reason"], 0) + 1
        assert counts["skipped"] == skipped




def test_an_outbox_missing_a_generation_is_rebuilt(
    synced_demo: SyncedDemo, outbox: Path, tmp_path: Path
) -> None:
    """A generation folder deleted by hand: the outbox starts over under a new id rather
    than publishing from a partial picture."""
    copy = tmp_path / "copy"
    shutil.copytree(outbox, copy)
    old_id = OutboxStore(copy).files().outbox_id
    shutil.rmtree(copy / "gen-000001")
    built = build(synced_demo.duckdb, copy)
    assert built.full and OutboxStore(copy).files().outbox_id != old_id
    assert strip(read(copy)) == strip(read(outbox))


def test_order_fingerprint_covers_every_line_column_the_payload_reads() -> None:
    """order.keys.sql names the order_lines columns it hashes (a long description would
    cost time for nothing): every ``l.<column>`` order.sql reads must be among them."""
    import re

    from ecom_sync.destinations.activecampaign import DESTINATION

    def line_columns(name: str) -> set[str]:
        return set(re.findall(r"\bl\.(\w+)", (DESTINATION.sql_dir / name).read_text()))

    read = line_columns("order.sql")
    assert {"line_id", "quantity", "total_minor", "name"} <= read
    assert read <= line_columns("order.keys.sql")


def test_a_snapshot_taken_during_a_compaction_is_taken_again(
    synced_demo: SyncedDemo, outbox: Path, changed_warehouse: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The manifest was read just before a compaction removed the generation it lists:
    the snapshot sees a part missing and starts again from the new manifest."""
    copy = tmp_path / "copy"
    shutil.copytree(outbox, copy)
    store = OutboxStore(copy)
    stale = store.read_manifest()
    monkeypatch.setattr(outbox_module, "COMPACT_RATIO", 0.0)
    build(changed_warehouse, copy)  # generation 1 is gone now
    real_files = OutboxStore.files
    calls: list[int] = []

    def files_stale_once(self: OutboxStore, manifest: dict | None = None):
        calls.append(1)
        return real_files(self, stale if len(calls) == 1 else manifest)

    monkeypatch.setattr(OutboxStore, "files", files_stale_once)
    with store.snapshot() as snap:
        assert len(calls) == 2
        assert [g.gen for g in snap.generations] == [3]
        con = duckdb.connect()
        assert con.execute(f"select count(*) from ({snap.state_sql()})").fetchone()[0] == len(
            read(copy))
        con.close()

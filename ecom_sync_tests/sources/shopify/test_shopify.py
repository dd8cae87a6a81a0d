"""Shopify over real loopback HTTP against the stand-in: extraction, then canonical tables
built together with a BigCommerce store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.shopify.app import create_app as create_shopify_app
from ecom_sandbox.shopify.sandbox import Sandbox as ShopifySandbox
from ecom_sync.config_loader import parse_config
from ecom_sync.defs import build_definitions
from ecom_sync.sources.landing import LandingWriter, Window
from ecom_sync.sources.paginators import LinkHeader, ListRequest, fetch_all
from ecom_sync.sources.shopify import PLATFORM
from ecom_sync.sources.shopify.client import ShopifyBucket
from ecom_sync_tests.helpers import (
    HISTORY_DAYS,
    build_canonical,
    config_dict,
    small_sandbox,
    sync,
    today,
)
from ecom_sync_tests.sources.conftest import landed_rows
from ecom_sync_tests.sources.shopify.harness import (
    SHOP,
    SHOP_TOKEN,
    shop_history_start,
    shopify_connection,
)


@pytest.fixture
def shop(ecom_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ShopifySandbox, str]]:
    monkeypatch.setenv("TEST_SHOP_TOKEN", SHOP_TOKEN)
    sandbox = ShopifySandbox.demo(11, history_days=HISTORY_DAYS, customers=60, orders=120,
                                  products=15, checkouts=15, rate_bucket=1000,
                                  leak_per_second=1000.0)
    with serve_in_thread(create_shopify_app(sandbox)) as url:
        yield sandbox, url


def extract(url: str, stream: str, window: Window, root: Path, **overrides: object) -> list[dict]:
    config = parse_config({"connections": [shopify_connection(url, **overrides)]})
    conn = config.connections[0]
    with LandingWriter(root, conn.name, stream, window) as writer:
        PLATFORM.extract(conn, PLATFORM.stream(stream), window, writer)
        folder = writer.commit()
    return landed_rows(folder)


def whole_history() -> Window:
    return Window(datetime.combine(shop_history_start(), datetime.min.time(), UTC),
                  datetime.now(UTC) + timedelta(days=1))


def test_r_sh1_orders_of_every_status_and_guests_are_extracted(shop, tmp_path) -> None:
    """SH1: orders of logged-in customers and of guests; status=any brings closed and
    cancelled orders too."""
    sandbox, url = shop
    landed = extract(url, "orders", whole_history(), tmp_path)
    ids = [o["id"] for o in landed]
    assert len(ids) == len(set(ids)) == len(sandbox.shop(SHOP).orders)
    assert any(o.get("customer") is None and o.get("email") for o in landed)
    assert any(o.get("cancelled_at") for o in landed) and any(o.get("closed_at") for o in landed)


def test_expired_page_info_resumes_the_walk(shop, tmp_path) -> None:
    """An expired page_info (400) restarts from the newest updated_at seen: complete."""
    sandbox, url = shop

    def expire_after_first_page(shop_name: str, path: str, params: dict, count: int) -> None:
        if "page_info" in params and not expired:
            sandbox.expire_page_info()
            expired.append(True)

    expired: list[bool] = []
    remove = sandbox.on_request(expire_after_first_page)
    try:
        landed = extract(url, "orders", whole_history(), tmp_path, page_size=10)
    finally:
        remove()
    assert expired
    assert {o["id"] for o in landed} == set(sandbox.shop(SHOP).orders)


def test_the_client_paces_itself_by_the_call_limit_header(shop, tmp_path) -> None:
    """M4: with a small bucket the client pauses before it overflows: no 429 needed."""
    sandbox, url = shop
    sandbox.set_rate_limit(SHOP, bucket=12, leak_per_second=6.0)
    config = parse_config({"connections": [shopify_connection(url, page_size=5)]})
    conn = config.connections[0]
    with PLATFORM.api(conn) as api:
        request = ListRequest(api, "/customers.json", {"order": "updated_at asc"}, 5,
                              "customers")
        assert len(fetch_all(request, LinkHeader())) == len(sandbox.shop(SHOP).customers)
        assert isinstance(api.policy, ShopifyBucket) and api.policy.pauses > 0
        assert api.retries == 0


@pytest.fixture(scope="module")
def two_platforms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A BigCommerce store and a Shopify shop sharing some customers' e-mails, synced once
    for the module into one warehouse."""
    from ecom_sandbox.bigcommerce.app import create_app as create_bc_app
    from ecom_sync_tests.conftest import STATE_VARS
    from ecom_sync_tests.helpers import TOKENS

    home = tmp_path_factory.mktemp("two_platforms") / "state"
    bc = small_sandbox(seed=3)
    shared = [c["email"] for c in bc.store("acmeoutdoor").customers.values() if c["email"]]
    shopify = ShopifySandbox.demo(5, history_days=HISTORY_DAYS, customers=60, orders=120,
                                  products=15, checkouts=15, shared_emails=shared[:40],
                                  rate_bucket=1000, leak_per_second=1000.0)
    with pytest.MonkeyPatch.context() as mp, ExitStack() as stack:
        for var in STATE_VARS:
            mp.delenv(var, raising=False)
        mp.setenv("ECOM_SYNC_HOME", str(home))
        for name, value in {**TOKENS, "TEST_SHOP_TOKEN": SHOP_TOKEN}.items():
            mp.setenv(name, value)
        bc_url = stack.enter_context(serve_in_thread(create_bc_app(bc)))
        shop_url = stack.enter_context(serve_in_thread(create_shopify_app(shopify)))
        raw = config_dict(bc_url)
        raw["connections"] = [raw["connections"][0],
                              shopify_connection(shop_url, page_size=250)]
        config = parse_config(raw)
        defs = build_definitions(config)
        for conn in config.connections:
            assert sync(defs, conn.name, conn.history_start, today()).success
        assert build_canonical(defs).success
        con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
        con.execute("set TimeZone = 'UTC'")
        state = {"db": con, "shopify": shopify.shop(SHOP), "bc": bc, "defs": defs,
                 "config": config, "home": home}
        yield state
        state["db"].close()


def rows(db: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple]:
    return db.execute(sql, list(params)).fetchall()


def key(email: str) -> str:
    return email.strip().lower()


def default_address(customer: dict) -> dict:
    return next((a for a in customer.get("addresses") or [] if a.get("default")), {})


def test_r_c1_one_contact_across_bigcommerce_and_shopify(two_platforms: dict) -> None:
    """C1: the same e-mail (another case) in a BigCommerce store and a Shopify shop is one
    contact with two e-commerce customers."""
    db, shop_data = two_platforms["db"], two_platforms["shopify"]
    bc_keys = {key(c["email"]) for c in
               two_platforms["bc"].store("acmeoutdoor").customers.values() if c["email"]}
    shared = {key(c["email"]) for c in shop_data.customers.values()
              if c.get("email") and key(c["email"]) in bc_keys}
    assert shared
    for email_key in shared:
        assert rows(db, "select platforms from canonical.contacts where email_key = ?",
                    email_key) == [(["bigcommerce", "shopify"],)]
        assert rows(db, "select count(*) from canonical.customers where email_key = ?",
                    email_key) == [(2,)]


def test_r_sh1_guests_become_contacts_and_no_email_orders_are_skipped(two_platforms) -> None:
    """SH1: guest orders (an e-mail, no customer) become contacts; C6: orders without any
    e-mail are skipped and counted."""
    db, data = two_platforms["db"], two_platforms["shopify"]
    guests = [o for o in data.orders.values() if not o.get("customer") and o.get("email")]
    assert guests
    contacts = {r[0] for r in rows(db, "select email_key from canonical.contacts")}
    assert {key(o["email"]) for o in guests} <= contacts
    no_email = [o for o in data.orders.values()
                if not (o.get("email") or o.get("contact_email")
                        or (o.get("customer") or {}).get("email"))]
    assert rows(db, "select count(*) from canonical.skipped_records where connection = "
                "'acme_nordic' and entity = 'order' and reason = 'no_email'") == [(len(no_email),)]


def test_r_sh2_customer_tags_become_contact_tags(two_platforms) -> None:
    """SH2: the shop's customer tags (comma-separated) become contact tags."""
    db, data = two_platforms["db"], two_platforms["shopify"]
    tagged = [c for c in data.customers.values() if c.get("email") and c.get("tags")]
    assert tagged
    for c in tagged[:10]:
        expected = {t.strip() for t in c["tags"].split(",") if t.strip()}
        got = set(rows(db, "select tags from canonical.contacts where email_key = ?",
                       key(c["email"]))[0][0])
        assert expected <= got


def test_r_sh3_sh4_company_phone_and_field_map(two_platforms) -> None:
    """SH3: company → account, product title → name, product type → category, description
    and image from the catalog; SH4: phone from the customer, else the default address."""
    db, data = two_platforms["db"], two_platforms["shopify"]
    own = [c for c in data.customers.values() if c.get("email") and c.get("phone")]
    fallback = [c for c in data.customers.values() if c.get("email") and not c.get("phone")
                and default_address(c).get("phone")]
    assert own and fallback
    for c in own[:5] + fallback[:5]:
        expected = c.get("phone") or default_address(c)["phone"]
        assert rows(db, "select phone from canonical.customers where connection = "
                    "'acme_nordic' and customer_id = ?", str(c["id"])) == [(expected,)]
    with_company = [c for c in data.customers.values() if c.get("email")
                    and default_address(c).get("company")]
    assert with_company
    c = with_company[0]
    assert rows(db, "select company from canonical.customers where connection = "
                "'acme_nordic' and customer_id = ?", str(c["id"])) == [
        (default_address(c)["company"],)]
    order = next(o for o in data.orders.values() if o.get("line_items"))
    line = order["line_items"][0]
    product = data.products[line["product_id"]]
    got = rows(db, "select name, category, description, image_url from canonical.order_lines "
               "where connection = 'acme_nordic' and order_id = ? and line_id = ?",
               str(order["id"]), str(line["id"]))
    assert got == [(line["title"], product["product_type"], product["body_html"],
                    (product.get("image") or {}).get("src") or product["images"][0]["src"])]


def test_r_c3_shopify_consent_is_accepts_marketing(two_platforms) -> None:
    """C3: e-mail marketing consent 'subscribed' is acceptsMarketing; anything else not."""
    db, data = two_platforms["db"], two_platforms["shopify"]
    got = dict(rows(db, "select customer_id, accepts_marketing from canonical.customers "
                    "where connection = 'acme_nordic'"))
    expected = {str(c["id"]): (c.get("email_marketing_consent") or {}).get("state") == "subscribed"
                for c in data.customers.values() if c.get("email")}
    assert got == expected and set(got.values()) == {True, False}


def test_refunds_and_cancellations_keep_status_and_bring_no_revenue(two_platforms) -> None:
    db = two_platforms["db"]
    groups = dict(rows(db, "select status_group, sum(revenue_minor) from canonical.orders "
                       "where connection = 'acme_nordic' group by 1"))
    assert {"paid", "refunded", "cancelled", "pending"} <= set(groups)
    assert groups["refunded"] == groups["cancelled"] == groups["pending"] == 0


def test_r_m6_resyncing_the_shop_changes_nothing(two_platforms) -> None:
    """M6: a re-run of the shop's range leaves staging and canonical unchanged."""
    db, defs = two_platforms["db"], two_platforms["defs"]
    before = rows(db, "select * from canonical.orders where connection = 'acme_nordic' "
                  "order by all")
    db.close()
    conn = two_platforms["config"].connection("acme_nordic")
    assert sync(defs, conn.name, conn.history_start, today()).success
    assert build_canonical(defs).success
    con = duckdb.connect(str(two_platforms["home"] / "warehouse.duckdb"), read_only=True)
    two_platforms["db"] = con
    assert con.execute("select * from canonical.orders where connection = 'acme_nordic' "
                       "order by all").fetchall() == before
    assert con.execute("select count(*) - count(distinct id) from staging.shopify_orders"
                       ).fetchone() == (0,)


def test_historical_orders_without_read_all_orders_fail_with_the_fix(shop, tmp_path) -> None:
    """Pitfall 2.9: without read_all_orders only 60 days of orders are visible; a
    historical range is refused with a clear message instead of landing a partial history.
    A recent window still works."""
    from ecom_sync.sources.http import SourceError

    sandbox, url = shop
    sandbox.revoke_scope(SHOP, "read_all_orders", SHOP_TOKEN)
    with pytest.raises(SourceError, match="read_all_orders") as info:
        extract(url, "orders", whole_history(), tmp_path)
    assert "TEST_SHOP_TOKEN" in str(info.value) and SHOP_TOKEN not in str(info.value)
    recent = Window(datetime.now(UTC) - timedelta(days=3), datetime.now(UTC) + timedelta(days=1))
    assert isinstance(extract(url, "orders", recent, tmp_path / "recent"), list)


def test_deleted_orders_and_customers_leave_canonical(shop, ecom_home: Path) -> None:
    """Pitfall 2.9: list endpoints never show deleted records; the destroy events do, and
    a deleted order or customer leaves the canonical tables on the next sync."""
    sandbox, url = shop
    config = parse_config({"connections": [shopify_connection(url, page_size=250)]})
    defs = build_definitions(config)
    conn = config.connections[0]
    assert sync(defs, conn.name, conn.history_start, today()).success
    data = sandbox.shop(SHOP)
    order_id = next(o["id"] for o in data.orders.values() if o.get("email"))
    customer_id = next(c["id"] for c in data.customers.values() if c.get("email"))
    sandbox.delete(SHOP, "orders", order_id)
    sandbox.delete(SHOP, "customers", customer_id)
    assert sync(defs, conn.name, today(), today()).success
    assert build_canonical(defs).success
    con = duckdb.connect(str(ecom_home / "warehouse.duckdb"), read_only=True)
    try:
        orders = {r[0] for r in con.execute("select order_id from canonical.orders").fetchall()}
        customers = {r[0] for r in con.execute(
            "select customer_id from canonical.customers").fetchall()}
        lines = con.execute("select count(*) from canonical.order_lines where order_id = ?",
                            [str(order_id)]).fetchone()[0]
    finally:
        con.close()
    assert str(order_id) not in orders and lines == 0
    assert str(customer_id) not in customers
    assert len(orders) == len(data.orders)

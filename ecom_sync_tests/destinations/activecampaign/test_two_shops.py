"""Two Shopify shops at once: synced and published side by side, kept apart (S1)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.shopify.app import create_app
from ecom_sandbox.shopify.generator import DEMO_SPEC, generate_shops
from ecom_sandbox.shopify.sandbox import Sandbox
from ecom_sync.config_loader import parse_config
from ecom_sync.defs import build_definitions
from ecom_sync_tests.destinations.activecampaign.conftest import AcTarget
from ecom_sync_tests.helpers import build_canonical, make_outbox, sync, today


def test_r_s1_two_shopify_shops_stay_apart(
    ecom_home: Path, ac_factory: Callable[..., AcTarget], monkeypatch: pytest.MonkeyPatch
) -> None:
    """S1: two shops sync at once; every order keeps its store, each shop is its own AC
    connection, and a shopper of both is one contact with two e-commerce customers."""
    nordic = DEMO_SPEC.__class__(**{**DEMO_SPEC.__dict__, "customers": 40, "orders": 60,
                                    "products": 10, "checkouts": 5, "rate_bucket": 1000,
                                    "leak_per_second": 1000.0})
    first = generate_shops([nordic], seed=1, now=datetime.now(UTC))[0]
    shared = [c["email"] for c in first.customers.values() if c.get("email")]
    us = nordic.__class__(**{**nordic.__dict__, "shop": "acme-us", "name": "Acme US",
                             "shop_id": 99, "token": "sandbox-token-acme-us", "currency": "USD",
                             "utc_offset": "-05:00", "shared_emails": tuple(shared[:20]),
                             "shared_email_share": 0.4})
    second = generate_shops([us], seed=2, now=datetime.now(UTC))[0]
    sandbox = Sandbox([first, second])
    start = (today() - timedelta(days=400)).isoformat()
    with ExitStack() as stack:
        url = stack.enter_context(serve_in_thread(create_app(sandbox)))
        connections = []
        for shop, name, currency in (("acme-nordic", "Acme Nordic", "EUR"),
                                     ("acme-us", "Acme US", "USD")):
            env = f"TOKEN_{shop.replace('-', '_').upper()}"
            monkeypatch.setenv(env, f"sandbox-token-{shop}")
            connections.append({
                "name": shop.replace("-", "_"), "platform": "shopify", "store_name": name,
                "shop": shop, "currency": currency, "token_env": env,
                "api_base_url": f"{url}/shops/{shop}", "history_start": start})
        config = parse_config({"connections": connections})
        defs = build_definitions(config)
        for conn in config.connections:
            assert sync(defs, conn.name, conn.history_start, today()).success
        assert build_canonical(defs).success

    db = duckdb.connect(str(ecom_home / "warehouse.duckdb"), read_only=True)
    per_store = dict(db.execute("select store_name, count(*) from canonical.orders "
                                "group by 1").fetchall())
    both = [k for (k,) in db.execute("select email_key from canonical.contacts "
                                     "where len(connections) = 2").fetchall()]
    db.close()
    assert per_store == {"Acme Nordic": len(first.orders), "Acme US": len(second.orders)}
    assert both

    ac = ac_factory()
    outbox = make_outbox(SimpleNamespace(duckdb=ecom_home / "warehouse.duckdb"),
                         ecom_home / "outbox")
    assert ac.publish(outbox=outbox).failed == 0
    conns = {c["externalid"]: c["id"] for c in ac.account.records("connections")}
    assert set(conns) == {"acme_nordic", "acme_us"}
    for email in both[:5]:
        assert ac.account.ecom_customer(conns["acme_nordic"], email) is not None
        assert ac.account.ecom_customer(conns["acme_us"], email) is not None
    orders_by_conn = {cid: 0 for cid in conns.values()}
    for o in ac.account.records("gql_orders"):
        orders_by_conn[str(o["legacyConnectionId"])] += 1
    assert all(n > 0 for n in orders_by_conn.values())

"""The demo's Shopify shop (``acme-nordic``, a Plus shop)."""

from __future__ import annotations

from typing import Any

from ecom_sandbox.demo import DemoWorld, StoreStandIn
from ecom_sandbox.shopify.app import create_app
from ecom_sandbox.shopify.sandbox import Sandbox

SHOP_LEAD_DAYS = 400  # the shop opens this long before its first order (customers first)
SHARED_CUSTOMERS = 60  # e-mails of other stores' customers, in another case (C1)


def demo_stand_in(entries: list[dict[str, Any]], world: DemoWorld) -> StoreStandIn:
    days = world.days_since(min(e["history_start"] for e in entries)) - SHOP_LEAD_DAYS
    sandbox = Sandbox.demo(world.seed, history_days=max(30, days),
                           shared_emails=world.shared_emails[:SHARED_CUSTOMERS],
                           rate_bucket=400, leak_per_second=20.0)
    for entry in entries:  # the token the environment set works too, with the same scopes
        shop = sandbox.shops[entry["shop"]]
        if entry.get("token") and entry["token"] not in shop.tokens:
            sandbox.add_token(entry["shop"], entry["token"], shop.tokens[shop.token])
    return StoreStandIn(sandbox, create_app)

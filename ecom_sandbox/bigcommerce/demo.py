"""The demo's BigCommerce stores (``acmeoutdoor``, ``acmeeu``)."""

from __future__ import annotations

from typing import Any

from ecom_sandbox.bigcommerce.app import create_app
from ecom_sandbox.bigcommerce.sandbox import Sandbox, Settings
from ecom_sandbox.demo import DemoWorld, StoreStandIn


class BigCommerceDemo(StoreStandIn):
    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__(sandbox, create_app)

    def after_activity(self) -> None:
        self.sandbox.emit_due_webhooks()


def demo_stand_in(entries: list[dict[str, Any]], world: DemoWorld) -> BigCommerceDemo:
    """The stores open on the earliest ``history_start`` of their connections, so a
    historical sync covers each store's whole life."""
    first_day = min(e["history_start"] for e in entries)
    sandbox = Sandbox.demo(
        world.seed,
        history_days=world.days_since(first_day),
        rate_limit_quota=3000,  # an Enterprise-plan quota keeps the demo quick
        settings=Settings(cart_idle_seconds=2, webhook_interval_seconds=1,
                          webhook_backfill=True),
    )
    for entry in entries:  # the token the environment set is the store's (as a merchant's)
        if entry.get("token"):
            sandbox.stores[entry["store_hash"]].token = entry["token"]
    world.shared_emails += [c["email"] for s in sandbox.stores.values()
                            for c in s.customers.values() if c["email"]]
    return BigCommerceDemo(sandbox)

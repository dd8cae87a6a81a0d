"""The demo's BigCommerce stores (``acmeoutdoor``, ``acmeeu``)."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp

from ecom_sandbox.bigcommerce.app import create_app
from ecom_sandbox.bigcommerce.sandbox import Sandbox, Settings
from ecom_sandbox.demo import DemoWorld, StandInBase


class BigCommerceDemo(StandInBase):
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def app(self) -> ASGIApp:
        return create_app(self.sandbox)

    def add_activity(self) -> dict[str, dict[str, int]]:
        return self.sandbox.add_activity()

    def after_activity(self) -> None:
        self.sandbox.emit_due_webhooks()

    def request_counts(self) -> dict[str, int]:
        return {s["name"]: s["counts"]["requests"] for s in self.sandbox.summary().values()}


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

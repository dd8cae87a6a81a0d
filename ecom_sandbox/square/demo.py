"""The demo's Square merchant: one per access token among the ``platform: square``
connections, with the locations they name (Acme Roasters: Downtown and Harbor)."""

from __future__ import annotations

from typing import Any

from ecom_sandbox.demo import DemoWorld, StoreStandIn
from ecom_sandbox.square.app import create_app
from ecom_sandbox.square.generator import merchant_specs
from ecom_sandbox.square.sandbox import Sandbox

SHARED_CUSTOMERS = 40  # e-mails of other demo stores' customers, in another case (C1)


def demo_stand_in(entries: list[dict[str, Any]], world: DemoWorld) -> StoreStandIn:
    """The merchant opens on the earliest ``history_start`` of its connections, so a
    historical sync covers its whole life (more than a year: Square's default window)."""
    history_days = world.days_since(min(e["history_start"] for e in entries))
    specs = merchant_specs(entries, history_days, world.shared_emails[:SHARED_CUSTOMERS])
    sandbox = Sandbox.demo(world.seed, specs=specs)
    world.shared_emails += [c["email_address"] for m in sandbox.merchants.values()
                            for c in m.customers.values() if c.get("email_address")]
    return StoreStandIn(sandbox, create_app)

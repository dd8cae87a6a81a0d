"""The demo's shop site (``bottega-rossi``): its activity places orders and runs a
back-office sync, so the demo shows both sensors at work."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from ecom_sandbox.demo import DemoWorld, StoreStandIn
from ecom_sandbox.shopsite.app import create_app
from ecom_sandbox.shopsite.sandbox import Sandbox

SHARED_CUSTOMERS = 30  # e-mails of other demo stores' customers (C1)


def demo_stand_in(entries: list[dict[str, Any]], world: DemoWorld) -> StoreStandIn:
    days = world.days_since(min(e["history_start"] for e in entries))
    sandbox = Sandbox.demo(world.seed, history_days=days,
                           shared_emails=world.shared_emails[:SHARED_CUSTOMERS])
    for entry in entries:  # the token the environment set is the site's (as a merchant's)
        handle = urlparse(entry["api_base_url"]).path.split("/")[2]  # /sites/{site}/...
        if entry.get("token") and handle in sandbox.sites:
            sandbox.sites[handle].token = entry["token"]
    return StoreStandIn(sandbox, create_app)

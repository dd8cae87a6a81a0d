"""The demo's shop site (``bottega-rossi``): its activity places orders and runs a
back-office sync, so the demo shows both sensors at work."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from starlette.types import ASGIApp

from ecom_sandbox.demo import DemoWorld, StandInBase
from ecom_sandbox.shopsite.app import create_app
from ecom_sandbox.shopsite.sandbox import Sandbox

SHARED_CUSTOMERS = 30  # e-mails of other demo stores' customers (C1)


class ShopsiteDemo(StandInBase):
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def app(self) -> ASGIApp:
        return create_app(self.sandbox)

    def add_activity(self) -> dict[str, dict[str, int]]:
        return self.sandbox.add_activity()

    def request_counts(self) -> dict[str, int]:
        return {s["name"]: s["counts"]["requests"] for s in self.sandbox.summary().values()}


def demo_stand_in(entries: list[dict[str, Any]], world: DemoWorld) -> ShopsiteDemo:
    days = world.days_since(min(e["history_start"] for e in entries))
    sandbox = Sandbox.demo(world.seed, history_days=days,
                           shared_emails=world.shared_emails[:SHARED_CUSTOMERS])
    for entry in entries:  # the token the environment set is the site's (as a merchant's)
        handle = urlparse(entry["api_base_url"]).path.split("/")[2]  # /sites/{site}/...
        if entry.get("token") and handle in sandbox.sites:
            sandbox.sites[handle].token = entry["token"]
    return ShopsiteDemo(sandbox)

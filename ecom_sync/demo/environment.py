"""Start the stand-in BigCommerce stores and the webhook receiver the demo config names."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlparse

from ecom_sync import paths
from ecom_sync.config import EcomSyncConfig
from ecom_sync.sandbox.activecampaign.app import create_app as create_ac_app
from ecom_sync.sandbox.activecampaign.state import AcAccount
from ecom_sync.sandbox.bigcommerce.app import create_app
from ecom_sync.sandbox.bigcommerce.sandbox import Sandbox, Settings
from ecom_sync.sandbox.server import serve_in_thread
from ecom_sync.sandbox.shopify.app import create_app as create_shop_app
from ecom_sync.sandbox.shopify.sandbox import Sandbox as ShopifySandbox
from ecom_sync.sources.registry import get_platform
from ecom_sync.sources.webhook_receiver import create_receiver, webhook_secrets
from ecom_sync.sources.webhook_store import WebhookStore

# The stand-in's demo tokens and a local webhook secret: not secrets, the sandbox's own.
DEMO_ENV = {
    "ACME_OUTDOOR_BC_TOKEN": "sandbox-token-acmeoutdoor",
    "ACME_EUROPE_BC_TOKEN": "sandbox-token-acmeeu",
    "ECOM_SYNC_WEBHOOK_SECRET": "demo-webhook-secret",
    "ACTIVECAMPAIGN_API_TOKEN": "sandbox-ac-token",
    "ACME_NORDIC_SHOPIFY_TOKEN": "sandbox-token-acme-nordic",
}
SHOP_LEAD_DAYS = 400


def apply_demo_env() -> None:
    for name, value in DEMO_ENV.items():
        os.environ.setdefault(name, value)


def _port(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    return parsed.hostname or "127.0.0.1", parsed.port or 80


def _days_since(day: date) -> int:
    return max(1, (datetime.now(UTC).date() - day).days)


def demo_sandbox(config: EcomSyncConfig, seed: int = 7) -> Sandbox:
    """The BigCommerce demo stores, opened on the earliest ``history_start`` of their
    connections: a historical sync then covers each store's whole life."""
    first_day = min(c.history_start for c in config.connections if c.platform == "bigcommerce")
    return Sandbox.demo(
        seed,
        history_days=_days_since(first_day),
        rate_limit_quota=3000,  # an Enterprise-plan quota keeps the demo quick
        settings=Settings(cart_idle_seconds=2, webhook_interval_seconds=1,
                          webhook_backfill=True),
    )


def demo_shop(config: EcomSyncConfig, stores: Sandbox, seed: int = 7) -> ShopifySandbox | None:
    """The Shopify demo shop; some of its customers are the BigCommerce stores' customers
    with the e-mail in another case (C1 across platforms)."""
    shops = [c for c in config.connections if c.platform == "shopify"]
    if not shops:
        return None
    # The stand-in shop opens SHOP_LEAD_DAYS before its first order (customers come first).
    days = _days_since(min(c.history_start for c in shops)) - SHOP_LEAD_DAYS
    shared = [c["email"] for s in stores.stores.values() for c in s.customers.values()
              if c["email"]]
    return ShopifySandbox.demo(seed, history_days=max(30, days), shared_emails=shared[:60],
                               rate_bucket=400, leak_per_second=20.0)  # a Plus shop


@dataclass
class DemoServices:
    stores: Sandbox
    activecampaign: AcAccount | None
    shop: ShopifySandbox | None = None

    def add_activity(self) -> dict[str, dict[str, int]]:
        activity = dict(self.stores.add_activity())
        if self.shop is not None:
            activity.update(self.shop.add_activity())
        return activity


@contextmanager
def demo_services(config: EcomSyncConfig, seed: int = 7) -> Iterator[DemoServices]:
    """Serve the stand-in at the config's API URL and the receiver at its webhook URL,
    then register the hooks, as a merchant's setup would; serve the ActiveCampaign
    stand-in at each destination's API URL (its state in the state folder)."""
    apply_demo_env()
    sandbox = demo_sandbox(config, seed)
    shop = demo_shop(config, sandbox, seed)
    hook_urls = {getattr(getattr(c, "webhooks", None), "public_url", None)
                 for c in config.connections} - {None}
    store = WebhookStore(paths.webhook_store_path())
    receiver = create_receiver(config, store, webhook_secrets(config))
    with ExitStack() as stack:
        served: set[tuple[str, int]] = set()
        for conn in config.connections:
            host, port = _port(conn.api_base_url)
            if (host, port) in served:
                continue
            served.add((host, port))
            is_shop = conn.platform == "shopify" and shop is not None
            app = create_shop_app(shop) if is_shop else create_app(sandbox)
            stack.enter_context(serve_in_thread(app, host, port))
        for url in sorted(hook_urls):
            host, port = _port(url)
            stack.enter_context(serve_in_thread(receiver, host, port))
        account = None
        for dest in config.destinations:
            if dest.type == "activecampaign":
                account = AcAccount(os.environ[dest.token_env],
                                    state_path=paths.home() / "activecampaign-sandbox.json")
                host, port = _port(dest.api_url)
                stack.enter_context(serve_in_thread(create_ac_app(account), host, port))
        secrets = webhook_secrets(config)
        for conn in config.enabled_connections:
            if conn.name in secrets:
                get_platform(conn.platform).register_webhooks(conn, secrets[conn.name])
        yield DemoServices(sandbox, account, shop)

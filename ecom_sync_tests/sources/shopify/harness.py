"""The Shopify stand-in for the conformance suite, and the connection the Shopify tests use."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.shopify.app import create_app
from ecom_sandbox.shopify.faults import Faults
from ecom_sandbox.shopify.sandbox import Sandbox
from ecom_sync.config import ConnectionConfig
from ecom_sync.config_loader import parse_config
from ecom_sync_tests.helpers import HISTORY_DAYS, today
from ecom_sync_tests.sources.conformance.harness import PAGE_SIZE, SourceHarness
from ecom_sync_tests.sources.conftest import FAST_HTTP

SHOP = "acme-nordic"
SHOP_TOKEN = "sandbox-token-acme-nordic"
TOKEN_ENV = "TEST_SHOP_TOKEN"
# The stand-in's customers predate its first order; the shop's first day is well before.
SHOP_HISTORY_DAYS = 400


def shop_history_start() -> date:
    return today() - timedelta(days=SHOP_HISTORY_DAYS)


def shopify_connection(url: str, **overrides: object) -> dict:
    return {"name": "acme_nordic", "platform": "shopify", "store_name": "Acme Nordic",
            "shop": SHOP, "currency": "EUR", "token_env": TOKEN_ENV,
            "api_base_url": f"{url}/shops/{SHOP}",
            "history_start": shop_history_start().isoformat(),
            "page_size": 25, **overrides}


def open_checkout(checkout: dict[str, Any]) -> bool:
    """checkouts.json lists open ones unless asked otherwise (sources.md 2.3)."""
    return checkout["completed_at"] is None and checkout["closed_at"] is None


class ShopifyHarness(SourceHarness):
    platform = "shopify"
    fault_type = Faults
    streams = ("customers", "orders", "products", "checkouts")
    skipped_streams = {
        "deletions": "destroy events exist only once records are deleted: "
                     "shopify/test_shopify.py deletes some and syncs them out",
    }

    def __init__(self, stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sandbox = Sandbox.demo(11, history_days=HISTORY_DAYS, customers=40, orders=40,
                                    products=30, checkouts=40, rate_bucket=1000,
                                    leak_per_second=1000.0)
        self.url = stack.enter_context(serve_in_thread(create_app(self.sandbox)))
        monkeypatch.setenv(TOKEN_ENV, SHOP_TOKEN)

    def connection(self) -> ConnectionConfig:
        raw = shopify_connection(self.url, page_size=PAGE_SIZE, http=FAST_HTTP)
        return parse_config({"connections": [raw]}).connections[0]

    def records(self, stream: str) -> dict[Any, datetime]:
        records = getattr(self.sandbox.shop(SHOP), stream).values()
        return {r["id"]: r["updated_at"].astimezone(UTC) for r in records
                if stream != "checkouts" or open_checkout(r)}

    def touch(self, stream: str, record_id: Any, when: datetime | None) -> None:
        self.sandbox.touch(SHOP, stream, record_id, now=when)

    def on_request(self, hook: Callable[[str, dict[str, Any]], None]) -> Callable[[], None]:
        return self.sandbox.on_request(lambda _shop, path, params, _n: hook(path, params))

    def is_continuation(self, stream: str, path: str, params: dict[str, Any]) -> bool:
        return "page_info" in params

    def add_faults(self) -> int:
        # Three 429s (full bucket, Retry-After), then two 503s.
        self.sandbox.faults.add_spec({"kind": "throttle", "count": 3, "every": 1})
        self.sandbox.faults.add_spec({"kind": "error", "status": 503, "count": 2})
        return 5

    def faults_left(self) -> int:
        return len(self.sandbox.faults.active())


HARNESS = ShopifyHarness

"""The shop-site stand-in for the conformance suite, and the connection the shop-site tests
use."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from typing import Any

import pytest

from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.shopsite.app import create_app, site_base_url
from ecom_sandbox.shopsite.faults import Faults
from ecom_sandbox.shopsite.generator import DEMO_SPEC
from ecom_sandbox.shopsite.sandbox import Sandbox, Settings
from ecom_sync.config import ConnectionConfig
from ecom_sync.config_loader import parse_config
from ecom_sync_tests.helpers import HISTORY_DAYS, history_start
from ecom_sync_tests.sources.conformance.harness import PAGE_SIZE, SourceHarness
from ecom_sync_tests.sources.conftest import FAST_HTTP

SITE = DEMO_SPEC.site
TOKEN_ENV = "TEST_SHOPSITE_TOKEN"
KIND = {"customers": "customers", "orders": "orders", "abandoned_carts": "carts"}
PATH = {"customers": "/customers", "orders": "/orders", "abandoned_carts": "/carts"}


def fast_sandbox(**sizes: Any) -> Sandbox:
    """A small seeded site whose rate limit does not get in the way."""
    sizes = {"history_days": HISTORY_DAYS, "customers": 40, "orders": 40, "carts": 60,
             **sizes}
    return Sandbox.demo(11, settings=Settings(rate_limit_per_second=10_000), **sizes)


def shopsite_connection(url: str, **overrides: Any) -> dict[str, Any]:
    return {"name": "bottega", "platform": "shopsite", "store_name": "Bottega Rossi",
            "api_base_url": site_base_url(url, SITE), "currency": "EUR",
            "token_env": TOKEN_ENV, "history_start": history_start().isoformat(),
            "rate_limit_per_second": 10_000, "http": FAST_HTTP, **overrides}


def visible_carts(sandbox: Sandbox) -> dict[str, datetime]:
    """SS3: registered users' carts changed up to the newest finished back-office sync."""
    site = sandbox.site()
    last = site.last_finished_sync()
    return {c["id"]: c["modified_at"] for c in site.carts.values()
            if c["customer_id"] and c["email"] and last is not None
            and c["modified_at"] <= last}


class ShopsiteHarness(SourceHarness):
    platform = "shopsite"
    fault_type = Faults
    streams = ("customers", "orders", "abandoned_carts")

    def __init__(self, stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sandbox = fast_sandbox()
        self.url = stack.enter_context(serve_in_thread(create_app(self.sandbox)))
        monkeypatch.setenv(TOKEN_ENV, DEMO_SPEC.token)

    def connection(self) -> ConnectionConfig:
        raw = shopsite_connection(self.url, page_size=PAGE_SIZE)
        return parse_config({"connections": [raw]}).connections[0]

    def records(self, stream: str) -> dict[Any, datetime]:
        if stream == "abandoned_carts":
            return visible_carts(self.sandbox)
        return {r["id"]: r["modified_at"] for r in getattr(self.sandbox.site(), stream).values()}

    def touch(self, stream: str, record_id: Any, when: datetime | None) -> None:
        self.sandbox.touch(SITE, KIND[stream], record_id, when)

    def on_request(self, hook: Callable[[str, dict[str, Any]], None]) -> Callable[[], None]:
        return self.sandbox.on_request(lambda _site, path, params, _n: hook(path, params))

    def is_continuation(self, stream: str, path: str, params: dict[str, Any]) -> bool:
        # The first request filters from our UTC bound; later ones from a record's
        # modified_at (the site's +01:00) or a later page.
        return path == PATH[stream] and (
            params.get("page") != "1" or not params.get("modified_since", "").endswith("+00:00"))

    def add_faults(self) -> int:
        # Three 429s (Retry-After), then two 503s.
        self.sandbox.faults.add_spec({"kind": "throttle", "count": 3})
        self.sandbox.faults.add_spec({"kind": "error", "status": 503, "count": 2})
        return 5

    def faults_left(self) -> int:
        return len(self.sandbox.faults.active())


HARNESS = ShopsiteHarness

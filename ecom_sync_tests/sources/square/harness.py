"""The Square stand-in for the conformance suite, and the connections the Square tests use."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.square.app import create_app
from ecom_sandbox.square.faults import Faults
from ecom_sandbox.square.generator import DEMO_SPEC, MerchantSpec
from ecom_sandbox.square.merchant import MerchantData
from ecom_sandbox.square.sandbox import Sandbox
from ecom_sync.config import ConnectionConfig
from ecom_sync.config_loader import parse_config
from ecom_sync.sources.square.streams import ORDER_STATES
from ecom_sync_tests.helpers import HISTORY_DAYS
from ecom_sync_tests.sources.conformance.harness import PAGE_SIZE, SourceHarness
from ecom_sync_tests.sources.conftest import FAST_HTTP

TOKEN_ENV = "TEST_SQUARE_TOKEN"
DOWNTOWN, HARBOR = (loc for loc, _ in DEMO_SPEC.locations)
# A small merchant: customers, payments and items each span several pages of PAGE_SIZE.
SMALL = replace(DEMO_SPEC, history_days=HISTORY_DAYS, customers=40, payments_per_location=40,
                extra_items=8)


def square_connection(url: str, merchant: MerchantData, name: str = "downtown",
                      location: str = DOWNTOWN, **overrides: Any) -> dict[str, Any]:
    return {"name": name, "platform": "square", "store_name": f"Acme Roasters {name}",
            "location_id": location, "token_env": TOKEN_ENV, "api_base_url": url,
            "history_start": merchant.history_start.date().isoformat(), "http": FAST_HTTP,
            **overrides}


def listed(merchant: MerchantData, stream: str, location: str) -> dict[str, datetime]:
    """What a connection on ``location`` walks of ``stream``: id → updated_at (UTC)."""
    if stream == "payments":
        rows = [p for p in merchant.payments.values() if p["location_id"] == location]
    elif stream == "orders":
        rows = [o for o in merchant.orders.values()
                if o["location_id"] == location and o["state"] in ORDER_STATES]
    elif stream == "customers":
        rows = list(merchant.customers.values())
    else:
        rows = [o for o in merchant.catalog.values() if o["type"] == "ITEM"]
    return {r["id"]: r["updated_at"].astimezone(UTC) for r in rows}


class SquareHarness(SourceHarness):
    platform = "square"
    fault_type = Faults
    streams = ("payments", "orders", "customers", "items")
    # Customers are walked by creation; the stand-in's customer ids follow creation.
    id_ordered = frozenset({"customers"})

    def __init__(self, stack: ExitStack, monkeypatch: pytest.MonkeyPatch,
                 spec: MerchantSpec = SMALL) -> None:
        self.sandbox = Sandbox.demo(11, specs=[spec])
        self.merchant = next(iter(self.sandbox.merchants.values()))
        self.url = stack.enter_context(serve_in_thread(create_app(self.sandbox)))
        monkeypatch.setenv(TOKEN_ENV, self.merchant.token)

    def connection(self) -> ConnectionConfig:
        raw = square_connection(self.url, self.merchant, page_size=PAGE_SIZE)
        return parse_config({"connections": [raw]}).connections[0]

    def records(self, stream: str) -> dict[Any, datetime]:
        return listed(self.merchant, stream, DOWNTOWN)

    def touch(self, stream: str, record_id: Any, when: datetime | None) -> None:
        self.sandbox.touch(self.merchant.merchant_id, stream, record_id, now=when)

    def on_request(self, hook: Callable[[str, dict[str, Any]], None]) -> Callable[[], None]:
        return self.sandbox.on_request(lambda _m, path, params, _n: hook(path, params))

    def is_continuation(self, stream: str, path: str, params: dict[str, Any]) -> bool:
        return "cursor" in params

    def add_faults(self) -> int:
        # Three 429 RATE_LIMITED (no rate headers: backoff with jitter), then two 503s.
        self.sandbox.faults.add_spec({"kind": "rate_limit", "count": 3})
        self.sandbox.faults.add_spec({"kind": "error", "status": 503, "count": 2})
        return 5

    def faults_left(self) -> int:
        return len(self.sandbox.faults.active())


HARNESS = SquareHarness

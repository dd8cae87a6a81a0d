"""Fixtures: a small seeded sandbox with a fixed clock, served over loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from ecom_sandbox.bigcommerce.app import create_app
from ecom_sandbox.bigcommerce.sandbox import Sandbox, Settings
from ecom_sandbox.server import serve_in_thread, store_base_url

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
US = "acmeoutdoor"
EU = "acmeeu"


@dataclass
class Served:
    sandbox: Sandbox
    base_url: str

    def client(self, store_hash: str = US, *, token: str | None = None,
               timeout: float = 5.0) -> httpx.Client:
        store = self.sandbox.store(store_hash)
        return httpx.Client(
            base_url=store_base_url(self.base_url, store_hash),
            headers={"X-Auth-Token": store.token if token is None else token,
                     "Accept": "application/json"},
            timeout=timeout,
        )


def make_sandbox(settings: Settings | None = None) -> Sandbox:
    sandbox = Sandbox.demo(
        7, NOW, customers=60, orders=120, products=30, carts=30,
        rate_limit_quota=100_000, settings=settings,
    )
    sandbox.clock = lambda: NOW
    return sandbox


@pytest.fixture
def served() -> Iterator[Served]:
    sandbox = make_sandbox()
    with serve_in_thread(create_app(sandbox)) as base_url:
        yield Served(sandbox, base_url)


@pytest.fixture
def serve_app() -> Iterator[Callable[..., str]]:
    """Serve extra apps (e.g. a webhook receiver) for the test's duration."""
    import contextlib

    with contextlib.ExitStack() as stack:
        yield lambda app: stack.enter_context(serve_in_thread(app))

"""Fixtures: a seeded Shopify sandbox with a fixed clock, served over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.shopify.app import create_app
from ecom_sandbox.shopify.sandbox import Sandbox
from ecom_sandbox.shopify.server import shop_base_url

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
SHOP = "acme-nordic"
TOKEN = "sandbox-token-acme-nordic"
V = "/admin/api/2025-01"
SHARED = tuple(f"shared.person{i}@example.com" for i in range(40))


@dataclass
class Served:
    sandbox: Sandbox
    base_url: str

    def client(self, shop: str = SHOP, *, token: str | None = TOKEN,
               timeout: float = 5.0) -> httpx.Client:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["X-Shopify-Access-Token"] = token
        return httpx.Client(base_url=shop_base_url(self.base_url, shop), headers=headers,
                            timeout=timeout)


def make_sandbox(**kwargs: object) -> Sandbox:
    sandbox = Sandbox.demo(7, NOW, shared_emails=SHARED, rate_bucket=100_000,
                           leak_per_second=1000.0, **kwargs)  # type: ignore[arg-type]
    sandbox.clock = lambda: NOW
    return sandbox


@pytest.fixture
def served() -> Iterator[Served]:
    sandbox = make_sandbox()
    with serve_in_thread(create_app(sandbox)) as base_url:
        yield Served(sandbox, base_url)


def walk(client: httpx.Client, path: str, params: dict[str, str | int] | None,
         key: str) -> tuple[list[dict[str, object]], int]:
    """Follow ``rel="next"`` links; returns (records, number of requests)."""
    out: list[dict[str, object]] = []
    url: str = path
    pages = 0
    while True:
        r = client.get(url, params=params)
        assert r.status_code == 200, r.text
        out += r.json()[key]
        pages += 1
        if "next" not in r.links:
            return out, pages
        url, params = r.links["next"]["url"], None

"""Fixtures: an ActiveCampaign stand-in account served over loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from ecom_sandbox.activecampaign.app import create_app
from ecom_sandbox.activecampaign.state import AcAccount
from ecom_sandbox.server import serve_in_thread

TOKEN = "test-ac-token"
FAST = 10_000.0  # requests per second for tests that are not about the rate limit


@dataclass
class Served:
    account: AcAccount
    base_url: str

    def client(self, token: str | None = TOKEN) -> httpx.Client:
        headers = {"Api-Token": token} if token is not None else {}
        return httpx.Client(base_url=f"{self.base_url}/api/3", headers=headers, timeout=5.0)


class Swappable:
    """An ASGI app that forwards to the app of the current test's account, so one
    loopback server serves the whole session (uvicorn start/stop costs ~0.2 s)."""

    def __init__(self) -> None:
        self.app: Starlette | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            while message["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
                message = await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.app is not None, "no account served"
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def server() -> Iterator[tuple[Swappable, str]]:
    app = Swappable()
    with serve_in_thread(app) as base_url:
        yield app, base_url


@pytest.fixture
def serve(server: tuple[Swappable, str]) -> Iterator[Callable[..., Served]]:
    """``serve(**AcAccount kwargs)`` → a fresh account served over loopback HTTP."""
    app, base_url = server

    def start(**kwargs: Any) -> Served:
        kwargs.setdefault("rate_per_second", FAST)
        account = AcAccount(TOKEN, **kwargs)
        app.app = create_app(account)
        return Served(account, base_url)

    yield start
    app.app = None


@pytest.fixture
def served(serve: Callable[..., Served]) -> Served:
    return serve()


@pytest.fixture
def ac(served: Served) -> Iterator[httpx.Client]:
    with served.client() as client:
        yield client


def make_connection(ac: httpx.Client, externalid: str = "store-1", **extra: Any) -> str:
    body = {"service": "bigcommerce", "externalid": externalid, "name": "Acme Outdoor",
            "logoUrl": "https://example.com/logo.png", "linkUrl": "https://example.com",
            **extra}
    r = ac.post("/connections", json={"connection": body})
    assert r.status_code == 201, r.text
    return r.json()["connection"]["id"]


def make_customer(ac: httpx.Client, connection_id: str, email: str = "ann@example.com",
                  externalid: str = "c-1", accepts: str = "1") -> str:
    r = ac.post("/ecomCustomers", json={"ecomCustomer": {
        "connectionid": connection_id, "externalid": externalid, "email": email,
        "acceptsMarketing": accepts}})
    assert r.status_code == 201, r.text
    return r.json()["ecomCustomer"]["id"]


def order_body(connection_id: str, customer_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "externalid": "BC-1", "source": 1, "email": "ann@example.com",
        "orderProducts": [{"externalid": "SKU-1", "name": "Mug", "price": 1250,
                           "quantity": 2, "sku": "MUG-1", "category": "Kitchen"}],
        "totalPrice": 3200, "shippingAmount": 500, "taxAmount": 200, "discountAmount": 0,
        "currency": "EUR", "connectionid": connection_id, "customerid": customer_id,
        "externalCreatedDate": "2024-05-01T10:00:00+02:00", "orderNumber": "10023",
        "orderUrl": "https://shop.example.com/account/orders/10023",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def codes(response: httpx.Response) -> list[str]:
    return [e.get("code") for e in response.json()["errors"]]


def pointers(response: httpx.Response) -> list[str]:
    return [e.get("source", {}).get("pointer") for e in response.json()["errors"]]

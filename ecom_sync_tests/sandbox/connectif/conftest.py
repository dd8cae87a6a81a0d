"""Fixtures: a Connectif stand-in (two stores on one host) served over loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ecom_sandbox.connectif.app import create_app
from ecom_sandbox.connectif.state import ApiKey, ConnectifAccount, ConnectifCloud
from ecom_sandbox.server import serve_in_thread

SITE = "https://www.acme.example"
CDN = "https://cdn.acme.example"


@dataclass
class Served:
    cloud: ConnectifCloud
    url: str

    @property
    def store(self) -> ConnectifAccount:
        return self.cloud.accounts["store"]

    def client(self, key: str = "kid:ksecret", scheme: str = "apiKey") -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=5.0,
                            headers={"Authorization": f"{scheme} {key}"})


@pytest.fixture
def serve_cx() -> Iterator[Callable[..., Served]]:
    """``serve_cx(**account settings)``: the store ``store`` (key ``kid:ksecret``, plus a
    contacts-only key ``ro:rosecret``) and a second store ``other`` on the same host."""
    import contextlib

    with contextlib.ExitStack() as stack:
        def serve(**settings: Any) -> Served:
            store = ConnectifAccount(
                "store", [ApiKey("kid", "ksecret"),
                          ApiKey("ro", "rosecret", frozenset({"contacts"}))],
                authorised_domains=[SITE, CDN], custom_fields={"city": "text", "vip": "boolean"},
                integrations=["integ-1"], **{"rate_limit": 100_000, **settings})
            other = ConnectifAccount("other", [ApiKey("okid", "osecret")])
            cloud = ConnectifCloud([store, other])
            return Served(cloud, stack.enter_context(serve_in_thread(create_app(cloud))))

        yield serve


@pytest.fixture
def cx(serve_cx: Callable[..., Served]) -> Served:
    return serve_cx()


def product(**overrides: Any) -> dict[str, Any]:
    return {"name": "Daypack", "productDetailUrl": f"{SITE}/daypack/", "unitPrice": 49.9,
            "imageUrl": f"{CDN}/daypack.jpg", **overrides}


def purchase(**overrides: Any) -> dict[str, Any]:
    return {"purchaseId": "1001", "contactEmail": "ann@example.org", "totalPrice": 104.8,
            "totalQuantity": 2, "purchaseDate": "2026-05-01T12:00:00Z",
            "products": [{"productId": "p1", "name": "Daypack", "unitPrice": 49.9,
                          "quantity": 2, "price": 99.8}], **overrides}

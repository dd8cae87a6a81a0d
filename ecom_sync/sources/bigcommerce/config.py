"""The ``platform: bigcommerce`` connection model."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ecom_sync.config import ConnectionConfig, StrictModel


class BigCommerceStreams(StrictModel):
    """Per-connection switches: turn a stream off without touching the others."""

    customers: bool = True
    subscribers: bool = True
    orders: bool = True
    products: bool = True
    carts: bool = True


class BigCommerceWebhooks(StrictModel):
    """Where BigCommerce can reach our receiver, and the env var of the shared secret."""

    public_url: str | None = None
    secret_env: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class BigCommerceConnection(ConnectionConfig):
    platform: Literal["bigcommerce"]
    store_hash: str = Field(pattern=r"^[A-Za-z0-9]+$")
    api_base_url: str = "https://api.bigcommerce.com"
    # Where a merchant opens an order; {store_hash} and {order_id} are filled in.
    order_url_template: str = "https://store-{store_hash}.mybigcommerce.com/manage/orders/{order_id}"
    streams: BigCommerceStreams = BigCommerceStreams()
    webhooks: BigCommerceWebhooks = BigCommerceWebhooks()

    @property
    def store_base_url(self) -> str:
        return f"{self.api_base_url.rstrip('/')}/stores/{self.store_hash}"

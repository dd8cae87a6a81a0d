"""The ``platform: shopify`` connection model."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ecom_sync.config import ConnectionConfig, StrictModel


class ShopifyStreams(StrictModel):
    customers: bool = True
    orders: bool = True
    products: bool = True
    checkouts: bool = True  # abandoned checkouts
    deletions: bool = True  # list endpoints never show deleted records: read destroy events


class ShopifyConnection(ConnectionConfig):
    platform: Literal["shopify"]
    shop: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")  # acme-nordic.myshopify.com → acme-nordic
    api_version: str = Field("2025-01", pattern=r"^\d{4}-(01|04|07|10)$")
    # Default: https://<shop>.myshopify.com; override for a proxy or the stand-in.
    api_base_url: str = ""
    order_url_template: str = "https://admin.shopify.com/store/{shop}/orders/{order_id}"
    streams: ShopifyStreams = ShopifyStreams()

    @property
    def store_base_url(self) -> str:
        return (self.api_base_url or f"https://{self.shop}.myshopify.com").rstrip("/")

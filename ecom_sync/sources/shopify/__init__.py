"""Shopify: customers, orders (every status), products and abandoned checkouts."""

from __future__ import annotations

from pathlib import Path

from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.http import ApiClient
from ecom_sync.sources.registry import Platform
from ecom_sync.sources.shopify.client import api_client
from ecom_sync.sources.shopify.config import ShopifyConnection
from ecom_sync.sources.shopify.streams import STREAMS


class ShopifyPlatform(Platform):
    name = "shopify"
    connection_model = ShopifyConnection
    streams = STREAMS
    sql_dir = Path(__file__).parent / "sql"

    def api(self, conn: ConnectionConfig) -> ApiClient:
        assert isinstance(conn, ShopifyConnection)
        return api_client(conn)

    def order_url_template(self, conn: ConnectionConfig) -> str | None:
        assert isinstance(conn, ShopifyConnection)
        return conn.order_url_template.replace("{shop}", conn.shop)


PLATFORM = ShopifyPlatform()

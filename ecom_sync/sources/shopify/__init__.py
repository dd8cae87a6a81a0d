"""Shopify: customers, orders (every status), products and abandoned checkouts."""

from __future__ import annotations

from pathlib import Path

from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.landing import ExtractStats, LandingWriter, Window
from ecom_sync.sources.registry import Platform, StreamSpec
from ecom_sync.sources.shopify.client import ShopifyClient
from ecom_sync.sources.shopify.config import ShopifyConnection
from ecom_sync.sources.shopify.extract import extract_stream

STREAMS = (
    StreamSpec("customers", ("id",), "updated_at", "shopify_customers",
               "Customers with tags, e-mail marketing consent and default address"),
    StreamSpec("orders", ("id",), "updated_at", "shopify_orders",
               "Orders of every status (status=any), guests included, with line items"),
    StreamSpec("products", ("id",), "updated_at", "shopify_products",
               "Products with variants and images"),
    StreamSpec("checkouts", ("id",), "updated_at", "shopify_checkouts",
               "Abandoned checkouts with their recovery URL"),
    StreamSpec("deletions", ("id",), "created_at", "shopify_deletions",
               "Deleted orders, customers and products (events, verb=destroy)"),
)


class ShopifyPlatform(Platform):
    name = "shopify"
    connection_model = ShopifyConnection
    streams = STREAMS
    sql_dir = Path(__file__).parent / "sql"

    def enabled_streams(self, conn: ConnectionConfig) -> tuple[StreamSpec, ...]:
        assert isinstance(conn, ShopifyConnection)
        return tuple(s for s in STREAMS if getattr(conn.streams, s.name))

    def order_url_template(self, conn: ConnectionConfig) -> str | None:
        assert isinstance(conn, ShopifyConnection)
        return conn.order_url_template.replace("{shop}", conn.shop)

    def extract(
        self, conn: ConnectionConfig, stream: StreamSpec, window: Window, writer: LandingWriter
    ) -> ExtractStats:
        assert isinstance(conn, ShopifyConnection)
        stats = ExtractStats()
        with ShopifyClient(conn, conn.token().get_secret_value()) as client:
            extract_stream(client, stream.name, window, writer, stats)
            stats.requests = client.api.requests_made
            stats.retries = client.api.retries
        return stats


PLATFORM = ShopifyPlatform()

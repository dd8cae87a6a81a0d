"""BigCommerce: customers (v3), subscribers (v3), orders (v2), catalog (v3), carts (webhook)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ecom_sync import paths
from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.bigcommerce import extract
from ecom_sync.sources.bigcommerce.client import BigCommerceClient
from ecom_sync.sources.bigcommerce.config import BigCommerceConnection
from ecom_sync.sources.landing import ExtractStats, LandingWriter, Window
from ecom_sync.sources.registry import Platform, StreamSpec
from ecom_sync.sources.webhook_store import WebhookStore

STREAMS = (
    StreamSpec("customers", ("id",), "date_modified", "bigcommerce_customers",
               "Registered customers (v3), with addresses"),
    StreamSpec("subscribers", ("id",), "date_modified", "bigcommerce_subscribers",
               "Newsletter subscribers: BigCommerce keeps e-mail consent here"),
    StreamSpec("orders", ("id",), "date_modified", "bigcommerce_orders",
               "Orders (v2) of every status, with products, shipping addresses and coupons"),
    StreamSpec("products", ("id",), "date_modified", "bigcommerce_products",
               "Catalog products with variants and images, plus the category tree",
               parts=(("categories", "bigcommerce_categories"),)),
    StreamSpec("carts", ("id",), "abandoned_at", "bigcommerce_carts",
               "Abandoned carts announced by the store/cart/abandoned webhook, with recovery URLs"),
)


class BigCommercePlatform(Platform):
    name = "bigcommerce"
    connection_model = BigCommerceConnection
    streams = STREAMS
    sql_dir = Path(__file__).parent / "sql"

    def enabled_streams(self, conn: ConnectionConfig) -> tuple[StreamSpec, ...]:
        assert isinstance(conn, BigCommerceConnection)
        return tuple(s for s in STREAMS if getattr(conn.streams, s.name))

    def order_url_template(self, conn: ConnectionConfig) -> str | None:
        assert isinstance(conn, BigCommerceConnection)
        return conn.order_url_template.replace("{store_hash}", conn.store_hash)

    def register_webhooks(self, conn: ConnectionConfig, secret: str) -> int:
        from ecom_sync.sources.bigcommerce.webhooks import register_hooks
        from ecom_sync.sources.webhook_receiver import SECRET_HEADER

        assert isinstance(conn, BigCommerceConnection)
        if not conn.webhooks.public_url or not conn.streams.carts:
            return 0
        destination = f"{conn.webhooks.public_url.rstrip('/')}/webhooks/{conn.name}"
        with self.client(conn) as client:
            return len(register_hooks(client, destination, {SECRET_HEADER: secret}))

    def client(self, conn: ConnectionConfig, **kwargs: object) -> BigCommerceClient:
        assert isinstance(conn, BigCommerceConnection)
        return BigCommerceClient(conn, conn.token().get_secret_value(), **kwargs)  # type: ignore[arg-type]

    def extract(
        self, conn: ConnectionConfig, stream: StreamSpec, window: Window, writer: LandingWriter
    ) -> ExtractStats:
        stats = ExtractStats()
        now = datetime.now(UTC).isoformat()
        with self.client(conn) as client:
            if stream.name == "carts":
                store = WebhookStore(paths.webhook_store_path())
                extract.extract_carts(client, window, writer, stats, now, store)
            else:
                fn = getattr(extract, f"extract_{stream.name}")
                fn(client, window, writer, stats, now)
            stats.requests = client.api.requests_made
            stats.retries = client.api.retries
        return stats


PLATFORM = BigCommercePlatform()

"""BigCommerce: customers (v3), subscribers (v3), orders (v2), catalog (v3), carts (webhook)."""

from __future__ import annotations

from pathlib import Path

from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.bigcommerce.client import api_client
from ecom_sync.sources.bigcommerce.config import BigCommerceConnection
from ecom_sync.sources.bigcommerce.streams import STREAMS
from ecom_sync.sources.http import ApiClient
from ecom_sync.sources.registry import Platform


class BigCommercePlatform(Platform):
    name = "bigcommerce"
    connection_model = BigCommerceConnection
    streams = STREAMS
    sql_dir = Path(__file__).parent / "sql"

    def api(self, conn: ConnectionConfig) -> ApiClient:
        assert isinstance(conn, BigCommerceConnection)
        return api_client(conn)

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
        with self.api(conn) as api:
            return len(register_hooks(api, conn.page_size, destination,
                                      {SECRET_HEADER: secret}))


PLATFORM = BigCommercePlatform()

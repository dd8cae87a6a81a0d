"""Shop sites (Passweb-style web shops run with a back office): registered customers,
orders on placement and abandoned carts at the end of each back-office sync, through
ecom_sync's own shop-site API (specs/shopsite.md)."""

from __future__ import annotations

from pathlib import Path

from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.feeds import Feed
from ecom_sync.sources.http import ApiClient
from ecom_sync.sources.registry import Platform
from ecom_sync.sources.shopsite.client import api_client
from ecom_sync.sources.shopsite.config import ShopsiteConnection
from ecom_sync.sources.shopsite.feeds import finished_sync_runs, new_orders
from ecom_sync.sources.shopsite.streams import STREAMS


class ShopsitePlatform(Platform):
    name = "shopsite"
    connection_model = ShopsiteConnection
    streams = STREAMS
    sql_dir = Path(__file__).parent / "sql"

    def api(self, conn: ConnectionConfig) -> ApiClient:
        assert isinstance(conn, ShopsiteConnection)
        return api_client(conn)

    def order_url_template(self, conn: ConnectionConfig) -> str | None:
        # Orders carry their own page (order_url); the site's address stands in otherwise.
        assert isinstance(conn, ShopsiteConnection)
        return conn.public_url

    def feeds(self, conn: ConnectionConfig) -> tuple[Feed, ...]:
        """SS2: the order feed when orders are on; SS3: the sync-runs feed when abandoned
        carts are on (its runs land the carts, and the customers for their names)."""
        assert isinstance(conn, ShopsiteConnection)
        on = {s.name for s in self.enabled_streams(conn)}
        feeds = []
        if "orders" in on:
            feeds.append(Feed("orders", "Orders placed or changed since the last poll (SS2)",
                              ("orders",), new_orders, conn.polling.orders_every_s))
        if "abandoned_carts" in on:
            feeds.append(Feed(
                "sync_runs",
                "Back-office sync runs finished since the last poll: each hands the "
                "abandoned carts over (SS3)",
                tuple(s for s in ("customers", "abandoned_carts") if s in on),
                finished_sync_runs, conn.polling.sync_runs_every_s))
        return tuple(feeds)


PLATFORM = ShopsitePlatform()

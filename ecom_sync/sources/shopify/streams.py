"""Shopify's streams, declared as data: each pages its resource in ``updated_at`` order
(deletions: destroy events by ``created_at``) with the window's bounds on the first
request only, then the ``Link`` header's ``page_info`` URL as given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ecom_sync.sources.http import SourceError
from ecom_sync.sources.paginators import LinkHeader
from ecom_sync.sources.shopify.client import api_timestamp, granted_scopes
from ecom_sync.sources.shopify.config import ShopifyConnection
from ecom_sync.sources.stream import Stream, StreamRun, bounds

ORDER_VISIBILITY = timedelta(days=60)  # without read_all_orders (sources.md 2.4)
# An expired page_info restarts the walk from the newest cursor value seen.
MAX_RESTARTS = 10


def require_order_history(run: StreamRun) -> None:
    """Without ``read_all_orders`` Shopify shows only 60 days of orders, and a historical
    sync would be silently partial (sources.md 2.9): refuse it with the fix instead."""
    if run.window.start >= datetime.now(UTC) - ORDER_VISIBILITY:
        return
    conn = run.conn
    assert isinstance(conn, ShopifyConnection)
    if "read_all_orders" not in granted_scopes(run.api, conn):
        raise SourceError(
            f"Shopify shop '{conn.name}': orders older than 60 days need the "
            "read_all_orders scope, which this token lacks; grant it to the custom app and "
            f"put the new token in {conn.token_env}, then re-run this range"
        )


def resource(name: str, description: str, resource: str, cursor: str = "updated_at",
             params: dict[str, Any] | None = None, **hooks: Any) -> Stream:
    """A list endpoint ``/<resource>.json`` paged in ``cursor`` order."""
    return Stream(
        name, ("id",), cursor, f"shopify_{name}", description,
        path=f"/{resource}.json", records=resource,
        params={**(params or {}), "order": f"{cursor} asc"},
        window_params=bounds(f"{cursor}_min", f"{cursor}_max", api_timestamp),
        paginator=LinkHeader(), restarts=MAX_RESTARTS, **hooks,
    )


STREAMS = (
    resource("customers", "Customers with tags, e-mail marketing consent and default address",
             "customers"),
    # status=any, or closed and cancelled orders are hidden.
    resource("orders", "Orders of every status (status=any), guests included, with line items",
             "orders", params={"status": "any"}, check=require_order_history),
    resource("products", "Products with variants and images", "products"),
    resource("checkouts", "Abandoned checkouts with their recovery URL", "checkouts"),
    # List endpoints never show deleted records: only the destroy events do.
    resource("deletions", "Deleted orders, customers and products (events, verb=destroy)",
             "events", cursor="created_at",
             params={"verb": "destroy", "filter": "Order,Customer,Product"}),
)

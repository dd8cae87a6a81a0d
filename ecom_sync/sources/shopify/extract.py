"""Page each Shopify stream for a window (``updated_at`` in ``[start, end)``) and land it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ecom_sync.sources.http import SourceError
from ecom_sync.sources.landing import (
    ExtractStats,
    LandingWriter,
    Window,
    capped_end,
    land_pages,
    utc_ts,
)
from ecom_sync.sources.shopify.client import ExpiredCursor, ShopifyClient, api_timestamp

log = logging.getLogger(__name__)

MAX_RESTARTS = 10
ORDER_VISIBILITY = timedelta(days=60)  # without read_all_orders (sources.md 2.4)
# Per stream: the resource, its cursor, and what goes beside the window. Orders need
# status=any or closed and cancelled ones are hidden; deletions are only in events.
STREAMS: dict[str, tuple[str, str, dict[str, str]]] = {
    "customers": ("customers", "updated_at", {}),
    "orders": ("orders", "updated_at", {"status": "any"}),
    "products": ("products", "updated_at", {}),
    "checkouts": ("checkouts", "updated_at", {}),
    "deletions": ("events", "created_at", {"verb": "destroy",
                                           "filter": "Order,Customer,Product"}),
}


def walk(
    client: ShopifyClient, resource: str, params: dict[str, Any], window: Window,
    cursor: str = "updated_at",
) -> Iterator[list[dict[str, Any]]]:
    """Pages in ``cursor`` order. An expired ``page_info`` restarts the walk from the
    newest cursor value seen (inclusive; staging keeps one version per id)."""
    lower = window.start
    upper = capped_end(window)
    for _ in range(MAX_RESTARTS):
        last: list[dict[str, Any]] = []
        query = {**params, f"{cursor}_min": api_timestamp(lower),
                 f"{cursor}_max": api_timestamp(upper), "order": f"{cursor} asc"}
        try:
            for page in client.pages(resource, query):
                yield page
                last = page or last
            return
        except ExpiredCursor:
            if not last:
                raise
            newest = max(utc_ts(r[cursor]) for r in last)
            log.info("%s: page_info expired; resuming from %s", resource, newest)
            lower = newest
    raise ExpiredCursor(f"{resource}: page_info kept expiring after {MAX_RESTARTS} restarts")


def require_order_history(client: ShopifyClient, window: Window) -> None:
    """Without ``read_all_orders`` Shopify shows only 60 days of orders, and a historical
    sync would be silently partial (sources.md 2.9): refuse it with the fix instead."""
    if window.start >= datetime.now(UTC) - ORDER_VISIBILITY:
        return
    if "read_all_orders" not in client.scopes():
        raise SourceError(
            f"Shopify shop '{client.conn.name}': orders older than 60 days need the "
            "read_all_orders scope, which this token lacks; grant it to the custom app and "
            f"put the new token in {client.conn.token_env}, then re-run this range"
        )


def extract_stream(
    client: ShopifyClient, stream: str, window: Window, writer: LandingWriter, stats: ExtractStats
) -> None:
    if stream == "orders":
        require_order_history(client, window)
    extracted_at = datetime.now(UTC).isoformat()
    resource, cursor, params = STREAMS[stream]
    land_pages(writer, walk(client, resource, params, window, cursor),
               lambda r: utc_ts(r[cursor]), window, stats, extracted_at)

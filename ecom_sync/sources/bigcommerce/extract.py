"""Page each BigCommerce stream for a window and land the pages.

Every stream pages with a fixed upper bound (``min(window end, now)``) so records
changed during the walk leave the result set instead of shifting unread rows; and each
stream uses the most stable pagination its endpoint has (cursor, then keyset by id,
then offset with a re-walk when the total moved).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from itertools import chain
from typing import Any

from ecom_sync.sources.bigcommerce.client import BigCommerceClient, api_timestamp
from ecom_sync.sources.http import SourceError
from ecom_sync.sources.landing import (
    ExtractStats,
    LandingWriter,
    Window,
    capped_end,
    land_pages,
    utc_ts,
)
from ecom_sync.sources.webhook_store import WebhookStore

log = logging.getLogger(__name__)

CART_ABANDONED = "store/cart/abandoned"
CART_URL = "cart_url"  # memo name of the recovery URLs kept per cart
MAX_REWALKS = 3
RECOVERY_URL_REUSE = timedelta(days=25)  # BigCommerce keeps them 30 days


def rfc2822_ts(value: str) -> datetime:
    return parsedate_to_datetime(value).astimezone(UTC)


def _modified_filter(window: Window, v3: bool) -> dict[str, str]:
    lo, hi = api_timestamp(window.start), api_timestamp(capped_end(window))
    if v3:
        return {"date_modified:min": lo, "date_modified:max": hi}
    return {"min_date_modified": lo, "max_date_modified": hi}


def extract_customers(
    client: BigCommerceClient, window: Window, writer: LandingWriter, stats: ExtractStats, now: str
) -> None:
    params = {"include": "addresses", **_modified_filter(window, v3=True)}
    pages = client.v3_cursor_pages("/v3/customers", params)
    land_pages(writer, pages, lambda r: utc_ts(r["date_modified"]), window, stats, now)


def _offset_walk_until_stable(
    client: BigCommerceClient, path: str, params: dict[str, Any], stats: ExtractStats
) -> Iterator[list[dict[str, Any]]]:
    """Offset pages; if the total moved during the walk a row may have been skipped, so
    walk again (duplicates are harmless: staging keeps one version per key)."""
    for attempt in range(1, MAX_REWALKS + 1):
        totals: set[int] = set()
        for page, total in client.v3_pages(path, params):
            totals.add(total)
            yield page
        if len(totals) <= 1:
            return
        log.info("%s: total changed during pagination, walking again (%d)", path, attempt)
    log.warning(
        "%s: still changing after %d walks; the next run picks up the rest", path, MAX_REWALKS
    )


def extract_subscribers(
    client: BigCommerceClient, window: Window, writer: LandingWriter, stats: ExtractStats, now: str
) -> None:
    params = {**_modified_filter(window, v3=True), "sort": "date_modified", "direction": "asc"}
    pages = _offset_walk_until_stable(client, "/v3/customers/subscribers", params, stats)
    land_pages(writer, pages, lambda r: utc_ts(r["date_modified"]), window, stats, now)


def _order_with_subresources(client: BigCommerceClient, order: dict[str, Any]) -> dict[str, Any]:
    order_id = order["id"]
    return {
        **order,
        "products": client.v2_all(f"/v2/orders/{order_id}/products"),
        "shipping_addresses": client.v2_all(f"/v2/orders/{order_id}/shipping_addresses"),
        "coupons": client.v2_all(f"/v2/orders/{order_id}/coupons"),
    }


def _once(pages: Iterable[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
    seen: set[Any] = set()
    for page in pages:
        fresh = [r for r in page if r["id"] not in seen]
        seen.update(r["id"] for r in fresh)
        yield fresh


def extract_orders(
    client: BigCommerceClient, window: Window, writer: LandingWriter, stats: ExtractStats, now: str
) -> None:
    filters = _modified_filter(window, v3=False)
    # BC1: every status. The v2 list leaves out Incomplete (status 0) orders unless they are
    # asked for by status, so walk those too (once each, should a store list them anyway).
    pages = _once(
        chain(
            client.v2_keyset("/v2/orders", filters),
            client.v2_keyset("/v2/orders", {**filters, "status_id": 0}),
        )
    )
    land_pages(
        writer,
        pages,
        lambda r: rfc2822_ts(r["date_modified"]),
        window,
        stats,
        now,
        enrich=lambda order: _order_with_subresources(client, order),
    )


def extract_products(
    client: BigCommerceClient, window: Window, writer: LandingWriter, stats: ExtractStats, now: str
) -> None:
    params = {"include": "variants,images", **_modified_filter(window, v3=True)}
    pages = client.v3_keyset("/v3/catalog/products", params)
    land_pages(writer, pages, lambda r: utc_ts(r["date_modified"]), window, stats, now)
    # Categories are few and carry no modified date: land the whole tree with each run.
    for page, _total in client.v3_pages("/v3/catalog/categories", {}):
        writer.write_page(({**c, "_extracted_at": now} for c in page), part="categories")


def extract_carts(
    client: BigCommerceClient,
    window: Window,
    writer: LandingWriter,
    stats: ExtractStats,
    now: str,
    store: WebhookStore,
) -> None:
    """Carts the abandoned-cart webhook announced in the window, looked up one by one."""
    skipped: dict[str, int] = {}
    batch: list[dict[str, Any]] = []
    conn = client.conn.name
    urls = RecoveryUrls(client, store.recall(conn, CART_URL, RECOVERY_URL_REUSE))

    def flush() -> None:
        stats.records += writer.write_page(batch)
        stats.pages += 1
        batch.clear()
        # Kept once the carts that use them are landed, one transaction per page.
        store.remember(conn, CART_URL, urls.made)
        urls.made.clear()

    for event in store.between(conn, CART_ABANDONED, window.start, window.end):
        try:
            cart = client.api.get(f"/v3/carts/{event.resource_id}").json()["data"]
            cart["redirect_urls"] = {"cart_url": urls.get(event.resource_id)}
        except SourceError as exc:
            if exc.status != 404:
                raise
            # Carts live 30 days and vanish once converted (even between the two calls);
            # the order carries the purchase.
            skipped["cart_not_found"] = skipped.get("cart_not_found", 0) + 1
            continue
        batch.append({**cart, "abandoned_at": event.created_at.isoformat(), "_extracted_at": now})
        if len(batch) >= client.conn.page_size:
            flush()
    if batch:
        flush()
    stats.skipped = skipped


@dataclass
class RecoveryUrls:
    """Recovery URLs are valid 30 days and single use: make one per cart, not one per
    run, so an active sync every 30 minutes does not rewrite every cart at the
    destination. ``kept`` are the young ones from earlier runs; ``made`` the new ones
    not yet remembered."""

    client: BigCommerceClient
    kept: dict[str, str]
    made: dict[str, str] = field(default_factory=dict)

    def get(self, cart_id: str) -> str | None:
        url = self.kept.get(cart_id)
        if url is None:
            response = self.client.api.request("POST", f"/v3/carts/{cart_id}/redirect_urls")
            url = response.json().get("data", {}).get("cart_url")
            if url:
                self.kept[cart_id] = self.made[cart_id] = url
        return url

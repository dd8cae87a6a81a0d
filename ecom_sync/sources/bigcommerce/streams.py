"""BigCommerce's streams, declared as data: customers (v3), subscribers (v3), orders (v2),
catalog (v3) and abandoned carts (announced by webhook).

Every walk has a fixed upper bound (``min(window end, now)``) so records changed during
the walk leave the result set instead of shifting unread rows; each stream uses the most
stable pagination its endpoint has (cursor, then keyset by id, then offset with a re-walk
when the total moved).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from ecom_sync import paths
from ecom_sync.sources.bigcommerce.client import (
    V2_KEYSET,
    V2_PAGES,
    V3_CURSOR,
    V3_KEYSET,
    V3_PAGES,
    V3_PAGES_REWALK,
    api_timestamp,
)
from ecom_sync.sources.http import ApiClient, SourceError
from ecom_sync.sources.paginators import ListRequest, Page, Record, fetch_all
from ecom_sync.sources.stream import Part, Stream, StreamRun, bounds
from ecom_sync.sources.webhook_store import WebhookStore

CART_ABANDONED = "store/cart/abandoned"
CART_URL = "cart_url"  # memo name of the recovery URLs kept per cart
RECOVERY_URL_REUSE = timedelta(days=25)  # BigCommerce keeps them 30 days

V3_MODIFIED = bounds("date_modified:min", "date_modified:max", api_timestamp)
V2_MODIFIED = bounds("min_date_modified", "max_date_modified", api_timestamp)


def rfc2822_ts(value: str) -> datetime:
    """v2 timestamps: ``Wed, 10 Jan 2018 21:05:30 +0000``."""
    return parsedate_to_datetime(value).astimezone(UTC)


def order_with_subresources(run: StreamRun, order: Record) -> Record:
    """BC5: line items, shipping addresses (the shipping method) and coupons inlined."""
    def listing(name: str) -> list[Record]:
        path = f"/v2/orders/{order['id']}/{name}"
        return fetch_all(ListRequest(run.api, path, {}, run.conn.page_size, None), V2_PAGES)

    return {**order, "products": listing("products"),
            "shipping_addresses": listing("shipping_addresses"), "coupons": listing("coupons")}


def announced_carts(run: StreamRun) -> Iterator[Page]:
    """Carts the abandoned-cart webhook announced in the window (BigCommerce has no cart
    list), looked up one by one, each with its recovery URL."""
    store = WebhookStore(paths.webhook_store_path())
    conn = run.conn.name
    urls = RecoveryUrls(run.api, store.recall(conn, CART_URL, RECOVERY_URL_REUSE))
    batch: Page = []
    for event in store.between(conn, CART_ABANDONED, run.window.start, run.window.end):
        try:
            cart = run.api.get(f"/v3/carts/{event.resource_id}").json()["data"]
            cart["redirect_urls"] = {"cart_url": urls.get(event.resource_id)}
        except SourceError as exc:
            if exc.status != 404:
                raise
            # Carts live 30 days and vanish once converted (even between the two calls);
            # the order carries the purchase.
            run.skip("cart_not_found")
            continue
        batch.append({**cart, "abandoned_at": event.created_at.isoformat()})
        if len(batch) >= run.conn.page_size:
            yield from _landed(batch, store, conn, urls)
            batch = []
    if batch:
        yield from _landed(batch, store, conn, urls)


def _landed(batch: Page, store: WebhookStore, conn: str, urls: RecoveryUrls) -> Iterator[Page]:
    yield batch
    # Resumed once the page is landed: keep its new URLs, one transaction per page.
    store.remember(conn, CART_URL, urls.made)
    urls.made.clear()


@dataclass
class RecoveryUrls:
    """Recovery URLs are valid 30 days and single use: make one per cart, not one per
    run, so an active sync every 30 minutes does not rewrite every cart at the
    destination. ``kept`` are the young ones from earlier runs; ``made`` the new ones
    not yet remembered."""

    api: ApiClient
    kept: dict[str, str]
    made: dict[str, str] = field(default_factory=dict)

    def get(self, cart_id: str) -> str | None:
        url = self.kept.get(cart_id)
        if url is None:
            # Another URL made by a repeat is harmless: only the one kept is ever sent.
            response = self.api.request("POST", f"/v3/carts/{cart_id}/redirect_urls",
                                        idempotent=True)
            url = response.json().get("data", {}).get("cart_url")
            if url:
                self.kept[cart_id] = self.made[cart_id] = url
        return url


STREAMS = (
    Stream("customers", ("id",), "date_modified", "bigcommerce_customers",
           "Registered customers (v3), with addresses",
           path="/v3/customers", params={"include": "addresses"}, window_params=V3_MODIFIED,
           paginator=V3_CURSOR),
    Stream("subscribers", ("id",), "date_modified", "bigcommerce_subscribers",
           "Newsletter subscribers: BigCommerce keeps e-mail consent here",
           path="/v3/customers/subscribers", window_params=V3_MODIFIED,
           params={"sort": "date_modified", "direction": "asc"}, paginator=V3_PAGES_REWALK),
    Stream("orders", ("id",), "date_modified", "bigcommerce_orders",
           "Orders (v2) of every status, with products, shipping addresses and coupons",
           path="/v2/orders", window_params=V2_MODIFIED, paginator=V2_KEYSET, records=None,
           parse_cursor=rfc2822_ts, enrich=order_with_subresources,
           # BC1: every status. The v2 list leaves out Incomplete (status 0) orders unless
           # asked for by status: walk those too (each once, should a store list them).
           slices=({}, {"status_id": 0})),
    Stream("products", ("id",), "date_modified", "bigcommerce_products",
           "Catalog products with variants and images, plus the category tree",
           path="/v3/catalog/products", params={"include": "variants,images"},
           window_params=V3_MODIFIED, paginator=V3_KEYSET,
           # Categories are few and carry no modified date: the whole tree with each run.
           parts=(Part("categories", "bigcommerce_categories", "/v3/catalog/categories",
                       V3_PAGES),)),
    Stream("carts", ("id",), "abandoned_at", "bigcommerce_carts",
           "Abandoned carts announced by the store/cart/abandoned webhook, with recovery URLs",
           read=announced_carts),
)

"""What the shop site is watched for between scheduled syncs (see ``sources/feeds.py``):
orders as soon as they are placed or changed (SS2), and back-office sync runs as they
finish, each handing the abandoned carts over (SS3)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.feeds import FeedItem, FeedPoll, SeenSince, item_key
from ecom_sync.sources.http import ApiClient
from ecom_sync.sources.landing import utc_ts
from ecom_sync.sources.paginators import ListRequest, Record
from ecom_sync.sources.shopsite.client import (
    BY_FINISHED,
    BY_MODIFIED,
    MAX_PAGE_SIZE,
    api_timestamp,
)

log = logging.getLogger(__name__)

# Polls start this long before the newest stamp handed over: an order the site commits a
# moment after stamping it is still found (what was handed over is remembered, not resent).
OVERLAP = timedelta(minutes=2)
MAX_ORDERS_PER_RUN = 500  # a backlog (the daemon was down) goes out over a few runs
# A finished sync hands over carts changed since the one before it; the run syncs at
# least the day before too, so a cart changed just before midnight is not left behind.
CART_LOOKBACK = timedelta(days=1)


def _stamp(record: Record, field: str) -> datetime | None:
    try:
        return utc_ts(record[field])
    except (KeyError, TypeError, AttributeError, ValueError):
        log.warning("shop-site record %s without a readable %s", record.get("id"), field)
        return None


def new_orders(api: ApiClient, conn: ConnectionConfig, cursor: str | None,
               now: datetime) -> FeedPoll:
    """SS2: the orders placed or changed since the cursor; one run carries them."""
    seen = SeenSince.load(cursor, now, OVERLAP)
    request = ListRequest(api, "/orders", {"modified_since": api_timestamp(seen.poll_from)},
                          conn.page_size)
    fresh: list[tuple[Record, datetime]] = []
    for page in BY_MODIFIED.pages(request):
        for order in page:
            stamp = _stamp(order, "modified_at")
            if stamp is not None and seen.take(str(order["id"]), stamp):
                fresh.append((order, stamp))
        if len(fresh) >= MAX_ORDERS_PER_RUN:
            break
    if not fresh:
        return FeedPoll((), seen.dump())
    stamps = [stamp for _, stamp in fresh]
    item = FeedItem(
        key=item_key(conn.name, "orders", [(str(o["id"]), s.isoformat()) for o, s in fresh]),
        start=min(stamps), end=max(stamps),
        carried=tuple(str(o.get("number") or o["id"]) for o, _ in fresh),
        happened_at=min(stamps),
    )
    return FeedPoll((item,), seen.dump())


def finished_sync_runs(api: ApiClient, conn: ConnectionConfig, cursor: str | None,
                       now: datetime) -> FeedPoll:
    """SS3: one item per back-office sync run finished since the cursor; its run lands
    the carts changed up to the run's end (a failed run hands nothing over)."""
    seen = SeenSince.load(cursor, now, OVERLAP)
    previous = seen.since
    request = ListRequest(api, "/sync-runs",
                          {"finished_since": api_timestamp(seen.poll_from)}, MAX_PAGE_SIZE)
    items = []
    for page in BY_FINISHED.pages(request):
        for run in page:
            finished = _stamp(run, "finished_at")
            if finished is None or not seen.take(str(run["id"]), finished):
                continue
            if run.get("status") != "finished":
                continue
            items.append(FeedItem(
                key=f"{conn.name}:sync_run:{run['id']}",
                start=min(previous, finished - CART_LOOKBACK), end=finished,
                carried=(f"sync run {run['id']} ({run.get('kind', '?')})",),
                happened_at=finished,
            ))
            previous = finished
    return FeedPoll(tuple(items), seen.dump())

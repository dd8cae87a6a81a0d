"""The shop site's streams, declared as data: registered customers, orders and abandoned
carts, each walked in ``(modified_at, id)`` order from ``modified_since`` (customers and
orders with ``modified_until`` too; the carts list has no upper filter).

SS3 is kept here, in the source, for every path that lands carts (the sensor, the
schedule, manual and historical syncs): a cart is visible only once a back-office sync
run has finished after its last change, so the walk's upper bound is narrowed to the
newest finished run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ecom_sync.sources.http import ApiClient
from ecom_sync.sources.landing import utc_ts
from ecom_sync.sources.paginators import ListRequest
from ecom_sync.sources.shopsite.client import (
    BY_FINISHED,
    BY_MODIFIED,
    MAX_PAGE_SIZE,
    api_timestamp,
)
from ecom_sync.sources.stream import Stream, StreamRun, bounds

MODIFIED = bounds("modified_since", "modified_until", api_timestamp)


def modified_since(lo: datetime, hi: datetime) -> dict[str, Any]:
    """The carts list filters from below only; the base stream keeps ``<= upper``."""
    return {"modified_since": api_timestamp(lo)}


def newest_finished_sync(api: ApiClient, since: datetime,
                         first_only: bool = False) -> datetime | None:
    """The newest ``finished_at`` of the back-office sync runs that finished (status
    ``finished``; a failed run hands nothing over) since ``since``; with ``first_only``
    the first one found (enough to know there is one)."""
    request = ListRequest(api, "/sync-runs", {"finished_since": api_timestamp(since)},
                          MAX_PAGE_SIZE)
    newest: datetime | None = None
    for page in BY_FINISHED.pages(request):
        for run in page:
            if run.get("status") != "finished" or not run.get("finished_at"):
                continue
            finished = utc_ts(run["finished_at"])
            newest = finished if newest is None else max(newest, finished)
            if first_only:
                return newest
    return newest


def handed_over_only(run: StreamRun) -> None:
    """SS3: narrow the walk to carts changed up to the newest finished back-office sync.
    One request when a sync finished after the walk's upper bound (nothing to narrow),
    else the runs since the window's start; none finished since then: nothing to land."""
    if newest_finished_sync(run.api, run.upper, first_only=True):
        return
    newest = newest_finished_sync(run.api, run.window.start)
    run.upper = newest if newest is not None else run.window.start - timedelta(microseconds=1)


STREAMS = (
    Stream("customers", ("id",), "modified_at", "shopsite_customers",
           "Registered customers (the site's newsletter flag is not exposed: consent is the "
           "marketing tool's, C5)",
           path="/customers", window_params=MODIFIED, paginator=BY_MODIFIED,
           max_page_size=MAX_PAGE_SIZE),
    Stream("orders", ("id",), "modified_at", "shopsite_orders",
           "Orders of registered customers and guests with their lines, sent as soon as "
           "they are placed (SS2)",
           path="/orders", window_params=MODIFIED, paginator=BY_MODIFIED,
           max_page_size=MAX_PAGE_SIZE),
    Stream("abandoned_carts", ("id",), "modified_at", "shopsite_abandoned_carts",
           "Abandoned carts of registered users with their recovery URL, handed over at the "
           "end of each back-office sync (SS3)",
           path="/carts", params={"abandoned": "true"}, window_params=modified_since,
           paginator=BY_MODIFIED, max_page_size=MAX_PAGE_SIZE, check=handed_over_only),
)

"""Square's streams, declared as data: payments and orders of the connection's location,
the merchant's customers and catalog items.

- Payments (ListPayments, GET): walked by ``updated_at`` so refunds of old payments come
  back; ``begin_time`` (on ``created_at``) is always sent, from the connection's first
  day, or Square silently stops at one year; ``location_id`` is always sent, or Square
  answers for the main location only (specs/sources.md 3.9).
- Orders (SearchOrders, POST): the payments' line items; ``location_ids`` and a
  ``date_time_filter.updated_at`` with the matching sort.
- Customers (SearchCustomers, POST): every customer of the merchant by ``updated_at``
  range; Square cannot sort them by it, so an expired cursor walks the window again.
- Items (SearchCatalogObjects, POST): ``begin_time`` is exclusive and has no end, so the
  walk asks from just before the window and the base stream keeps ``[start, end)``;
  images and categories come as related objects.

Late data: customer search lags up to a minute, payments seconds, offline POS orders up
to 72 hours with their original stamps; each walk starts that much before its window
(``lookback``) and staging keeps one version per key (the newest, then the highest
``version``).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.http import SourceError
from ecom_sync.sources.paginators import Record
from ecom_sync.sources.square.client import CURSOR, api_timestamp
from ecom_sync.sources.square.config import SquareConnection
from ecom_sync.sources.stream import Stream, StreamRun

MAX_RESTARTS = 5  # cursors live about five minutes
ORDER_STATES = ["OPEN", "COMPLETED", "CANCELED"]  # DRAFT orders were never placed
PAYMENTS_LATE = timedelta(minutes=10)  # eventually consistent: seconds
CUSTOMERS_LATE = timedelta(minutes=10)  # the search index lags up to about a minute
ORDERS_LATE = timedelta(hours=72)  # offline POS orders arrive up to 72 h late


def square(conn: ConnectionConfig) -> SquareConnection:
    assert isinstance(conn, SquareConnection)
    return conn


def require_location(run: StreamRun) -> None:
    """SQ1: the connection's location must be one of the merchant's, or every walk would
    quietly come back empty (or, for payments, fall back to another location)."""
    conn = square(run.conn)
    locations = run.api.get("/v2/locations").json().get("locations") or []
    if any(loc.get("id") == conn.location_id for loc in locations):
        return
    known = ", ".join(f"{loc.get('id')} ({loc.get('name')})" for loc in locations) or "none"
    raise SourceError(
        f"Square location '{conn.name}': location_id {conn.location_id} is not a location "
        f"of the merchant this token belongs to (its locations: {known}); fix location_id "
        "or the token"
    )


def payments_scope(conn: ConnectionConfig) -> list[dict[str, Any]]:
    """Always the connection's location, and ``begin_time`` from its first day: without
    them Square answers for the main location and the last year only."""
    conn = square(conn)
    first_day = datetime.combine(conn.history_start, time(), UTC)
    return [{"location_id": conn.location_id, "begin_time": api_timestamp(first_day)}]


def payments_updated(lo: datetime, hi: datetime) -> dict[str, Any]:
    return {"updated_at_begin_time": api_timestamp(lo), "updated_at_end_time": api_timestamp(hi),
            "end_time": api_timestamp(hi)}


def orders_scope(conn: ConnectionConfig) -> list[dict[str, Any]]:
    return [{"location_ids": [square(conn).location_id]}]


def orders_updated(lo: datetime, hi: datetime) -> dict[str, Any]:
    """One range, sorted by the field it filters on (Square refuses any other sort)."""
    return {"query": {
        "filter": {"date_time_filter": {"updated_at": {"start_at": api_timestamp(lo),
                                                       "end_at": api_timestamp(hi)}},
                   "state_filter": {"states": ORDER_STATES}},
        "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
    }}


def customers_updated(lo: datetime, hi: datetime) -> dict[str, Any]:
    return {"query": {
        "filter": {"updated_at": {"start_at": api_timestamp(lo), "end_at": api_timestamp(hi)}},
        "sort": {"field": "CREATED_AT", "order": "ASC"},
    }}


def items_since(lo: datetime, hi: datetime) -> dict[str, Any]:
    """``begin_time`` is exclusive: a millisecond before the window takes an item stamped
    exactly at its start. No upper bound exists; the base stream filters it."""
    return {"begin_time": api_timestamp(lo - timedelta(milliseconds=1))}


def items_with_related(body: Any) -> list[Record]:
    """The page's ITEM objects, each with its images (IMAGE objects: ``image_data.url``)
    and categories (CATEGORY objects: ``category_data.name``) from ``related_objects``,
    as ``_images`` and ``_categories``."""
    related = {o.get("id"): o for o in body.get("related_objects") or []}
    items = []
    for obj in body.get("objects") or []:
        if obj.get("type") != "ITEM":
            continue
        data = obj.get("item_data") or {}
        category_ids = [c.get("id") for c in data.get("categories") or []]
        category_ids += [data["category_id"]] if data.get("category_id") else []
        images = [related[i] for i in data.get("image_ids") or [] if i in related]
        categories = [related[i] for i in category_ids if i in related]
        items.append({
            **obj,
            "_images": [{"id": i["id"], "url": (i.get("image_data") or {}).get("url")}
                        for i in images],
            "_categories": [{"id": c["id"], "name": (c.get("category_data") or {}).get("name")}
                            for c in categories],
        })
    return items


STREAMS = (
    Stream("payments", ("id",), "updated_at", "square_payments",
           "Payments at the location (with their Square customer, receipt URL and refunds)",
           path="/v2/payments", records="payments", paginator=CURSOR,
           params={"sort_field": "UPDATED_AT", "sort_order": "ASC"},
           slices=payments_scope, window_params=payments_updated, max_page_size=100,
           restarts=MAX_RESTARTS, lookback=PAYMENTS_LATE, check=require_location),
    Stream("orders", ("id",), "updated_at", "square_orders",
           "Orders at the location: the payments' line items",
           path="/v2/orders/search", method="POST", records="orders", paginator=CURSOR,
           params={"return_entries": False}, slices=orders_scope,
           window_params=orders_updated, max_page_size=1000, restarts=MAX_RESTARTS,
           lookback=ORDERS_LATE, version_field="version", check=require_location),
    Stream("customers", ("id",), "updated_at", "square_customers",
           "The merchant's customers (all of them, those who never paid too)",
           path="/v2/customers/search", method="POST", records="customers",
           paginator=CURSOR, window_params=customers_updated, max_page_size=100,
           restarts=MAX_RESTARTS, sorted_by_cursor=False, lookback=CUSTOMERS_LATE,
           version_field="version", check=require_location),
    Stream("items", ("id",), "updated_at", "square_items",
           "Catalog items with variations, images and categories (deleted ones flagged)",
           path="/v2/catalog/search", method="POST", records=items_with_related,
           paginator=CURSOR, window_params=items_since, max_page_size=1000,
           params={"object_types": ["ITEM"], "include_deleted_objects": True,
                   "include_related_objects": True},
           restarts=MAX_RESTARTS, sorted_by_cursor=False, version_field="version",
           check=require_location),
)

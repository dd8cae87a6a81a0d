"""The Square v2 endpoints the sync reads, over one merchant's data (specs/sources.md 3.2-3.8).

Each handler takes the merchant, the request's query (GET) or JSON body (POST) and a
:class:`Ctx`, and returns the response body or raises :class:`ApiError`. Lists are served
in a stable order and paged by a keyset cursor (``cursors.py``): a page of ``limit``
records always carries a cursor, even when nothing is left ("cursor then empty page");
an empty result is ``{}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ecom_sandbox.square.cursors import CursorCodec, Position
from ecom_sandbox.square.merchant import MerchantData, Record
from ecom_sandbox.square.wire import ApiError, parse_time, render, rfc3339

DEFAULT_LOOKBACK = timedelta(days=365)  # ListPayments' begin_time when none is sent
PAYMENT_PARAMS = frozenset({
    "begin_time", "end_time", "sort_order", "cursor", "location_id", "total", "last_4",
    "card_brand", "limit", "is_offline_payment", "offline_begin_time", "offline_end_time",
    "updated_at_begin_time", "updated_at_end_time", "sort_field",
})
PAYMENT_SORT = {"CREATED_AT": "created_at", "UPDATED_AT": "updated_at",
                "OFFLINE_CREATED_AT": "_offline_created_at"}
ORDER_STATES = frozenset({"OPEN", "COMPLETED", "CANCELED", "DRAFT"})
ORDER_TIME_FIELDS = {"created_at": "CREATED_AT", "updated_at": "UPDATED_AT",
                     "closed_at": "CLOSED_AT"}
SortKey = Callable[[Record], list[str]]


@dataclass
class Ctx:
    """What a handler needs besides the merchant: the clock, the cursor codec and how long
    changes take to become visible (eventual consistency, seconds per kind)."""

    now: datetime
    cursors: CursorCodec
    lag_s: dict[str, float]

    def visible(self, kind: str, records: Iterable[Record], now: datetime) -> list[Record]:
        lag = timedelta(seconds=self.lag_s.get(kind, 0.0))
        return [r for r in records if r["updated_at"] <= now - lag]


# ----- shared checks ---------------------------------------------------------------------
def known_fields(given: Iterable[str], allowed: frozenset[str], where: str | None = None
                 ) -> None:
    """Refuse what the endpoint does not know: a query parameter (``where`` None) or a
    body field under ``where`` (``""`` for the top level)."""
    for name in given:
        if name in allowed:
            continue
        if where is None:
            raise ApiError(400, "UNKNOWN_QUERY_PARAMETER", f"Unknown query parameter `{name}`.",
                           name)
        raise ApiError(400, "BAD_REQUEST", f"Unrecognized field `{where}{name}`.",
                       f"{where}{name}")


def enum(value: Any, allowed: Iterable[str], field: str, default: str) -> str:
    if value is None:
        return default
    if value not in allowed:
        raise ApiError(400, "INVALID_ENUM_VALUE", f"`{value}` is not a valid value for "
                       f"{field}; expected one of {sorted(allowed)}.", field)
    return str(value)


def bounded_limit(value: Any, field: str, default: int, high: int) -> int:
    """A limit Square refuses outside ``1..high`` (VALUE_TOO_LOW / VALUE_TOO_HIGH)."""
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(400, "EXPECTED_INTEGER", f"Expected an integer for {field}.", field)
    if value < 1:
        raise ApiError(400, "VALUE_TOO_LOW", f"{field} must be at least 1.", field)
    if value > high:
        raise ApiError(400, "VALUE_TOO_HIGH", f"{field} must be at most {high}.", field)
    return value


def lenient_limit(value: Any, default: int, high: int) -> int:
    """A limit Square ignores when out of range (ListPayments, catalog search)."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return default
    return n if 1 <= n <= high else default


def time_range(raw: Any, field: str, now: datetime) -> tuple[datetime | None, datetime]:
    """A ``{start_at, end_at}`` TimeRange, inclusive; a missing end is ``now`` (frozen)."""
    if not isinstance(raw, dict):
        raise ApiError(400, "BAD_REQUEST", f"{field} must be an object.", field)
    known_fields(raw, frozenset({"start_at", "end_at"}), f"{field}.")
    start = parse_time(raw["start_at"], f"{field}.start_at") if raw.get("start_at") else None
    end = parse_time(raw["end_at"], f"{field}.end_at") if raw.get("end_at") else now
    if start is not None and start > end:
        raise ApiError(400, "INVALID_TIME_RANGE", f"{field}.start_at is after end_at.", field)
    return start, end


def stamp(record: Record, field: str) -> str:
    value = record.get(field)
    return rfc3339(value) if isinstance(value, datetime) else ""


def keyset_page(
    endpoint: str, query: dict[str, Any], position: Position | None, frozen: dict[str, str],
    records: list[Record], key: SortKey, descending: bool, limit: int, ctx: Ctx,
) -> tuple[list[Record], str | None]:
    """One page after the cursor's position; a full page always gets a cursor."""
    rows = sorted(records, key=key, reverse=descending)
    if position is not None:
        after = position.after
        rows = [r for r in rows if (key(r) < after if descending else key(r) > after)]
    page = rows[:limit]
    cursor = None
    if page and len(page) == limit:
        cursor = ctx.cursors.encode(endpoint, query, Position(key(page[-1]), frozen))
    return page, cursor


def start(endpoint: str, query: dict[str, Any], ctx: Ctx) -> tuple[Position | None,
                                                                    dict[str, str], datetime]:
    """The walk's position and its frozen "now" (the first request's)."""
    position = ctx.cursors.decode(query["cursor"], endpoint, query) if query.get("cursor") \
        else None
    frozen = position.frozen if position else {"now": rfc3339(ctx.now)}
    return position, frozen, parse_time(frozen["now"], "cursor")


def listing(key: str, page: list[Record], cursor: str | None, **extra: Any) -> Record:
    out: Record = {key: render(page)} if page else {}
    if cursor:
        out["cursor"] = cursor
    out.update({k: v for k, v in extra.items() if v})
    return out


# ----- endpoints -------------------------------------------------------------------------
def list_locations(m: MerchantData) -> Record:
    """Every location, INACTIVE ones too, alphabetically; not paginated."""
    return {"locations": render(sorted(m.locations.values(), key=lambda r: r["name"]))}


def list_payments(m: MerchantData, params: dict[str, str], ctx: Ctx) -> Record:
    """ListPayments: ``begin_time`` defaults to a year ago and the location to the main
    one; bounds inclusive; ``limit`` above 100 is served as 100; sort DESC by default."""
    known_fields(params, PAYMENT_PARAMS)
    position, frozen, now = start("payments", params, ctx)
    begin = parse_time(params["begin_time"], "begin_time") if params.get("begin_time") \
        else now - DEFAULT_LOOKBACK
    end = parse_time(params["end_time"], "end_time") if params.get("end_time") else now
    updated_from = (parse_time(params["updated_at_begin_time"], "updated_at_begin_time")
                    if params.get("updated_at_begin_time") else None)
    updated_to = (parse_time(params["updated_at_end_time"], "updated_at_end_time")
                  if params.get("updated_at_end_time") else None)
    if begin > end:
        raise ApiError(400, "INVALID_TIME_RANGE", "begin_time is after end_time.", "begin_time")
    location = params.get("location_id") or m.main_location
    if location not in m.locations:
        raise ApiError(404, "NOT_FOUND", f"Location `{location}` not found.", "location_id")
    sort = PAYMENT_SORT[enum(params.get("sort_field"), PAYMENT_SORT, "sort_field", "CREATED_AT")]
    descending = enum(params.get("sort_order"), ("ASC", "DESC"), "sort_order", "DESC") == "DESC"
    rows = [
        p for p in ctx.visible("payments", m.payments.values(), now)
        if p["location_id"] == location and begin <= p["created_at"] <= end
        and (updated_from is None or p["updated_at"] >= updated_from)
        and (updated_to is None or p["updated_at"] <= updated_to)
        and (sort != "_offline_created_at" or p.get(sort) is not None)
    ]
    page, cursor = keyset_page("payments", params, position, frozen, rows,
                               lambda r: [stamp(r, sort), r["id"]], descending,
                               lenient_limit(params.get("limit"), 100, 100), ctx)
    return listing("payments", page, cursor)


def search_orders(m: MerchantData, body: dict[str, Any], ctx: Ctx) -> Record:
    """SearchOrders: 1-10 ``location_ids``; one date range, sorted by the field it filters
    on; inclusive bounds; a missing ``end_at`` is the first request's time."""
    known_fields(body, frozenset({"location_ids", "cursor", "query", "limit",
                                  "return_entries"}), "")
    locations = body.get("location_ids") or []
    if not locations:
        raise ApiError(400, "MISSING_REQUIRED_PARAMETER", "Field must be set.",
                       "location_ids")
    if len(locations) > 10:
        raise ApiError(400, "BAD_REQUEST", "Cannot provide more than 10 location_ids.",
                       "location_ids")
    for loc in locations:
        if loc not in m.locations:
            raise ApiError(404, "NOT_FOUND", f"Location `{loc}` not found.", "location_ids")
    position, frozen, now = start("orders", body, ctx)
    query = body.get("query") or {}
    known_fields(query, frozenset({"filter", "sort"}), "query.")
    filters = query.get("filter") or {}
    known_fields(filters, frozenset({"state_filter", "date_time_filter", "customer_filter",
                                     "fulfillment_filter", "source_filter"}), "query.filter.")
    dates = filters.get("date_time_filter") or {}
    known_fields(dates, frozenset(ORDER_TIME_FIELDS), "query.filter.date_time_filter.")
    if len(dates) > 1:
        raise ApiError(400, "BAD_REQUEST", "Only one of created_at, updated_at and closed_at "
                       "may be set in date_time_filter.", "query.filter.date_time_filter")
    sort = query.get("sort") or {}
    known_fields(sort, frozenset({"sort_field", "sort_order"}), "query.sort.")
    sort_field = enum(sort.get("sort_field"), ORDER_TIME_FIELDS.values(),
                      "query.sort.sort_field", "CREATED_AT")
    descending = enum(sort.get("sort_order"), ("ASC", "DESC"), "query.sort.sort_order",
                      "DESC") == "DESC"
    field = next(iter(dates), None)
    if field is not None and ORDER_TIME_FIELDS[field] != sort_field:
        raise ApiError(400, "BAD_REQUEST", f"query.sort.sort_field must be "
                       f"{ORDER_TIME_FIELDS[field]} when filtering on {field}.",
                       "query.sort.sort_field")
    lo, hi = time_range(dates[field], f"query.filter.date_time_filter.{field}", now) \
        if field else (None, now)
    states = (filters.get("state_filter") or {}).get("states")
    for state in states or []:
        enum(state, ORDER_STATES, "query.filter.state_filter.states", "OPEN")
    customers = set((filters.get("customer_filter") or {}).get("customer_ids") or [])
    time_key = sort_field.lower()
    rows = [
        o for o in m.orders.values()
        if o["location_id"] in locations
        and (o["state"] in states if states else o["state"] != "DRAFT")
        and (not customers or o.get("customer_id") in customers)
        and (field is None or (o.get(field) is not None and (lo is None or o[field] >= lo)
                               and o[field] <= hi))
    ]
    limit = bounded_limit(body.get("limit"), "limit", 500, 1000)
    page, cursor = keyset_page("orders", body, position, frozen, rows,
                               lambda r: [stamp(r, time_key), r["id"]], descending, limit, ctx)
    if body.get("return_entries"):
        entries = [{"order_id": o["id"], "version": o["version"],
                    "location_id": o["location_id"]} for o in page]
        return {k: v for k, v in (("order_entries", entries), ("cursor", cursor)) if v}
    return listing("orders", page, cursor)


def _customer_sort(field: str) -> SortKey:
    if field == "CREATED_AT":
        return lambda c: [stamp(c, "created_at"), c["id"]]
    return lambda c: [(c.get("given_name") or "").lower(), (c.get("family_name") or "").lower(),
                      stamp(c, "created_at"), c["id"]]


def search_customers(m: MerchantData, body: dict[str, Any], ctx: Ctx) -> Record:
    """SearchCustomers: ``created_at`` / ``updated_at`` ranges (inclusive), sort by DEFAULT
    or CREATED_AT only, ``limit`` 1-100; ``{}`` when nothing matches."""
    known_fields(body, frozenset({"cursor", "limit", "query", "count"}), "")
    limit = bounded_limit(body.get("limit"), "limit", 100, 100)
    position, frozen, now = start("customers", body, ctx)
    query = body.get("query") or {}
    known_fields(query, frozenset({"filter", "sort"}), "query.")
    filters = query.get("filter") or {}
    known_fields(filters, frozenset({"created_at", "updated_at", "email_address",
                                     "creation_source", "group_ids", "phone_number",
                                     "reference_id", "segment_ids"}), "query.filter.")
    sort = query.get("sort") or {}
    known_fields(sort, frozenset({"field", "order"}), "query.sort.")
    field = enum(sort.get("field"), ("DEFAULT", "CREATED_AT"), "query.sort.field", "DEFAULT")
    descending = enum(sort.get("order"), ("ASC", "DESC"), "query.sort.order", "ASC") == "DESC"
    ranges = {name: time_range(filters[name], f"query.filter.{name}", now)
              for name in ("created_at", "updated_at") if name in filters}
    email = filters.get("email_address") or {}
    rows = [c for c in ctx.visible("customers", m.customers.values(), now)
            if all((lo is None or c[name] >= lo) and c[name] <= hi
                   for name, (lo, hi) in ranges.items())
            and _email_matches(c.get("email_address"), email)]
    page, cursor = keyset_page("customers", body, position, frozen, rows, _customer_sort(field),
                               descending, limit, ctx)
    return listing("customers", page, cursor, count=len(rows) if body.get("count") else None)


def _email_matches(address: str | None, rule: dict[str, str]) -> bool:
    if not rule:
        return True
    value = (address or "").strip().lower()
    if rule.get("exact"):
        return value == rule["exact"].strip().lower()
    return bool(rule.get("fuzzy")) and rule["fuzzy"].strip().lower() in value


def list_customers(m: MerchantData, params: dict[str, str], ctx: Ctx) -> Record:
    """ListCustomers: no time filter; only profiles with a name, company, e-mail or
    phone; sort DEFAULT or CREATED_AT, ascending by default; ``limit`` 1-100."""
    known_fields(params, frozenset({"cursor", "limit", "sort_field", "sort_order", "count"}))
    try:
        limit = bounded_limit(int(params["limit"]) if "limit" in params else None,
                              "limit", 100, 100)
    except ValueError:
        raise ApiError(400, "EXPECTED_INTEGER", "Expected an integer for limit.",
                       "limit") from None
    position, frozen, now = start("customers_list", params, ctx)
    field = enum(params.get("sort_field"), ("DEFAULT", "CREATED_AT"), "sort_field", "DEFAULT")
    descending = enum(params.get("sort_order"), ("ASC", "DESC"), "sort_order", "ASC") == "DESC"
    rows = [c for c in ctx.visible("customers", m.customers.values(), now)
            if any(c.get(k) for k in ("given_name", "family_name", "company_name",
                                      "email_address", "phone_number"))]
    page, cursor = keyset_page("customers_list", params, position, frozen, rows,
                               _customer_sort(field), descending, limit, ctx)
    return listing("customers", page, cursor)


def search_catalog(m: MerchantData, body: dict[str, Any], ctx: Ctx) -> Record:
    """SearchCatalogObjects: ``begin_time`` exclusive and no end; deleted objects only
    with ``include_deleted_objects``; an item's images and categories as
    ``related_objects``; ``latest_time``. Served by ``updated_at`` (a stand-in choice)."""
    known_fields(body, frozenset({"cursor", "object_types", "include_deleted_objects",
                                  "include_related_objects", "begin_time", "query", "limit",
                                  "include_category_path_to_root"}), "")
    if body.get("query"):
        raise ApiError(400, "BAD_REQUEST", "The stand-in does not support catalog queries.",
                       "query")
    position, frozen, _now = start("catalog", body, ctx)
    types = set(body.get("object_types") or ["ITEM", "ITEM_VARIATION", "CATEGORY", "IMAGE"])
    begin = parse_time(body["begin_time"], "begin_time") if body.get("begin_time") else None
    deleted = bool(body.get("include_deleted_objects"))
    rows = [o for o in m.catalog.values()
            if o["type"] in types and (deleted or not o.get("is_deleted"))
            and (begin is None or o["updated_at"] > begin)]
    page, cursor = keyset_page("catalog", body, position, frozen, rows,
                               lambda r: [stamp(r, "updated_at"), r["id"]], False,
                               lenient_limit(body.get("limit"), 100, 1000), ctx)
    related: dict[str, Record] = {}
    if body.get("include_related_objects"):
        for item in (o for o in page if o["type"] == "ITEM"):
            data = item["item_data"]
            for ref in [c["id"] for c in data.get("categories", [])] + data.get("image_ids", []):
                if ref in m.catalog:
                    related.setdefault(ref, m.catalog[ref])
    latest = max((o["updated_at"] for o in m.catalog.values()), default=None)
    return listing("objects", page, cursor, related_objects=render(list(related.values())),
                   latest_time=rfc3339(latest) if latest else None)

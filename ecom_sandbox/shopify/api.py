"""The REST resources: list (Link-paged), count and single-record handlers, and filters.

Choices where sources.md marks [?] (documented in the package ``README``):
default sort ``id desc`` (``id asc`` with ``since_id``); ``order=<id|created_at|updated_at>
<asc|desc>`` accepted; ``limit`` outside 1..250 → 400 (``Settings.clamp_limit`` clamps
instead); invalid filter values → 400 ``{"errors":{"<param>":"Invalid value."}}``;
naive timestamps in filters are read in the shop's offset; unknown parameters are ignored
(but still refused next to ``page_info``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ecom_sandbox.shopify.paging import Cursor, InvalidPageInfo, PageInfoCodec, link_header
from ecom_sandbox.shopify.render import Renderer, only_fields
from ecom_sandbox.shopify.shop import Record, ShopData

Predicate = Callable[[Record], bool]
ErrorsBody = str | list[str] | dict[str, Any]

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
PAGING_PARAMS = ("limit", "fields", "page_info")


class ApiError(Exception):
    def __init__(self, status: int, errors: ErrorsBody) -> None:
        super().__init__(str(errors))
        self.status = status
        self.errors = errors


def invalid(param: str) -> ApiError:
    return ApiError(400, {param: "Invalid value."})


@dataclass(frozen=True)
class Resource:
    name: str
    singular: str
    scope: str | None
    paged: bool = True
    countable: bool = True
    single: bool = True


RESOURCES: dict[str, Resource] = {r.name: r for r in (
    Resource("customers", "customer", "read_customers"),
    Resource("orders", "order", "read_orders"),
    Resource("products", "product", "read_products"),
    Resource("checkouts", "checkout", "read_orders", single=False),
    Resource("locations", "location", "read_locations", paged=False),
    Resource("events", "event", None, countable=True),
)}


@dataclass
class Ctx:
    shop: ShopData
    scopes: frozenset[str]
    params: list[tuple[str, str]]  # in request order
    version: str  # served
    list_url: str  # absolute URL of the list endpoint (for Link)
    now: datetime
    codec: PageInfoCodec
    clamp_limit: bool
    order_window_days: int

    @property
    def renderer(self) -> Renderer:
        return Renderer(self.shop, self.version)

    def param(self, name: str) -> str | None:
        values = [v for k, v in self.params if k == name]
        return values[-1] if values else None


# ----- parsing ------------------------------------------------------------------------
def parse_when(raw: str, tz: timezone, param: str) -> datetime:
    """ISO 8601 with offset or ``Z``; naive values (``2024-04-01 14:27:15``, date only)
    are taken in the shop's offset."""
    text = raw.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise invalid(param) from exc
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def parse_int(raw: str, param: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise invalid(param) from exc


def parse_limit(ctx: Ctx) -> int:
    raw = ctx.param("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    limit = parse_int(raw, "limit")
    if 1 <= limit <= MAX_LIMIT:
        return limit
    if ctx.clamp_limit:
        return max(1, min(MAX_LIMIT, limit))
    raise ApiError(400, {"limit": f"limit must be between 1 and {MAX_LIMIT}."})


def _csv(raw: str) -> list[str]:
    return [p.strip() for p in raw.split(",") if p.strip()]


ORDER_STATUS: dict[str, Predicate] = {
    "open": lambda o: o["closed_at"] is None and o["cancelled_at"] is None,
    "closed": lambda o: o["closed_at"] is not None,
    "cancelled": lambda o: o["cancelled_at"] is not None,
    "any": lambda o: True,
}
CHECKOUT_STATUS: dict[str, Predicate] = {
    "open": lambda c: c["completed_at"] is None and c["closed_at"] is None,
    "closed": lambda c: c["completed_at"] is not None or c["closed_at"] is not None,
    "any": lambda c: True,
}
FINANCIAL: dict[str, set[str] | None] = {
    "any": None, "unpaid": {"pending", "authorized", "partially_paid"},
    **{s: {s} for s in ("pending", "authorized", "partially_paid", "paid",
                        "partially_refunded", "refunded", "voided")},
}
FULFILLMENT: dict[str, set[str | None] | None] = {
    "any": None, "shipped": {"fulfilled"}, "partial": {"partial"}, "unshipped": {None},
    "unfulfilled": {None, "partial"},
}


def predicates(resource: str, filters: dict[str, str], ctx: Ctx) -> list[Predicate]:
    tz = ctx.shop.tz
    preds: list[Predicate] = []

    def rng(field_name: str, low: str, high: str) -> None:
        for param, is_low in ((low, True), (high, False)):
            raw = filters.get(param)
            if raw is None or raw == "":
                continue
            bound = parse_when(raw, tz, param)
            if is_low:
                preds.append(lambda r, b=bound: r.get(field_name) is not None
                             and r[field_name] >= b)
            else:
                preds.append(lambda r, b=bound: r.get(field_name) is not None
                             and r[field_name] <= b)

    if filters.get("ids"):
        ids = {parse_int(i, "ids") for i in _csv(filters["ids"])}
        preds.append(lambda r: r["id"] in ids)
    if filters.get("since_id"):
        since = parse_int(filters["since_id"], "since_id")
        preds.append(lambda r: r["id"] > since)
    rng("created_at", "created_at_min", "created_at_max")
    if resource != "events":
        rng("updated_at", "updated_at_min", "updated_at_max")
    if resource == "orders":
        rng("processed_at", "processed_at_min", "processed_at_max")
        status = filters.get("status") or "open"
        if status not in ORDER_STATUS:
            raise invalid("status")
        preds.append(ORDER_STATUS[status])
        fin = filters.get("financial_status") or "any"
        if fin not in FINANCIAL:
            raise invalid("financial_status")
        if (fin_set := FINANCIAL[fin]) is not None:
            preds.append(lambda o: o["financial_status"] in fin_set)
        ful = filters.get("fulfillment_status") or "any"
        if ful not in FULFILLMENT:
            raise invalid("fulfillment_status")
        if (ful_set := FULFILLMENT[ful]) is not None:
            preds.append(lambda o: o["fulfillment_status"] in ful_set)
    if resource == "checkouts":
        status = filters.get("status") or "open"
        if status not in CHECKOUT_STATUS:
            raise invalid("status")
        preds.append(CHECKOUT_STATUS[status])
    if resource == "products":
        rng("published_at", "published_at_min", "published_at_max")
        for param in ("vendor", "product_type", "title"):
            if filters.get(param):
                preds.append(lambda p, k=param, v=filters[param]: p[k] == v)
        if filters.get("handle"):
            handles = set(_csv(filters["handle"]))
            preds.append(lambda p: p["handle"] in handles)
        if filters.get("status"):
            statuses = set(_csv(filters["status"]))
            preds.append(lambda p: p["status"] in statuses)
        published = filters.get("published_status") or "any"
        if published == "published":
            preds.append(lambda p: p["published_at"] is not None)
        elif published == "unpublished":
            preds.append(lambda p: p["published_at"] is None)
    if resource == "events":
        if filters.get("filter"):
            subjects = set(_csv(filters["filter"]))
            preds.append(lambda e: e["subject_type"] in subjects)
        if filters.get("verb"):
            verbs = set(_csv(filters["verb"]))
            preds.append(lambda e: e["verb"] in verbs)
    return preds


def visible(resource: str, ctx: Ctx) -> list[Record]:
    """Every record of ``resource`` the token may see (the 60-day order window)."""
    records = list(getattr(ctx.shop, resource).values())
    if resource == "orders" and "read_all_orders" not in ctx.scopes:
        cutoff = ctx.now - timedelta(days=ctx.order_window_days)
        records = [o for o in records if o["created_at"] >= cutoff]
    return records


SORTABLE = ("id", "created_at", "updated_at")


def parse_order(filters: dict[str, str]) -> str:
    raw = filters.get("order")
    if raw is None or raw.strip() == "":
        return "id asc" if filters.get("since_id") else "id desc"
    parts = raw.replace("+", " ").split()
    if len(parts) == 1:
        parts.append("asc")
    if len(parts) != 2 or parts[0] not in SORTABLE or parts[1].lower() not in ("asc", "desc"):
        raise invalid("order")
    return f"{parts[0]} {parts[1].lower()}"


def _key_value(record: Record, field_name: str) -> Any:
    return record[field_name]


def _value_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _value_parse(text: str, field_name: str) -> Any:
    return int(text) if field_name == "id" else datetime.fromisoformat(text)


# ----- handlers ------------------------------------------------------------------------
def list_page(resource: str, ctx: Ctx) -> tuple[dict[str, Any], dict[str, str]]:
    """``({"<resource>": [...]}, headers)`` for a list request (``Link`` when paged)."""
    limit = parse_limit(ctx)
    fields = ctx.param("fields")
    page_info = ctx.param("page_info")
    cursor: Cursor | None = None
    if page_info is not None:
        for name, _ in ctx.params:
            if name not in PAGING_PARAMS:
                raise ApiError(400, {name: f"{name} cannot be passed when page_info is "
                                           "present."})
        try:
            cursor = ctx.codec.decode(page_info, resource)
        except InvalidPageInfo as exc:
            raise invalid("page_info") from exc
        filters, order = cursor.filters, cursor.order
    else:
        filters = {k: v for k, v in ctx.params if k not in PAGING_PARAMS}
        order = parse_order(filters)
    preds = predicates(resource, filters, ctx)
    records = [r for r in visible(resource, ctx) if all(p(r) for p in preds)]
    renderer = ctx.renderer
    if not RESOURCES[resource].paged:
        return {resource: [only_fields(renderer.render(resource, r), fields)
                           for r in records]}, {}
    field_name, direction = order.split()
    desc = direction == "desc"

    def key(r: Record) -> tuple[Any, int]:
        return (_key_value(r, field_name), r["id"])

    records.sort(key=key, reverse=desc)

    def after(a: tuple[Any, int], b: tuple[Any, int]) -> bool:
        return a < b if desc else a > b

    if cursor is not None:
        anchor = (_value_parse(cursor.last_value, field_name), cursor.last_id)
        if cursor.direction == "next":
            page = [r for r in records if after(key(r), anchor)][:limit]
        else:
            page = [r for r in records if after(anchor, key(r))][-limit:]
    else:
        page = records[:limit]
    prev_token = next_token = None
    if page:
        first, last = key(page[0]), key(page[-1])
        if any(after(first, key(r)) for r in records):
            prev_token = ctx.codec.encode(Cursor(resource, "prev", first[1],
                                                 _value_text(first[0]), order, filters))
        if any(after(key(r), last) for r in records):
            next_token = ctx.codec.encode(Cursor(resource, "next", last[1],
                                                 _value_text(last[0]), order, filters))
    headers: dict[str, str] = {}
    link = link_header(ctx.list_url, limit, fields, prev_token, next_token)
    if link:
        headers["Link"] = link
    body = {resource: [only_fields(renderer.render(resource, r), fields) for r in page]}
    return body, headers


def count(resource: str, ctx: Ctx) -> dict[str, int]:
    filters = {k: v for k, v in ctx.params if k not in PAGING_PARAMS and k != "order"}
    preds = predicates(resource, filters, ctx)
    return {"count": sum(1 for r in visible(resource, ctx) if all(p(r) for p in preds))}


def single(resource: str, record_id: int, ctx: Ctx) -> dict[str, Any]:
    found = next((r for r in visible(resource, ctx) if r["id"] == record_id), None)
    if found is None:
        raise ApiError(404, "Not Found")
    rendered = ctx.renderer.render(resource, found)
    return {RESOURCES[resource].singular: only_fields(rendered, ctx.param("fields"))}

"""The shop-site API's reads (specs/shopsite.md): filters, ``(modified_at, id)`` order,
``page``/``per_page`` with ``meta``, the wire format (timestamps in the site's offset,
``_`` keys hidden) and the error bodies. Functions run under the sandbox lock."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from ecom_sandbox.raw import RAW, is_raw
from ecom_sandbox.shopsite.site import Record, SiteData

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


class ApiError(Exception):
    """An answer other than 200: ``{"error": {"code", "message", "details"}}``."""

    def __init__(self, status: int, code: str, message: str,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(message: str, **details: Any) -> ApiError:
    return ApiError(400, "bad_request", message, details or None)


def parse_timestamp(value: str, name: str, site: SiteData) -> datetime:
    """ISO 8601; a value without offset is the site's local time."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"'{name}' is not an ISO 8601 timestamp", param=name,
                          value=value[:64]) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=site.tz)


def render(value: Any, site: SiteData) -> Any:
    """The wire shape: datetimes in the site's offset, internal ``_`` keys left out; a raw
    record (``ecom_sandbox/raw.py``) exactly as given."""
    if is_raw(value):
        return value[RAW]
    if isinstance(value, datetime):
        return value.astimezone(site.tz).isoformat()
    if isinstance(value, dict):
        return {k: render(v, site) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [render(v, site) for v in value]
    return value


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"'{name}' must be an integer", param=name) from None
    if not low <= value <= high:
        raise bad_request(f"'{name}' must be between {low} and {high}", param=name)
    return value


def page_of(rows: list[Record], params: Mapping[str, str], site: SiteData) -> dict[str, Any]:
    page = _int(params, "page", 1, 1, 10**9)
    per_page = _int(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    chunk = rows[(page - 1) * per_page: page * per_page]
    return {"data": [render(r, site) for r in chunk],
            "meta": {"page": page, "per_page": per_page, "total": len(rows),
                     "pages": math.ceil(len(rows) / per_page)}}


def _window(records: Iterable[Record], field: str, params: Mapping[str, str],
            lower: str, upper: str | None, site: SiteData) -> list[Record]:
    """Records whose ``field`` is within the inclusive bounds given, by (field, id)."""
    lo = parse_timestamp(params[lower], lower, site) if lower in params else None
    hi = (parse_timestamp(params[upper], upper, site)
          if upper is not None and upper in params else None)
    rows = [r for r in records if r.get(field) is not None
            and (lo is None or r[field] >= lo) and (hi is None or r[field] <= hi)]
    return sorted(rows, key=lambda r: (r[field], r["id"]))


def customers(site: SiteData, params: Mapping[str, str]) -> dict[str, Any]:
    rows = _window(site.customers.values(), "modified_at", params, "modified_since",
                   "modified_until", site)
    return page_of(rows, params, site)


def orders(site: SiteData, params: Mapping[str, str]) -> dict[str, Any]:
    rows = _window(site.orders.values(), "modified_at", params, "modified_since",
                   "modified_until", site)
    return page_of(rows, params, site)


def order(site: SiteData, order_id: str) -> dict[str, Any]:
    found = site.orders.get(order_id)
    if found is None:
        raise ApiError(404, "not_found", f"order {order_id} not found")
    return render(found, site)


def carts(site: SiteData, params: Mapping[str, str]) -> dict[str, Any]:
    """Abandoned carts of registered users only (an anonymous visitor's cart is never
    listed). The list has no upper time filter."""
    if params.get("abandoned") != "true":
        raise bad_request("only abandoned carts are listed: pass abandoned=true",
                          param="abandoned")
    registered = (c for c in site.carts.values() if c["customer_id"] and c["email"])
    rows = _window(registered, "modified_at", params, "modified_since", None, site)
    return page_of(rows, params, site)


def sync_runs(site: SiteData, params: Mapping[str, str]) -> dict[str, Any]:
    """With ``finished_since``: the runs that ended (finished or failed) since then, by
    (finished_at, id); without: every run, running ones included, by (started_at, id)."""
    if "finished_since" in params:
        rows = _window(site.sync_runs.values(), "finished_at", params, "finished_since",
                       None, site)
    else:
        rows = sorted(site.sync_runs.values(), key=lambda r: (r["started_at"], r["id"]))
    return page_of(rows, params, site)


LISTS: dict[str, Callable[[SiteData, Mapping[str, str]], dict[str, Any]]] = {
    "customers": customers, "orders": orders, "carts": carts, "sync-runs": sync_runs,
}

"""Pagination as BigCommerce does it: v3 offset envelope, v3 customer cursors, v2 pages
(204 past the end)."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from ecom_sandbox.bigcommerce.responses import ApiError
from ecom_sandbox.bigcommerce.store import Record

DEFAULT_LIMIT = 50


def int_param(params: Mapping[str, str], name: str, default: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ApiError(400, f"Invalid value for {name}: {raw!r}",
                       {name: "error.expected.int"}) from exc


def page_and_limit(params: Mapping[str, str], max_limit: int) -> tuple[int, int]:
    limit = int_param(params, "limit", DEFAULT_LIMIT) or DEFAULT_LIMIT
    page = int_param(params, "page", 1) or 1
    if limit > max_limit:
        raise ApiError(413)
    if limit < 1 or page < 1:
        raise ApiError(400, "page and limit must be positive")
    return page, limit


def v3_list(
    records: list[Record],
    params: Mapping[str, str],
    render: Callable[[Record], Record],
    max_limit: int,
) -> dict[str, Any]:
    """``{"data": [...], "meta": {"pagination": {...}}}`` with relative links."""
    page, limit = page_and_limit(params, max_limit)
    total = len(records)
    total_pages = math.ceil(total / limit) if total else 0
    chunk = records[(page - 1) * limit: page * limit]
    links: dict[str, str] = {"current": f"?page={page}&limit={limit}"}
    if page > 1:
        links["previous"] = f"?page={page - 1}&limit={limit}"
    if page < total_pages:
        links["next"] = f"?page={page + 1}&limit={limit}"
    return {
        "data": [render(r) for r in chunk],
        "meta": {"pagination": {
            "total": total, "count": len(chunk), "per_page": limit, "current_page": page,
            "total_pages": total_pages, "links": links,
        }},
    }


def encode_cursor(record_id: int) -> str:
    raw = json.dumps({"id": record_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, name: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(json.loads(base64.urlsafe_b64decode(padded))["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(422, f"Invalid cursor in {name}", {name: "error.invalid.cursor"}) from exc


def cursor_meta(
    chunk: list[Record], limit: int, *, has_previous: bool, has_next: bool
) -> dict[str, Any]:
    start = encode_cursor(chunk[0]["id"]) if chunk else None
    end = encode_cursor(chunk[-1]["id"]) if chunk else None
    links: dict[str, str] = {}
    if has_previous and start:
        links["previous"] = f"?before={start}&limit={limit}"
    if has_next and end:
        links["next"] = f"?after={end}&limit={limit}"
    meta: dict[str, Any] = {"count": len(chunk), "per_page": limit, "start_cursor": start,
                            "end_cursor": end, "links": links}
    return meta


def v3_cursor_list(
    records: list[Record],
    params: Mapping[str, str],
    render: Callable[[Record], Record],
    max_limit: int,
) -> dict[str, Any]:
    """Cursor mode (``after`` / ``before``): ordered by id, ``page`` ignored."""
    _, limit = page_and_limit({k: v for k, v in params.items() if k != "page"}, max_limit)
    by_id = sorted(records, key=lambda r: r["id"])
    if params.get("after"):
        after = decode_cursor(params["after"], "after")
        rest = [r for r in by_id if r["id"] > after]
        chunk = rest[:limit]
        has_previous = any(r["id"] <= after for r in by_id)
        has_next = len(rest) > limit
    else:
        before = decode_cursor(params["before"], "before")
        head = [r for r in by_id if r["id"] < before]
        chunk = head[-limit:] if limit else []
        has_previous = len(head) > limit
        has_next = any(r["id"] >= before for r in by_id)
    meta = cursor_meta(chunk, limit, has_previous=has_previous, has_next=has_next)
    return {"data": [render(r) for r in chunk], "meta": {"cursor_pagination": meta}}


def v2_page(records: list[Any], params: Mapping[str, str], max_limit: int) -> list[Any] | None:
    """The requested v2 page, or ``None`` (→ 204 No Content) when it is empty."""
    page, limit = page_and_limit(params, max_limit)
    chunk = records[(page - 1) * limit: page * limit]
    return chunk or None

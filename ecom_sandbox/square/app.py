"""Starlette app of the Square API stand-in (``/v2/...``).

Every merchant is served on one server and found by its access token. Per request:
request callbacks → fault injection (429 ``RATE_LIMITED`` without any rate header, 5xx)
→ ``Authorization: Bearer`` (401 ``UNAUTHORIZED``) → ``Square-Version`` (a malformed one:
400 ``INVALID_SQUARE_VERSION_FORMAT``; it is echoed back) → the endpoint. Every error is
``{"errors": [{"category", "code", "detail", "field"}]}``.

``/_sandbox/...``: admin endpoints that are not part of Square.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Scope

from ecom_sandbox.admin import json_body, saving_lifespan, shared_admin_routes
from ecom_sandbox.faults import ListFaults
from ecom_sandbox.square import api
from ecom_sandbox.square.merchant import MerchantData
from ecom_sandbox.square.sandbox import Sandbox
from ecom_sandbox.square.wire import RATE_LIMITED, ApiError, errors_body, server_error
from ecom_sandbox.wire import with_transport_faults

VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")
Handler = Callable[[MerchantData, Any, api.Ctx], dict[str, Any]]
ENDPOINTS: dict[tuple[str, str], Handler] = {
    ("GET", "payments"): api.list_payments,
    ("POST", "orders/search"): api.search_orders,
    ("POST", "customers/search"): api.search_customers,
    ("GET", "customers"): api.list_customers,
    ("POST", "catalog/search"): api.search_catalog,
    ("GET", "locations"): lambda m, _q, _c: api.list_locations(m),
}
UNAUTHORIZED = errors_body("AUTHENTICATION_ERROR", "UNAUTHORIZED",
                           "This request could not be authorized.")


# List endpoints: where their records sit in the body, and the kind ``touch`` knows them
# by (for ``modified_while_paging``).
LISTS = {"payments": ("payments", "payments"), "orders/search": ("orders", "orders"),
         "customers/search": ("customers", "customers"), "customers": ("customers", "customers"),
         "catalog/search": ("objects", "items")}


def create_app(sandbox: Sandbox, *, state_path: Path | None = None) -> ASGIApp:
    """The ASGI app serving every merchant of ``sandbox`` (see the module docstring),
    behind the catalogue's transport faults (``ecom_sandbox/wire.py``). With
    ``state_path``, the state is saved there on shutdown and by ``POST /_sandbox/save``."""
    list_faults = ListFaults(sandbox.faults)

    def store_of(scope: Scope) -> str | None:
        auth = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
        merchant = sandbox.by_token(auth.removeprefix("Bearer ").strip() or None)
        return merchant.merchant_id if merchant else None

    async def v2(request: Request) -> Response:
        rest = request.path_params["rest"]
        try:
            query = await _query(request)
        except ApiError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)
        auth = request.headers.get("authorization", "")
        merchant = sandbox.by_token(auth.removeprefix("Bearer ").strip()
                                    if auth.startswith("Bearer ") else None)
        store = merchant.merchant_id if merchant else "-"
        await run_in_threadpool(sandbox.notify_request, store, f"/v2/{rest}", query)

        delay, status = sandbox.faults.next_status(store, f"/v2/{rest}")
        if delay:
            await asyncio.sleep(delay)
        if status == 429:
            return JSONResponse(RATE_LIMITED, status_code=429)  # no rate headers (3.5)
        if status is not None:
            return JSONResponse(server_error(status), status_code=status)
        if merchant is None:
            return JSONResponse(UNAUTHORIZED, status_code=401)
        version = request.headers.get("square-version")
        if version is not None and not VERSION.fullmatch(version):
            error = ApiError(400, "INVALID_SQUARE_VERSION_FORMAT",
                             f"Invalid Square-Version format: {version!r}; expected YYYY-MM-DD.")
            return JSONResponse(error.body(), status_code=400)
        headers = {"Square-Version": version or sandbox.settings.default_version}
        handler = ENDPOINTS.get((request.method, rest))
        if handler is None:
            error = ApiError(404, "NOT_FOUND", f"{request.method} /v2/{rest} not found.")
            return JSONResponse(error.body(), status_code=404, headers=headers)
        path, listing = f"/v2/{rest}", LISTS.get(rest)
        if listing is not None and query.get("cursor"):
            if sandbox.faults.take("expired_cursor", store, path) is not None:
                error = ApiError(400, "INVALID_CURSOR", "The cursor is invalid: expired.",
                                 "cursor")
                return JSONResponse(error.body(), status_code=400, headers=headers)
            list_faults.before_page(store, path, lambda r: sandbox.touch(
                store, listing[1], r["id"]))
        try:
            with sandbox.lock:
                payload = handler(merchant, query, sandbox.ctx(store))
        except ApiError as exc:
            return JSONResponse(exc.body(), status_code=exc.status, headers=headers)
        if listing is not None and isinstance(payload.get(listing[0]), list):
            payload[listing[0]] = list_faults.after_page(store, path, payload[listing[0]])
        return JSONResponse(payload, headers=headers)

    async def admin_refund(request: Request) -> Response:
        body = await json_body(request)
        try:
            payment = sandbox.refund(body["merchant"], body["id"], body.get("amount"),
                                     _parse_now(body.get("now")))
        except KeyError as exc:
            return JSONResponse({"error": f"unknown record: {exc}"}, status_code=404)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"id": payment["id"], "refunded": payment["refunded_money"]})

    async def admin_expire(request: Request) -> Response:
        sandbox.expire_cursors()
        return JSONResponse({"expired": True})

    app = Starlette(
        routes=[
            Route("/v2/{rest:path}", v2, methods=["GET", "POST", "PUT", "DELETE"]),
            Route("/_sandbox/refund", admin_refund, methods=["POST"]),
            Route("/_sandbox/expire-cursors", admin_expire, methods=["POST"]),
            *shared_admin_routes(sandbox, state_path, store_field="merchant",
                                 parse_now=_parse_now, bad_now=ValueError),
        ],
        lifespan=saving_lifespan(sandbox, state_path),
    )
    return with_transport_faults(app, sandbox.faults, store_of)


async def _query(request: Request) -> dict[str, Any]:
    """The query of a GET, the JSON object body of a POST."""
    if request.method == "GET":
        return dict(request.query_params)
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        raise ApiError(400, "BAD_REQUEST", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "BAD_REQUEST", "The request body must be a JSON object.")
    return body


def _parse_now(value: str | None) -> datetime | None:
    """A body's ``now`` in ISO 8601 (``Z`` allowed, naive taken as UTC); raises ValueError."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

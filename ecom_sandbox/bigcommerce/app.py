"""Starlette app of the BigCommerce stand-in.

``/stores/{store_hash}/v2/...`` and ``/v3/...``: the API (per request: store lookup →
request callbacks → fault injection → auth → quota → handler; rate-limit headers on every
response). ``/cart.php``: the storefront page that consumes single-use redirect URLs.
``/_sandbox/...``: admin endpoints that are not part of BigCommerce.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ecom_sandbox.admin import json_body, saving_lifespan, shared_admin_routes
from ecom_sandbox.bigcommerce import api_v2, api_v3
from ecom_sandbox.bigcommerce.context import Ctx, Handler, Result
from ecom_sandbox.bigcommerce.formats import DateParseError, parse_v3_datetime
from ecom_sandbox.bigcommerce.responses import ApiError, error_response
from ecom_sandbox.bigcommerce.sandbox import Sandbox
from ecom_sandbox.faults import ListFaults
from ecom_sandbox.wire import path_store, with_transport_faults

# List paths whose records ``modified_while_paging`` changes, by the kind ``touch`` knows.
TOUCHABLE = {"/v3/customers": "customers", "/v3/customers/subscribers": "subscribers",
             "/v2/orders": "orders", "/v3/catalog/products": "products"}

_COMPILED: dict[str, list[tuple[str, re.Pattern[str], Handler]]] = {
    version: [(m, re.compile(p), h) for m, p, h in routes]
    for version, routes in (("v2", api_v2.ROUTES), ("v3", api_v3.ROUTES))
}


def _match(version: str, method: str, path: str) -> tuple[Handler, dict[str, str]]:
    path = path.rstrip("/") or "/"
    allowed = False
    for route_method, pattern, handler in _COMPILED[version]:
        m = pattern.fullmatch(path)
        if m is None:
            continue
        if route_method == method:
            return handler, m.groupdict()
        allowed = True
    raise ApiError(405 if allowed else 404)


def _list_records(body: Any) -> list[Any] | None:
    """The records of a list answer (v3 ``data`` array, v2 bare array), else None."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return body["data"]
    return None


def create_app(sandbox: Sandbox, *, state_path: Path | None = None) -> ASGIApp:
    """The ASGI app serving every store of ``sandbox``.

    With ``settings.webhook_interval_seconds`` set, a background task calls
    ``sandbox.emit_due_webhooks()`` at that interval while the app runs. With
    ``state_path``, the state is saved there on shutdown and by ``POST /_sandbox/save``.
    The transport faults of the catalogue wrap it (``ecom_sandbox/wire.py``).
    """
    list_faults = ListFaults(sandbox.faults)

    async def api(request: Request) -> Response:
        store_hash = request.path_params["store_hash"]
        rest = "/" + request.path_params["rest"]
        version = rest.split("/")[1] if rest.count("/") >= 1 else ""
        shape = "v2" if version == "v2" else "v3"
        store = sandbox.stores.get(store_hash)
        if store is None or version not in ("v2", "v3"):
            return error_response(shape, 404)
        sub_path = rest[len(version) + 1:] or "/"
        params = dict(request.query_params)
        await run_in_threadpool(sandbox.notify_request, store_hash, rest, params)

        limiter = sandbox.limiters[store_hash]
        action = sandbox.faults.next_action(store_hash, rest)
        if action.delay:
            await asyncio.sleep(action.delay)
        if action.status is not None:
            headers: dict[str, str] | None = None
            if action.rate_headers:
                headers = limiter.peek()
                headers["X-Rate-Limit-Requests-Left"] = "0"
                headers["X-Rate-Limit-Time-Reset-Ms"] = str(action.reset_ms)
                headers["X-Retry-After"] = str(max(1, -(-action.reset_ms // 1000)))
            return error_response(shape, action.status, headers=headers)

        if request.headers.get("x-auth-token") != store.token:
            return error_response(shape, 401, headers=limiter.peek())
        decision = limiter.acquire()
        if not decision.allowed:
            return error_response(shape, 429, headers=decision.headers)

        body: Any = None
        if request.method in ("POST", "PUT"):
            raw = await request.body()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    return error_response(shape, 400, "Malformed JSON body",
                                          headers=decision.headers)
        base_url = str(request.base_url).rstrip("/")
        if request.method == "GET" and rest in TOUCHABLE:
            list_faults.before_page(store_hash, rest, lambda r: sandbox.touch(
                store_hash, TOUCHABLE[rest], r["id"]))
        try:
            handler, args = _match(version, request.method, sub_path)
            ctx = Ctx(
                sandbox=sandbox, store=store, method=request.method, params=params,
                body=body, api_base=f"{base_url}/stores/{store_hash}", base_url=base_url,
                now=sandbox.now(store_hash),
            )
            with sandbox.lock:
                result = handler(ctx, args)
        except ApiError as exc:
            return error_response(shape, exc.status, exc.message, exc.errors,
                                  headers=decision.headers)
        records = _list_records(result.body) if request.method == "GET" else None
        if records is not None:
            served = list_faults.after_page(store_hash, rest, records)
            if served is not records:
                result = Result(served if isinstance(result.body, list)
                                else {**result.body, "data": served}, result.status)
        if result.body is None:
            return Response(status_code=204, headers=decision.headers)
        return JSONResponse(result.body, status_code=result.status, headers=decision.headers)

    async def storefront_cart(request: Request) -> Response:
        cart_id = request.query_params.get("id", "")
        token = request.query_params.get("token", "")
        found = sandbox.consume_redirect_token(cart_id, token)
        if found is None:
            return HTMLResponse(
                "<h1>This cart link has expired or was already used.</h1>", status_code=410
            )
        store_hash, cart = found
        items = "".join(
            f"<li>{i['quantity']} × {i['name']}</li>"
            for i in cart["line_items"]["physical_items"]
        )
        return HTMLResponse(
            f"<h1>{sandbox.stores[store_hash].name}: your cart</h1><ul>{items}</ul>"
        )

    async def admin_rate_limit(request: Request) -> Response:
        body = await json_body(request)
        store_hash = body.get("store_hash")
        if "quota" in body or "window_ms" in body:
            sandbox.set_rate_limit(store_hash, body.get("quota"), body.get("window_ms"))
        if body.get("consume") and store_hash:
            sandbox.consume_quota(store_hash, int(body["consume"]))
        return JSONResponse({h: {"quota": lim.quota, "window_ms": lim.window_ms}
                             for h, lim in sandbox.limiters.items()})

    async def admin_emit(request: Request) -> Response:
        body = await json_body(request)
        results = await run_in_threadpool(sandbox.emit_due_webhooks, _parse_now(body.get("now")))
        return JSONResponse({"deliveries": results})

    methods = ["GET", "POST", "PUT", "DELETE"]
    app = Starlette(
        routes=[
            Route("/stores/{store_hash}/{rest:path}", api, methods=methods),
            Route("/cart.php", storefront_cart, methods=["GET"]),
            Route("/_sandbox/rate-limit", admin_rate_limit, methods=["POST"]),
            Route("/_sandbox/emit-webhooks", admin_emit, methods=["POST"]),
            *shared_admin_routes(sandbox, state_path, store_field="store_hash",
                                 parse_now=_parse_now, bad_now=DateParseError),
        ],
        lifespan=saving_lifespan(sandbox, state_path, partial(_emit_loop, sandbox)),
    )
    return with_transport_faults(app, sandbox.faults, path_store("stores"))


def _parse_now(value: str | None) -> datetime | None:
    """A body's ``now`` in the v3 date forms; raises :class:`DateParseError`."""
    return parse_v3_datetime(value) if value else None


async def _emit_loop(sandbox: Sandbox) -> None:
    """Emit due webhooks every ``settings.webhook_interval_seconds`` (unset: never)."""
    interval = sandbox.settings.webhook_interval_seconds
    if not interval:
        return
    while True:
        await asyncio.sleep(interval)
        with contextlib.suppress(Exception):
            await run_in_threadpool(sandbox.emit_due_webhooks)

"""Starlette app of the shop-site stand-in.

Every site of the sandbox is served under ``/sites/{site}/ecom-api/v1`` (a client's base
URL; a real site has its own host). Per request: site lookup → request callbacks → due
back-office syncs end → fault injection (the catalogue's transport kinds on the wire,
``ecom_sandbox/wire.py``; its API kinds here) → ``Authorization: Bearer`` (401) → rate limit
(429 with ``Retry-After``) → handler. Errors are ``{"error": {"code", "message",
"details"}}``.

``/_sandbox/...`` (not part of the API): place an order, create or change a cart, start
and finish a back-office sync, plus the admin routes every stand-in shares.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ecom_sandbox.admin import json_body, saving_lifespan, shared_admin_routes
from ecom_sandbox.faults import ListFaults
from ecom_sandbox.shopsite import api
from ecom_sandbox.shopsite.ratelimit import retry_after_header
from ecom_sandbox.shopsite.sandbox import Sandbox
from ecom_sandbox.shopsite.site import SiteData
from ecom_sandbox.wire import path_store, with_transport_faults

SYNC_CHECK_S = 0.5  # how often a served stand-in ends the back-office syncs that are due


def error(exc: api.ApiError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


def _fault_answer(status: int, retry_after: int) -> JSONResponse:
    if status == 429:
        return error(api.ApiError(429, "rate_limited", "too many requests"),
                     {"Retry-After": str(retry_after)})
    if status >= 500:
        return error(api.ApiError(status, "server_error", "the site could not answer"))
    return error(api.ApiError(status, "bad_request", "injected fault"))


# List endpoints and the kind ``touch`` knows their records by (modified_while_paging).
LIST_KINDS = {"customers": "customers", "orders": "orders", "carts": "carts"}


def create_app(sandbox: Sandbox, *, state_path: Path | None = None) -> ASGIApp:
    """The ASGI app serving every site of ``sandbox``, behind the catalogue's transport
    faults; with ``state_path`` the state is saved there on shutdown and by
    ``POST /_sandbox/save``."""
    list_faults = ListFaults(sandbox.faults)

    async def site_api(request: Request) -> Response:
        name = request.path_params["site"]
        rest = request.path_params["rest"].strip("/")
        site = sandbox.sites.get(name)
        if site is None:
            return error(api.ApiError(404, "not_found", f"no site {name}"))
        params = dict(request.query_params)
        await run_in_threadpool(sandbox.notify_request, name, f"/{rest}", params)
        sandbox.finish_due_syncs()
        delay, fault = sandbox.faults.next_fault(name, f"/{rest}")
        if delay:
            await asyncio.sleep(delay)
        if fault is not None and fault.kind != "latency":
            return _fault_answer(
                429 if fault.kind in ("throttle", "rate_limited") else fault.status,
                fault.retry_after)
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        if token != site.token:
            return error(api.ApiError(401, "unauthorized", "missing or invalid API token"))
        wait = sandbox.rate.acquire(token)
        if wait is not None:
            return error(api.ApiError(
                429, "rate_limited",
                f"more than {sandbox.settings.rate_limit_per_second:g} requests a second",
                {"limit_per_second": sandbox.settings.rate_limit_per_second}),
                {"Retry-After": retry_after_header(wait)})
        if request.method != "GET":
            return error(api.ApiError(404, "not_found", f"no {request.method} /{rest}"))
        try:
            with sandbox.lock:
                if rest in LIST_KINDS:
                    return JSONResponse(list_page(site, rest, params))
                if rest in api.LISTS:
                    return JSONResponse(api.LISTS[rest](site, params))
                if rest.startswith("orders/"):
                    return JSONResponse(api.order(site, rest.removeprefix("orders/")))
        except api.ApiError as exc:
            return error(exc)
        return error(api.ApiError(404, "not_found", f"no resource /{rest}"))

    def list_page(site: SiteData, rest: str, params: dict[str, str]) -> dict[str, Any]:
        """A list page under the catalogue's list faults (records of the page before
        changed first, or repeated in front)."""
        name, path = site.site, f"/{rest}"
        list_faults.before_page(name, path, lambda r: sandbox.touch(
            name, LIST_KINDS[rest], r["id"]))
        page = api.LISTS[rest](site, params)
        page["data"] = list_faults.after_page(name, path, page["data"])
        return page

    async def admin_orders(request: Request) -> Response:
        """Place an order now: ``{"site", "customer_id" | "guest": [first, last, email],
        "status", "discount_code", "lines": n}``."""
        body = await json_body(request)
        try:
            order = sandbox.place_order(
                body.get("site"), customer_id=body.get("customer_id"),
                guest=tuple(body["guest"]) if body.get("guest") else None,
                now=_parse_now(body.get("now")), n_lines=body.get("lines"),
                **{k: body[k] for k in ("status", "discount_code") if k in body})
        except KeyError as exc:
            return JSONResponse({"error": f"unknown {exc}"}, status_code=404)
        return JSONResponse(api.render(order, sandbox.site(body.get("site"))))

    async def admin_carts(request: Request) -> Response:
        """Create a cart (``customer_id`` for a registered user's, none for an anonymous
        visitor's) or change one (``id``)."""
        body = await json_body(request)
        try:
            cart = sandbox.save_cart(body.get("site"), customer_id=body.get("customer_id"),
                                     cart_id=body.get("id"), now=_parse_now(body.get("now")),
                                     n_lines=body.get("lines"))
        except KeyError as exc:
            return JSONResponse({"error": f"unknown {exc}"}, status_code=404)
        return JSONResponse(api.render(cart, sandbox.site(body.get("site"))))

    async def admin_start_sync(request: Request) -> Response:
        """Start a back-office sync: ``{"site", "kind", "finish_after_s", "outcome"}``;
        without ``finish_after_s`` it runs until ``/finish``."""
        body = await json_body(request)
        run = sandbox.start_sync(body.get("site"), kind=body.get("kind", "changed"),
                                 finish_after_s=body.get("finish_after_s"),
                                 outcome=body.get("outcome", "finished"),
                                 now=_parse_now(body.get("now")))
        return JSONResponse(api.render(run, sandbox.site(body.get("site"))))

    async def admin_finish_sync(request: Request) -> Response:
        body = await json_body(request)
        try:
            run = sandbox.finish_sync(request.path_params["run_id"], body.get("site"),
                                      status=body.get("status", "finished"),
                                      now=_parse_now(body.get("now")))
        except KeyError as exc:
            return JSONResponse({"error": f"unknown {exc}"}, status_code=404)
        return JSONResponse(api.render(run, sandbox.site(body.get("site"))))

    async def end_due_syncs() -> None:
        while True:
            await asyncio.sleep(SYNC_CHECK_S)
            await run_in_threadpool(sandbox.finish_due_syncs)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    app = Starlette(
        routes=[
            Route("/sites/{site}/ecom-api/v1/{rest:path}", site_api, methods=methods),
            Route("/_sandbox/orders", admin_orders, methods=["POST"]),
            Route("/_sandbox/carts", admin_carts, methods=["POST"]),
            Route("/_sandbox/sync-runs", admin_start_sync, methods=["POST"]),
            Route("/_sandbox/sync-runs/{run_id}/finish", admin_finish_sync, methods=["POST"]),
            *shared_admin_routes(sandbox, state_path, store_field="site",
                                 parse_now=_parse_now, bad_now=ValueError),
        ],
        lifespan=saving_lifespan(sandbox, state_path, end_due_syncs),
    )
    return with_transport_faults(app, sandbox.faults, path_store("sites"))


def _parse_now(value: Any) -> datetime | None:
    """A body's ``now`` in ISO 8601 (naive taken as UTC); raises ValueError."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def site_base_url(base_url: str, site: str) -> str:
    """What a client uses as the site's API root."""
    return f"{base_url.rstrip('/')}/sites/{site}/ecom-api/v1"

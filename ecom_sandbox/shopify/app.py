"""Starlette app of the Shopify Admin REST stand-in.

Every shop of the sandbox is served on one server under a path prefix that replaces the
``{shop}.myshopify.com`` host: a client's base URL is ``f"{base_url}/shops/{shop}"`` (see
:func:`ecom_sandbox.shopify.server.shop_base_url`) and it requests
``{base}/admin/api/2025-01/orders.json``. Per request: shop lookup → request callbacks →
fault injection → ``X-Shopify-Access-Token`` (401) → leaky bucket (429) → scope (403) →
handler. ``X-Shopify-Shop-Api-Call-Limit`` is on every response of a known shop and
``X-Shopify-API-Version`` names the version that answered (an unsupported version is
served as the oldest supported one).

``/_sandbox/...``: admin endpoints that are not part of Shopify.
"""

from __future__ import annotations

import asyncio
import re
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
from ecom_sandbox.shopify import api
from ecom_sandbox.shopify.faults import ErrorsShape
from ecom_sandbox.shopify.ratelimit import CALL_LIMIT_HEADER, LeakyBucket
from ecom_sandbox.shopify.sandbox import Sandbox
from ecom_sandbox.wire import path_store, with_transport_faults

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
NO_ACCESS = "User does not have access"
SERVER_ERROR = "An unexpected error occurred"
REASONS: dict[int, str] = {
    400: "Bad Request", 401: INVALID_TOKEN,
    402: "This shop's plan does not have access to this feature", 403: NO_ACCESS,
    404: "Not Found", 406: "Not Acceptable", 422: "Unprocessable Entity",
    423: "This shop is locked",
}
# Resources whose records ``modified_while_paging`` changes (the kinds ``touch`` knows).
TOUCHABLE = ("customers", "orders", "products", "checkouts")
_LIST = re.compile(r"(?P<resource>[a-z_]+)\.json")
_COUNT = re.compile(r"(?P<resource>[a-z_]+)/count\.json")
_SINGLE = re.compile(r"(?P<resource>[a-z_]+)/(?P<id>\d+)\.json")


def errors_body(status: int, shape: ErrorsShape = "string",
                reason: str | None = None) -> dict[str, Any]:
    """Shopify's polymorphic ``errors``: string, array of strings or object of arrays."""
    if status >= 500:
        return {"errors": SERVER_ERROR}
    text = reason or REASONS.get(status, "Error")
    if shape == "array":
        return {"errors": [text]}
    if shape == "object":
        return {"errors": {"base": [text]}}
    return {"errors": text}


def throttle_message(leak: float) -> str:
    rate = int(leak) if float(leak).is_integer() else leak
    return (f"Exceeded {rate} calls per second for api client. Reduce request rates to "
            "resume uninterrupted service.")


def throttle_body(bucket: LeakyBucket) -> dict[str, Any]:
    """The 429 body, the same for a full bucket and an injected throttle."""
    return {"errors": throttle_message(bucket.leak_per_second)}


def create_app(sandbox: Sandbox, *, state_path: Path | None = None) -> ASGIApp:
    """The ASGI app serving every shop of ``sandbox`` (see the module docstring), behind
    the catalogue's transport faults (``ecom_sandbox/wire.py``). With ``state_path``, the
    state is saved there on shutdown and by ``POST /_sandbox/save``."""
    list_faults = ListFaults(sandbox.faults)

    async def admin_api(request: Request) -> Response:
        name = request.path_params["shop"]
        requested = request.path_params.get("version", "")
        rest = request.path_params["rest"]
        shop = sandbox.shops.get(name)
        if shop is None:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        params = list(request.query_params.multi_items())
        rel_path = request.url.path.split(f"/shops/{name}", 1)[1]
        await run_in_threadpool(sandbox.notify_request, name, rel_path, dict(params))

        bucket = sandbox.buckets[name]
        action = sandbox.faults.next_action(name, rel_path)
        if action.delay:
            await asyncio.sleep(action.delay)
        if action.status is not None:
            headers = bucket.peek()
            if action.status == 429:
                headers[CALL_LIMIT_HEADER] = f"{bucket.bucket}/{bucket.bucket}"
                headers["Retry-After"] = "2.0"
                body = throttle_body(bucket)
            else:
                body = errors_body(action.status, action.errors_shape)
            return JSONResponse(body, status_code=action.status, headers=headers)

        token = request.headers.get("x-shopify-access-token")
        if not token or token not in shop.tokens:
            return JSONResponse(errors_body(401), status_code=401, headers=bucket.peek())
        decision = bucket.acquire()
        if not decision.allowed:
            headers = {**decision.headers, "Retry-After": "2.0"}
            return JSONResponse(throttle_body(bucket), status_code=429, headers=headers)
        served = sandbox.settings.serve_version(requested)
        headers = {**decision.headers, "X-Shopify-API-Version": served}
        if request.method != "GET":
            return JSONResponse(errors_body(404), status_code=404, headers=headers)

        if rest == "oauth/access_scopes.json":  # unversioned: /admin/oauth/access_scopes.json
            grants = sorted(shop.tokens[token])
            return JSONResponse({"access_scopes": [{"handle": g} for g in grants]},
                                headers=headers)
        kind, resource, record_id = _route(rest)
        spec = api.RESOURCES.get(resource) if resource else None
        if spec is None or (kind == "count" and not spec.countable) or (
                kind == "single" and not spec.single):
            return JSONResponse(errors_body(404), status_code=404, headers=headers)
        scopes = frozenset(shop.tokens[token])
        if spec.scope is not None and spec.scope not in scopes:
            return JSONResponse(errors_body(403), status_code=403, headers=headers)
        base_url = str(request.base_url).rstrip("/")
        prefix = f"{base_url}/shops/{name}/admin" + (f"/api/{requested}" if requested else "")
        if kind == "list" and any(k == "page_info" for k, _ in params):
            if sandbox.faults.take("expired_cursor", name, rel_path) is not None:
                return JSONResponse({"errors": {"page_info": "Invalid value."}},
                                    status_code=400, headers=headers)
            if resource in TOUCHABLE:
                list_faults.before_page(name, f"/{resource}", lambda r: sandbox.touch(
                    name, str(resource), int(r["id"])))
        ctx = api.Ctx(
            shop=shop, scopes=scopes, params=params, version=served,
            list_url=f"{prefix}/{resource}.json", now=sandbox.now(name),
            codec=sandbox.page_info, clamp_limit=sandbox.settings.clamp_limit,
            order_window_days=sandbox.settings.order_window_days,
        )
        try:
            with sandbox.lock:
                if kind == "list":
                    payload, extra = api.list_page(resource, ctx)
                    headers.update(extra)
                    payload[resource] = list_faults.after_page(name, f"/{resource}",
                                                               payload[resource])
                elif kind == "count":
                    payload = api.count(resource, ctx)
                else:
                    payload = api.single(resource, int(record_id or 0), ctx)
        except api.ApiError as exc:
            return JSONResponse({"errors": exc.errors}, status_code=exc.status, headers=headers)
        return JSONResponse(payload, headers=headers)

    async def admin_delete(request: Request) -> Response:
        body = await json_body(request)
        try:
            record = sandbox.delete(body["shop"], body["kind"], int(body["id"]),
                                    _parse_now(body.get("now")))
        except (KeyError, AttributeError) as exc:
            return JSONResponse({"error": f"unknown record: {exc}"}, status_code=404)
        return JSONResponse({"deleted": record["id"]})

    async def admin_expire(request: Request) -> Response:
        sandbox.expire_page_info()
        return JSONResponse({"expired": True})

    async def admin_rate_limit(request: Request) -> Response:
        body = await json_body(request)
        shop = body.get("shop")
        if "bucket" in body or "leak_per_second" in body:
            sandbox.set_rate_limit(shop, body.get("bucket"), body.get("leak_per_second"))
        if body.get("fill") and shop:
            sandbox.fill_bucket(shop, float(body["fill"]))
        return JSONResponse({s: {"bucket": b.bucket, "leak_per_second": b.leak_per_second}
                             for s, b in sandbox.buckets.items()})

    async def admin_scopes(request: Request) -> Response:
        body = await json_body(request)
        sandbox.set_scopes(body["shop"], body["scopes"], body.get("token"))
        return JSONResponse({"tokens": sandbox.shop(body["shop"]).tokens})

    methods = ["GET", "POST", "PUT", "DELETE"]
    app = Starlette(
        routes=[
            Route("/shops/{shop}/admin/api/{version}/{rest:path}", admin_api, methods=methods),
            Route("/shops/{shop}/admin/{rest:path}", admin_api, methods=methods),
            Route("/_sandbox/delete", admin_delete, methods=["POST"]),
            Route("/_sandbox/expire-page-info", admin_expire, methods=["POST"]),
            Route("/_sandbox/rate-limit", admin_rate_limit, methods=["POST"]),
            Route("/_sandbox/scopes", admin_scopes, methods=["POST"]),
            *shared_admin_routes(sandbox, state_path, store_field="shop", record_id=int,
                                 parse_now=_parse_now, bad_now=ValueError),
        ],
        lifespan=saving_lifespan(sandbox, state_path),
    )
    return with_transport_faults(app, sandbox.faults, path_store("shops"))


def _parse_now(value: str | None) -> datetime | None:
    """A body's ``now`` in ISO 8601 (``Z`` allowed, naive taken as UTC); raises ValueError."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _route(rest: str) -> tuple[str, str | None, str | None]:
    for kind, pattern in (("count", _COUNT), ("single", _SINGLE), ("list", _LIST)):
        m = pattern.fullmatch(rest)
        if m:
            groups = m.groupdict()
            return kind, groups["resource"], groups.get("id")
    return "none", None, None

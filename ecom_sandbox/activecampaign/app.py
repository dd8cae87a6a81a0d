"""Starlette app of the ActiveCampaign stand-in.

Per API request (``/api/3/...``): due bulk-import batches are processed → injected faults
(429 storm / 503) → ``Api-Token`` (403) → the account's token bucket (429) → the v3 REST
handler or the GraphQL endpoint ``/api/3/ecom/graphql``. ``RateLimit-Limit`` and
``RateLimit-Remaining`` go on every response that reached the bucket. ``/_sandbox/summary``
and ``/_sandbox/contacts/...`` (admin.py: unsubscribes and removals by the account's
people) are not part of ActiveCampaign.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ecom_sandbox.activecampaign import bulk_import, graphql_api, rest
from ecom_sandbox.activecampaign.admin import admin_routes
from ecom_sandbox.activecampaign.errors import FORBIDDEN, TOO_MANY, UNAVAILABLE, ApiError
from ecom_sandbox.activecampaign.state import AcAccount
from ecom_sandbox.admin import faults_route
from ecom_sandbox.wire import with_transport_faults

API_PREFIX = "/api/3"
GRAPHQL_PATH = "/ecom/graphql"


@dataclass
class Incoming:
    method: str
    path: str  # below /api/3
    params: dict[str, str]
    token: str | None
    content_type: str
    raw: bytes


@dataclass
class Outgoing:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def serve(acct: AcAccount, req: Incoming) -> Outgoing:
    """Answer one API request and log it in ``acct.requests``."""
    is_graphql = req.path.rstrip("/") == GRAPHQL_PATH
    kind = "GRAPHQL" if is_graphql else f"{req.method} {rest.resource_of(req.path)}"
    is_write = req.method != "GET"
    with acct.lock:
        processed = bulk_import.process_due(acct)
    if processed:
        acct.changed()  # saved outside the lock
    out = _serve(acct, req, is_graphql)
    if isinstance(out, tuple):
        out, kind, is_write = out
    acct.log_request(req.method, API_PREFIX + req.path, out.status, kind, is_write)
    if is_write and out.status not in (403, 429, 503):
        acct.changed()  # persist after every write (with its request log entry)
    return out


def _serve(acct: AcAccount, req: Incoming,
           is_graphql: bool) -> Outgoing | tuple[Outgoing, str, bool]:
    fault = acct.faults.next_transport(API_PREFIX + req.path)
    if fault is not None:
        headers = acct.limiter.peek()
        headers["Retry-After"] = str(fault.retry_after)
        if fault.status == 429:
            headers["RateLimit-Remaining"] = "0"
        return Outgoing(fault.status, TOO_MANY if fault.status == 429 else UNAVAILABLE,
                        headers)
    if req.token != acct.token:
        return Outgoing(403, FORBIDDEN)
    decision = acct.limiter.acquire()
    if not decision.allowed:
        return Outgoing(429, TOO_MANY, decision.headers)
    headers = decision.headers
    if is_graphql:
        if req.method != "POST":
            return Outgoing(405, {"message": "Method Not Allowed"}, headers)
        result = graphql_api.handle(acct, req.content_type, req.raw)
        return Outgoing(result.status, result.body, headers), result.kind, result.is_write
    body: Any = None
    if req.method in ("POST", "PUT") and req.raw:
        try:
            body = json.loads(req.raw)
        except ValueError:
            return Outgoing(400, {}, headers)
    try:
        handler, args = rest.match(req.method, req.path)
        with acct.lock:
            result = handler(acct, rest.Req(req.method, req.path, req.params, body,
                                            len(req.raw)), args)
    except ApiError as exc:
        return Outgoing(exc.status, exc.body, {**headers, **exc.headers})
    return Outgoing(result.status, result.body, headers)


def create_app(account: AcAccount) -> ASGIApp:
    """The ASGI app serving ``account`` under ``/api/3``, behind the catalogue's
    transport faults (``ecom_sandbox/wire.py``)."""

    async def api(request: Request) -> Response:
        incoming = Incoming(
            method=request.method,
            path="/" + request.path_params["rest"],
            params=dict(request.query_params),
            token=request.headers.get("api-token"),
            content_type=request.headers.get("content-type", ""),
            raw=await request.body(),
        )
        out = await run_in_threadpool(serve, account, incoming)
        return JSONResponse(out.body, status_code=out.status, headers=out.headers)

    async def summary(request: Request) -> Response:
        if request.query_params.get("format") == "text":
            return PlainTextResponse(account.render_summary())
        return JSONResponse(account.summary())

    app = Starlette(routes=[
        Route(API_PREFIX + "/{rest:path}", api, methods=["GET", "POST", "PUT", "DELETE"]),
        Route("/_sandbox/summary", summary, methods=["GET"]),
        faults_route(account.faults),
        *admin_routes(account),
    ])
    return with_transport_faults(app, account.faults)

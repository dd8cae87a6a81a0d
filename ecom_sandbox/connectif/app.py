"""Starlette app of the Connectif stand-in.

Per request: ``Authorization: apiKey <id>:<secret>`` (401 if missing or unknown) → the
key's scopes (403) → the account's rate window (429 with ``X-RateLimit-*``) → body size
(413 over 50 MB) and JSON → the resource (api.py). ``X-RateLimit-*`` go on every answer
that reached the window. ``/_sandbox/summary`` is an admin view, not part of Connectif.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Scope

from ecom_sandbox.admin import faults_route
from ecom_sandbox.connectif import api
from ecom_sandbox.connectif.errors import FORBIDDEN, RATE_LIMITED, UNAUTHORIZED, HttpError
from ecom_sandbox.connectif.state import ConnectifAccount, ConnectifCloud
from ecom_sandbox.wire import StoreOf, with_transport_faults


def _credentials(header: str | None) -> tuple[str, str] | None:
    scheme, _, value = (header or "").partition(" ")
    key_id, sep, secret = value.strip().partition(":")
    if scheme != "apiKey" or not sep or not key_id or not secret:
        return None
    return key_id, secret


def serve(cloud: ConnectifCloud, method: str, raw_path: str, params: dict[str, str],
          authorization: str | None, raw: bytes) -> tuple[int, Any, dict[str, str]]:
    segments = [unquote(s) for s in raw_path.strip("/").split("/") if s]
    creds = _credentials(authorization)
    found = cloud.authenticate(*creds) if creds else None
    if found is None:
        return 401, UNAUTHORIZED, {}
    account, key = found
    path = "/" + "/".join(segments)
    throttled = cloud.faults.rate_limited(account.name, path, account.limiter.limit)
    if throttled is not None:
        account.log(method, path, 429, "injected")
        return 429, RATE_LIMITED, throttled
    status, body, headers, kind = _serve_account(account, key.scopes, method, segments,
                                                 params, raw, cloud.max_body)
    account.log(method, path, status, kind)
    if method != "GET" and status < 400:
        cloud.changed()
    return status, body, headers


def _serve_account(account: ConnectifAccount, scopes: frozenset[str], method: str,
                   segments: list[str], params: dict[str, str], raw: bytes, max_body: int
                   ) -> tuple[int, Any, dict[str, str], str]:
    try:
        handler, args, scope, kind = api.match(method, segments)
    except HttpError as exc:
        return exc.status, exc.body, {}, "unknown path"
    if scope not in scopes:
        return 403, FORBIDDEN, {}, kind
    decision = account.limiter.acquire()
    headers = decision.headers
    if not decision.allowed:
        return 429, RATE_LIMITED, headers, kind
    if len(raw) > max_body:
        error = HttpError(413, "Request body larger than 50 MB")
        return 413, error.body, headers, kind
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        return 400, HttpError(400, "Body is not valid JSON").body, headers, kind
    try:
        with account.lock:
            result = handler(account, api.Req(method, segments, params, body), args)
    except HttpError as exc:
        return exc.status, exc.body, headers, kind
    return result.status, result.body, headers, kind


def _account_of(cloud: ConnectifCloud) -> StoreOf:
    """The account a request's API key belongs to (the store faults are limited to)."""
    def store_of(scope: Scope) -> str | None:
        header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
        creds = _credentials(header)
        found = cloud.authenticate(*creds) if creds else None
        return found[0].name if found else None

    return store_of


def create_app(cloud: ConnectifCloud) -> ASGIApp:
    """Every account of ``cloud``, behind the catalogue's transport faults."""

    async def endpoint(request: Request) -> Response:
        raw_path = request.scope.get("raw_path", b"").decode("latin-1").split("?")[0] \
            or request.url.path
        status, body, headers = await run_in_threadpool(
            serve, cloud, request.method, raw_path, dict(request.query_params),
            request.headers.get("authorization"), await request.body())
        if status == 204:
            return Response(status_code=204, headers=headers)
        return JSONResponse(body, status_code=status, headers=headers)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        cloud.save()  # the records written since the last periodic save

    async def summary(request: Request) -> Response:
        if request.query_params.get("format") == "text":
            return PlainTextResponse(cloud.render_summary())
        return JSONResponse({name: a.summary() for name, a in cloud.accounts.items()})

    app = Starlette(
        routes=[Route("/_sandbox/summary", summary, methods=["GET"]),
                faults_route(cloud.faults),
                Route("/{rest:path}", endpoint,
                      methods=["GET", "POST", "PATCH", "PUT", "DELETE"])],
        lifespan=lifespan,
    )
    return with_transport_faults(app, cloud.faults, _account_of(cloud))

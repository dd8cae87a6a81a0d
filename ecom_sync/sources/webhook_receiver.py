"""``ecom-sync webhooks``: receives store webhooks and stores each event before answering.

One route per connection: ``POST /webhooks/<connection>``. The shared secret travels in
a custom header set when the hook was registered; BigCommerce signs nothing else.
"""

from __future__ import annotations

import hmac
import importlib
import json
import logging
import os
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecom_sync.config import EcomSyncConfig
from ecom_sync.crashpoints import crash_point
from ecom_sync.sources.webhook_store import WebhookEvent, WebhookStore

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Ecom-Sync-Secret"
MAX_BODY = 1024 * 1024  # a store's webhook is a few hundred bytes
Parser = Callable[[str, dict], WebhookEvent]


def _parser(platform: str) -> Parser | None:
    try:
        module = importlib.import_module(f"ecom_sync.sources.{platform}.webhooks")
    except ModuleNotFoundError:
        return None
    return module.parse_event


def _reason(exc: Exception) -> str:
    """A short, body-free reason (a JSON error names the position, not the content)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON ({exc.msg} at {exc.pos})"
    return str(exc)[:200] if isinstance(exc, ValueError) else type(exc).__name__


def webhook_secrets(config: EcomSyncConfig) -> dict[str, str]:
    """Per connection, the shared secret from the env var its config names (S2)."""
    secrets: dict[str, str] = {}
    for conn in config.connections:
        env = getattr(getattr(conn, "webhooks", None), "secret_env", None)
        if env and os.environ.get(env):
            secrets[conn.name] = os.environ[env]
    return secrets


def create_receiver(
    config: EcomSyncConfig, store: WebhookStore, secrets: dict[str, str]
) -> Starlette:
    """Connections without a secret are refused: an open endpoint would accept forgeries."""
    parsers = {c.name: _parser(c.platform) for c in config.connections if c.name in secrets}
    received = {"stored": 0, "duplicates": 0, "rejected": 0}

    async def receive(request: Request) -> Response:
        connection = request.path_params["connection"]
        parser = parsers.get(connection)
        if parser is None:
            return JSONResponse({"error": "unknown connection"}, status_code=404)
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secrets[connection].encode()):
            received["rejected"] += 1
            return JSONResponse({"error": "bad secret"}, status_code=401)
        body = await request.body()
        if len(body) > MAX_BODY:
            received["rejected"] += 1
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError("the body is not a JSON object")
            event = parser(connection, payload)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError,
                OSError) as exc:
            # Malformed: a clear 4xx, nothing stored; the receiver keeps serving.
            received["rejected"] += 1
            return JSONResponse({"error": f"malformed webhook: {_reason(exc)}"},
                                status_code=400)
        # Durable before 2xx: committed (WAL, synchronous=FULL) before the answer goes
        # out, so a crash right after it loses nothing; the store retries unanswered ones.
        stored = await run_in_threadpool(store.add, event)
        received["stored" if stored else "duplicates"] += 1
        log.info("%s: %s %s (%s)", connection, event.scope, event.resource_id,
                 "stored" if stored else "duplicate")
        return JSONResponse({"stored": stored},
                            background=BackgroundTask(crash_point, "webhook.answered"))

    async def health(_: Request) -> Response:
        return JSONResponse({"ok": True, **received})

    return Starlette(
        routes=[
            Route("/webhooks/{connection}", receive, methods=["POST"]),
            Route("/health", health),
        ]
    )

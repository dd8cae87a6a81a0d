"""``ecom-sync webhooks``: receives store webhooks and stores each event before answering.

One route per connection: ``POST /webhooks/<connection>``. The shared secret travels in
a custom header set when the hook was registered; BigCommerce signs nothing else.
"""

from __future__ import annotations

import hmac
import importlib
import logging
import os
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecom_sync.config import EcomSyncConfig
from ecom_sync.sources.webhook_store import WebhookEvent, WebhookStore

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Ecom-Sync-Secret"
Parser = Callable[[str, dict], WebhookEvent]


def _parser(platform: str) -> Parser | None:
    try:
        module = importlib.import_module(f"ecom_sync.sources.{platform}.webhooks")
    except ModuleNotFoundError:
        return None
    return module.parse_event


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
        try:
            event = parser(connection, await request.json())
        except ValueError as exc:
            received["rejected"] += 1
            return JSONResponse({"error": str(exc)}, status_code=400)
        # Durable before 2xx: a crash after this line loses nothing, the store retries.
        stored = store.add(event)
        received["stored" if stored else "duplicates"] += 1
        log.info("%s: %s %s (%s)", connection, event.scope, event.resource_id,
                 "stored" if stored else "duplicate")
        return JSONResponse({"stored": stored})

    async def health(_: Request) -> Response:
        return JSONResponse({"ok": True, **received})

    return Starlette(
        routes=[
            Route("/webhooks/{connection}", receive, methods=["POST"]),
            Route("/health", health),
        ]
    )

"""The ``store/cart/abandoned`` webhook: registration through the Hooks API and parsing.

BigCommerce has no cart list endpoint (sources.md 1.4): carts are discovered only by
this webhook, so the receiver must be registered and running to see them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ecom_sync.sources.bigcommerce.client import V3_PAGES
from ecom_sync.sources.bigcommerce.streams import CART_ABANDONED
from ecom_sync.sources.http import ApiClient
from ecom_sync.sources.paginators import ListRequest, fetch_all
from ecom_sync.sources.webhook_store import WebhookEvent

SCOPES = (CART_ABANDONED,)


def parse_event(connection: str, payload: dict[str, Any]) -> WebhookEvent:
    """``{"scope", "data": {"type", "id"}, "created_at": <unix s>, "producer"}``."""
    scope = payload.get("scope")
    data = payload.get("data") or {}
    if scope not in SCOPES or not data.get("id"):
        raise ValueError(f"unexpected webhook: scope={scope!r}")
    created = payload.get("created_at")
    created_at = (
        datetime.fromtimestamp(int(created), UTC) if created is not None else datetime.now(UTC)
    )
    return WebhookEvent(connection, scope, str(data["id"]), created_at, payload)


def register_hooks(
    api: ApiClient, page_size: int, destination: str, secret_header: dict[str, str]
) -> list[dict[str, Any]]:
    """Create (or re-activate) our hooks; idempotent, so reconnecting never doubles them."""
    existing = fetch_all(ListRequest(api, "/v3/hooks", {}, page_size), V3_PAGES)
    hooks = []
    for scope in SCOPES:
        body = {
            "scope": scope,
            "destination": destination,
            "is_active": True,
            "headers": secret_header,
        }
        match = next(
            (
                h
                for h in existing
                if h.get("scope") == scope and h.get("destination") == destination
            ),
            None,
        )
        if match is None:
            response = api.request("POST", "/v3/hooks", json=body)
        else:
            response = api.request("PUT", f"/v3/hooks/{match['id']}", json=body)
        hooks.append(response.json()["data"])
    return hooks

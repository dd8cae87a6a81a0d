"""Hooks API records and the ``store/cart/abandoned`` emitter.

Hook shape (Webhooks v3, ``POST /v3/hooks``): ``{id, client_id, store_hash, scope,
destination, is_active, headers, created_at, updated_at}`` with unix-second timestamps;
callbacks are POSTed with the hook's custom ``headers``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from ecom_sandbox.bigcommerce.store import CART_LIFETIME, Record, StoreData

ABANDONED = "store/cart/abandoned"
SANDBOX_CLIENT_ID = "sandboxclientid0000000000000000"
MAX_ATTEMPTS = 11


def scope_matches(hook_scope: str, event_scope: str) -> bool:
    """``store/cart/*`` and ``store/*`` match ``store/cart/abandoned``."""
    if hook_scope == event_scope:
        return True
    if hook_scope.endswith("/*"):
        return event_scope.startswith(hook_scope[:-1])
    return False


def new_hook(store: StoreData, body: dict[str, Any], now: datetime) -> Record:
    hook_id = store.next_id("hooks", start=18048287)
    stamp = int(now.timestamp())
    hook: Record = {
        "id": hook_id,
        "client_id": SANDBOX_CLIENT_ID,
        "store_hash": store.store_hash,
        "scope": body["scope"],
        "destination": body["destination"],
        "is_active": bool(body.get("is_active", True)),
        "events_history_enabled": bool(body.get("events_history_enabled", False)),
        "headers": body.get("headers") or None,
        "created_at": stamp,
        "updated_at": stamp,
    }
    store.hooks[hook_id] = hook
    return hook


def validate_hook_body(body: Any, *, partial: bool) -> dict[str, str]:
    """Return v3 ``errors`` for an invalid create / update body (empty when valid)."""
    errors: dict[str, str] = {}
    if not isinstance(body, dict):
        return {"body": "error.expected.jsobject"}
    for key in ("scope", "destination"):
        if key not in body and not partial:
            errors[key] = "error.path.missing"
        elif key in body and not isinstance(body[key], str):
            errors[key] = "error.expected.jsstring"
    dest = body.get("destination")
    if isinstance(dest, str) and not dest.startswith(("http://", "https://")):
        errors["destination"] = "error.invalid.url"
    headers = body.get("headers")
    if headers is not None and (
        not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values())
    ):
        errors["headers"] = "error.expected.jsobject"
    return errors


def abandoned_payload(store: StoreData, cart: Record, now: datetime) -> dict[str, Any]:
    """The lightweight callback body of ``store/cart/abandoned`` (sources.md 1.4)."""
    body: dict[str, Any] = {
        "scope": ABANDONED,
        "store_id": str(store.store_id),
        "data": {"type": "cart", "id": cart["id"], "token": cart["_token"]},
    }
    body["hash"] = hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()
    body["created_at"] = int(now.timestamp())
    body["producer"] = f"stores/{store.store_hash}"
    return body


@dataclass(frozen=True)
class Pending:
    """One callback to send."""

    store_hash: str
    hook_id: int
    cart_id: str
    destination: str
    headers: dict[str, str]
    payload: dict[str, Any]


def due_callbacks(
    store: StoreData, now: datetime, *, idle_seconds: float, backfill: bool
) -> list[Pending]:
    """Callbacks due at ``now``: carts idle ≥ ``idle_seconds`` and not converted before
    that, per active hook, not yet delivered and not waiting for a retry.

    Without ``backfill`` a hook only hears of carts abandoned after it was created (as the
    real platform); with it, also of carts already abandoned and still live then."""
    idle = timedelta(seconds=idle_seconds)
    out: list[Pending] = []
    hooks = [h for h in store.hooks.values() if h["is_active"] and scope_matches(h["scope"],
                                                                                ABANDONED)]
    if not hooks:
        return out
    for cart in store.carts.values():
        abandoned_at = cart["updated_time"] + idle
        if abandoned_at > now:
            continue
        converted_at = cart.get("_converted_at")
        if converted_at is not None and converted_at <= abandoned_at:
            continue
        for hook in hooks:
            created = datetime.fromtimestamp(hook["created_at"], tz=now.tzinfo)
            if abandoned_at < created:
                if not backfill or converted_at is not None:
                    continue
                if created - cart["updated_time"] > CART_LIFETIME:
                    continue
            state = store.deliveries.get(f"{hook['id']}:{cart['id']}")
            if state is not None and (
                state["delivered"] or state["attempts"] >= MAX_ATTEMPTS
                or state["next_attempt"] > now
            ):
                continue
            out.append(Pending(
                store_hash=store.store_hash,
                hook_id=hook["id"],
                cart_id=cart["id"],
                destination=hook["destination"],
                headers=dict(hook["headers"] or {}),
                payload=abandoned_payload(store, cart, now),
            ))
    return out


def send(client: httpx.Client, pending: Pending) -> tuple[bool, str]:
    """POST one callback; 2xx is success. Returns (ok, status or error text)."""
    headers = {
        **pending.headers,
        "Content-Type": "application/json",
        "User-Agent": "BigCommerce-Sandbox-Webhooks/1.0",
    }
    try:
        response = client.post(pending.destination, json=pending.payload, headers=headers)
    except httpx.HTTPError as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return 200 <= response.status_code < 300, str(response.status_code)


def record_attempt(
    store: StoreData, pending: Pending, ok: bool, outcome: str, now: datetime,
    retry_seconds: float,
) -> Record:
    key = f"{pending.hook_id}:{pending.cart_id}"
    state = store.deliveries.setdefault(key, {
        "id": key, "hook_id": pending.hook_id, "cart_id": pending.cart_id,
        "attempts": 0, "delivered": False, "next_attempt": now, "last_outcome": "",
    })
    state["attempts"] += 1
    state["delivered"] = ok
    state["last_outcome"] = outcome
    state["next_attempt"] = now + timedelta(seconds=retry_seconds * state["attempts"])
    return state

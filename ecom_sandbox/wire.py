"""The transport half of the fault catalogue (``ecom_sandbox/faults.py``), once for every
stand-in: an ASGI wrapper around its app that answers or mangles a request on the wire
the way gateways, proxies and broken connections do. The API never sees the request
(``http_429``, ``http_5xx``), or serves it in full while its answer is delayed past the
client's timeout (``slow``), cut off mid-body (``drop``), cut short into invalid JSON
(``truncated_json``) or replaced by a proxy's page (``invalid_json``): the cases where
the work is done but the client cannot know it. ``/_sandbox/...`` admin routes are never
faulted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecom_sandbox.faults import TRANSPORT_KINDS, Fault, FaultList

StoreOf = Callable[[Scope], str | None]
"""Which store (BigCommerce store hash, Shopify shop, Connectif account) a request is for,
so a fault can be limited to one; ``None`` when the API serves one account."""

GATEWAY_PAGE = b"<html><head><title>%d</title></head><body><h1>%d</h1>upstream error</body></html>"
MAINTENANCE_PAGE = b"<html><body><h1>We'll be right back</h1>Scheduled maintenance.</body></html>"


def no_store(scope: Scope) -> str | None:
    return None


def path_store(prefix: str) -> StoreOf:
    """The store named by the path segment after ``prefix`` (``/stores/{hash}/...``)."""
    def store_of(scope: Scope) -> str | None:
        parts = scope["path"].split("/")
        return parts[2] if len(parts) > 2 and parts[1] == prefix else None

    return store_of


def _header_list(content_type: bytes, length: int, extra: list[tuple[bytes, bytes]] | None = None
                 ) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", content_type), (b"content-length", str(length).encode()),
            *(extra or [])]


async def _respond(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": _header_list(content_type, len(body))})
    await send({"type": "http.response.body", "body": body})


async def _served(app: ASGIApp, scope: Scope, receive: Receive
                  ) -> tuple[Message, bytes]:
    """Run the app for the request; its response start message and whole body."""
    start: Message = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return start, b"".join(chunks)


def _with_length(start: Message, length: int) -> Message:
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    return {**start, "headers": [*headers, (b"content-length", str(length).encode())]}


def with_transport_faults(app: ASGIApp, faults: FaultList[Any],
                          store_of: StoreOf = no_store) -> ASGIApp:
    """``app`` behind the transport faults of ``faults`` (see the module docstring)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await app(scope, receive, send)
            return
        _, fault = faults.consume(
            store_of(scope), lambda f: f if f.seen % max(1, f.every) == 0 else None,
            kinds=TRANSPORT_KINDS, path=scope["path"])
        if fault is None:
            await app(scope, receive, send)
            return
        await _faulted(app, fault, scope, receive, send)

    return wrapped


async def _faulted(app: ASGIApp, fault: Fault, scope: Scope, receive: Receive,
                   send: Send) -> None:
    if fault.kind == "http_429":
        await _respond(send, 429, b'{"error":"Too Many Requests"}', b"application/json")
        return
    if fault.kind == "http_5xx":
        await _respond(send, fault.status, GATEWAY_PAGE % (fault.status, fault.status),
                       b"text/html")
        return
    start, body = await _served(app, scope, receive)
    if fault.kind == "invalid_json":  # served, and a proxy put its own page in the answer
        await _respond(send, 200, MAINTENANCE_PAGE, b"application/json")
        return
    if fault.kind == "slow":
        await asyncio.sleep(fault.seconds)
        await send(start)
        await send({"type": "http.response.body", "body": body})
    elif fault.kind == "truncated_json":
        cut = body[: max(1, len(body) // 2)]
        await send(_with_length(start, len(cut)))
        await send({"type": "http.response.body", "body": cut})
    else:  # drop: the promised length, half the body, then the connection closes
        await send(start)
        await send({"type": "http.response.body", "body": body[: len(body) // 2],
                    "more_body": True})

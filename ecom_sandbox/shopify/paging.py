"""Opaque ``page_info`` cursors and the ``Link`` header.

A cursor is base64url JSON (no padding) shaped like Shopify's observed values —
``{"direction":"next","last_id":...,"last_value":"...",...}`` — plus what this stand-in
needs to serve the next page alone: the resource, the sort order and the **original
filters**, an issue time and a generation, and an HMAC so a garbled value is rejected.
Cursors expire ``ttl_seconds`` after they are issued (wall clock), and all issued cursors
expire at once with :meth:`PageInfoCodec.expire_all` (test hook). Expired or garbled →
``400 {"errors":{"page_info":"Invalid value."}}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from ecom_sandbox.signed_tokens import SignedTokens

Direction = Literal["next", "prev"]


class InvalidPageInfo(Exception):
    pass


@dataclass(frozen=True)
class Cursor:
    resource: str
    direction: Direction
    last_id: int
    last_value: str
    order: str  # "updated_at asc"
    filters: dict[str, str]


class PageInfoCodec(SignedTokens):
    def __init__(self, ttl_seconds: float = 900.0,
                 wall_clock: Callable[[], float] = time.time) -> None:
        super().__init__(ttl_seconds, wall_clock, signature_chars=16)

    def encode(self, cursor: Cursor) -> str:
        doc = {
            "direction": cursor.direction, "last_id": cursor.last_id,
            "last_value": cursor.last_value, "resource": cursor.resource,
            "order": cursor.order, "filters": cursor.filters,
            "iat": self.issued_now(), "gen": self.generation,
        }
        payload = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
        doc["sig"] = self.sign(payload)
        raw = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, token: str, resource: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            doc = json.loads(raw)
            sig = doc.pop("sig")
            payload = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
            if not self.valid_signature(payload, sig):
                raise InvalidPageInfo("signature")
            if why := self.why_expired(float(doc["iat"]), doc["gen"]):
                raise InvalidPageInfo(f"expired ({why})")
            if doc["resource"] != resource or doc["direction"] not in ("next", "prev"):
                raise InvalidPageInfo("wrong resource")
            return Cursor(resource=doc["resource"], direction=doc["direction"],
                          last_id=int(doc["last_id"]), last_value=str(doc["last_value"]),
                          order=str(doc["order"]),
                          filters={str(k): str(v) for k, v in doc["filters"].items()})
        except InvalidPageInfo:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
            raise InvalidPageInfo("garbled") from exc


def link_header(url: str, limit: int, fields: str | None, prev_token: str | None,
                next_token: str | None) -> str | None:
    """``<url?limit=..&page_info=..>; rel="previous", <...>; rel="next"`` or ``None``."""
    parts = []
    for token, rel in ((prev_token, "previous"), (next_token, "next")):
        if token is None:
            continue
        query: dict[str, str | int] = {"limit": limit}
        if fields:
            query["fields"] = fields
        query["page_info"] = token
        parts.append(f'<{url}?{urlencode(query)}>; rel="{rel}"')
    return ", ".join(parts) or None

"""Opaque pagination cursors: valid only for the query they were issued for, for a few
minutes (Square's live about five), and only on the endpoint that issued them.

A cursor carries what the stand-in needs to serve the next page alone: a fingerprint of
the original query (every field but ``cursor`` and ``limit``), the keyset position after
the last record served (so records inserted or moved during a walk shift nothing), and the
defaults frozen at the first request (an omitted end is "now" at the first page, for the
whole walk). It is signed; a changed query, an expired or a garbled cursor is refused
with ``400 INVALID_CURSOR`` (field ``cursor``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecom_sandbox.signed_tokens import SignedTokens
from ecom_sandbox.square.wire import ApiError


def fingerprint(query: dict[str, Any]) -> str:
    """What must stay identical from page to page: everything but cursor and limit."""
    same = {k: v for k, v in query.items() if k not in ("cursor", "limit")}
    return hashlib.sha256(json.dumps(same, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Position:
    after: list[Any]  # the sort key of the last record served
    frozen: dict[str, str]  # defaults resolved at the walk's first request


class CursorCodec(SignedTokens):
    def __init__(self, ttl_seconds: float = 300.0,
                 wall_clock: Callable[[], float] = time.time) -> None:
        super().__init__(ttl_seconds, wall_clock, signature_chars=20)

    def encode(self, endpoint: str, query: dict[str, Any], position: Position) -> str:
        doc = {"e": endpoint, "q": fingerprint(query), "a": position.after,
               "f": position.frozen, "t": self.issued_now(), "g": self.generation}
        payload = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
        token = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{token}.{self.sign(payload)}"

    def decode(self, token: Any, endpoint: str, query: dict[str, Any]) -> Position:
        def refuse(why: str) -> ApiError:
            return ApiError(400, "INVALID_CURSOR", f"The cursor is invalid: {why}.", "cursor")

        try:
            body, sig = str(token).rsplit(".", 1)
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            doc = json.loads(payload)
        except (ValueError, binascii.Error):
            raise refuse("garbled") from None
        if not self.valid_signature(payload, sig) or doc.get("e") != endpoint:
            raise refuse("not issued for this endpoint")
        if self.why_expired(doc["t"], doc["g"]):
            raise refuse("it has expired; start again without a cursor")
        if doc["q"] != fingerprint(query):
            raise refuse("it was issued for a different query; send the original query "
                         "with the cursor")
        return Position(list(doc["a"]), dict(doc["f"]))

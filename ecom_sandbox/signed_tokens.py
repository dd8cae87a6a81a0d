"""What the stand-ins' opaque page tokens share: an HMAC under a per-process secret, a
lifetime on the wall clock, and a generation that expires every token issued so far at
once (a test hook). Each API shapes its own token around these."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable


class SignedTokens:
    def __init__(self, ttl_seconds: float, wall_clock: Callable[[], float] = time.time,
                 signature_chars: int = 16) -> None:
        self.ttl_seconds = ttl_seconds
        self.wall_clock = wall_clock
        self._signature_chars = signature_chars
        self._secret = secrets.token_bytes(16)
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        return self._generation

    def expire_all(self) -> None:
        """Every token issued so far becomes invalid (as if its lifetime had passed)."""
        with self._lock:
            self._generation += 1

    def sign(self, payload: bytes) -> str:
        return hmac.new(self._secret, payload, hashlib.sha256).hexdigest()[
            : self._signature_chars]

    def valid_signature(self, payload: bytes, signature: str) -> bool:
        return hmac.compare_digest(signature, self.sign(payload))

    def issued_now(self) -> float:
        return round(self.wall_clock(), 3)

    def why_expired(self, issued_at: float, generation: int) -> str | None:
        """``"expire_all"``, ``"ttl"`` or None (still valid)."""
        if generation != self._generation:
            return "expire_all"
        if self.wall_clock() - issued_at > self.ttl_seconds:
            return "ttl"
        return None

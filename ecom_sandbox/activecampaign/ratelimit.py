"""The account's request budget: a token bucket of ``rate`` requests per second shared by
v3 REST and GraphQL (destinations.md A.1 "Rate limit"; ac-graphql.md section 1)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    headers: dict[str, str]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class TokenBucket:
    """``rate`` tokens per second, at most ``capacity`` (default: one second's worth)."""

    def __init__(
        self, rate: float, capacity: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._last = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def _headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": _number(self.rate),
            "RateLimit-Remaining": str(max(0, math.floor(self._tokens))),
        }

    def acquire(self) -> Decision:
        """Take one token, or refuse with ``Retry-After`` (whole seconds, at least 1)."""
        with self._lock:
            self._refill()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return Decision(True, self._headers())
            headers = self._headers()
            wait = (1.0 - self._tokens) / self.rate
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return Decision(False, headers)

    def peek(self) -> dict[str, str]:
        with self._lock:
            self._refill()
            return self._headers()

    def drain(self) -> None:
        """Use up the current budget (tests: "another app of the account was busy")."""
        with self._lock:
            self._refill()
            self._tokens = 0.0

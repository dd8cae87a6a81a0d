"""Shopify's REST leaky bucket: ``bucket`` requests of burst, leaking ``leak_per_second``."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    headers: dict[str, str]


class LeakyBucket:
    """Per shop (per app): every request adds 1; the level drains continuously. A request
    that would overflow the bucket is refused (429) and not counted."""

    def __init__(self, bucket: int = 40, leak_per_second: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bucket = bucket
        self.leak_per_second = leak_per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._level = 0.0
        self._last = clock()

    def configure(self, bucket: int | None = None, leak_per_second: float | None = None,
                  *, empty: bool = True) -> None:
        with self._lock:
            if bucket is not None:
                self.bucket = bucket
            if leak_per_second is not None:
                self.leak_per_second = leak_per_second
            if empty:
                self._level = 0.0
            self._last = self._clock()

    def _drain(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._last) * self.leak_per_second)
        self._last = now

    def _header(self) -> dict[str, str]:
        used = min(self.bucket, math.ceil(self._level - 1e-9))
        return {CALL_LIMIT_HEADER: f"{used}/{self.bucket}"}

    def acquire(self) -> Decision:
        with self._lock:
            self._drain()
            if self._level + 1 > self.bucket + 1e-9:
                return Decision(False, self._header())
            self._level += 1
            return Decision(True, self._header())

    def peek(self) -> dict[str, str]:
        with self._lock:
            self._drain()
            return self._header()

    def fill(self, n: float) -> None:
        """Simulate other calls (another app, a burst) adding ``n`` to the level."""
        with self._lock:
            self._drain()
            self._level = min(float(self.bucket), self._level + n)

    @property
    def level(self) -> float:
        with self._lock:
            self._drain()
            return self._level

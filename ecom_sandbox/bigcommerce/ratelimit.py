"""BigCommerce's per-store request quota: a fixed window shared by every app."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """Outcome of one request against the quota, with the headers to send."""

    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """``quota`` requests per ``window_ms``; the window starts at the first request after
    the previous one expired (BigCommerce reports the time left in ``...-Reset-Ms``)."""

    def __init__(
        self,
        quota: int = 150,
        window_ms: int = 30_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.quota = quota
        self.window_ms = window_ms
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start = -math.inf
        self._used = 0

    def configure(self, quota: int | None = None, window_ms: int | None = None) -> None:
        with self._lock:
            if quota is not None:
                self.quota = quota
            if window_ms is not None:
                self.window_ms = window_ms
            self._window_start = -math.inf
            self._used = 0

    def _roll(self, now: float) -> None:
        if (now - self._window_start) * 1000 >= self.window_ms:
            self._window_start = now
            self._used = 0

    def _headers(self, now: float) -> dict[str, str]:
        reset_ms = max(0, math.ceil(self.window_ms - (now - self._window_start) * 1000))
        return {
            "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
            "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Requests-Left": str(max(0, self.quota - self._used)),
        }

    def acquire(self) -> Decision:
        """Count one request; refuse (429) when the window's quota is used up."""
        with self._lock:
            now = self._clock()
            self._roll(now)
            if self._used >= self.quota:
                headers = self._headers(now)
                headers["X-Retry-After"] = str(
                    max(1, math.ceil(int(headers["X-Rate-Limit-Time-Reset-Ms"]) / 1000))
                )
                return Decision(False, headers)
            self._used += 1
            return Decision(True, self._headers(now))

    def peek(self) -> dict[str, str]:
        """Headers without counting a request (for responses that are not metered)."""
        with self._lock:
            now = self._clock()
            self._roll(now)
            return self._headers(now)

    def consume(self, n: int) -> None:
        """Simulate other apps on the same store using ``n`` requests of this window."""
        with self._lock:
            self._roll(self._clock())
            self._used = min(self.quota, self._used + n)

"""The account's request budget: ``limit`` requests per fixed window, announced on every
response as ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``
(epoch seconds of the window's end), 429 once it is spent (destinations.md B.1, B.7.2).

The only public figure is ``X-RateLimit-Limit: 100`` from a third-party client; the
window is not documented. Our choice: 100 per second (``DEFAULT_LIMIT`` /
``DEFAULT_WINDOW_S``), both configurable. No ``Retry-After`` is sent: a client has to
read the reset time, as against the real service."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_LIMIT = 100
DEFAULT_WINDOW_S = 1.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    headers: dict[str, str]


class FixedWindow:
    def __init__(self, limit: int = DEFAULT_LIMIT, window_s: float = DEFAULT_WINDOW_S,
                 clock: Callable[[], float] = time.time) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be >= 1 and window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._window_end = 0.0
        self._used = 0

    def acquire(self) -> Decision:
        with self._lock:
            now = self._clock()
            if now >= self._window_end:
                start = now - (now % self.window_s)
                self._window_end = start + self.window_s
                self._used = 0
            allowed = self._used < self.limit
            if allowed:
                self._used += 1
            return Decision(allowed, {
                "X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(self.limit - self._used),
                "X-RateLimit-Reset": str(math.ceil(self._window_end)),
            })

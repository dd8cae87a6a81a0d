"""The site's rate limit: ``limit`` requests in any one second per token; more get 429
with ``Retry-After`` (whole seconds)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class PerSecond:
    def __init__(self, limit: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def acquire(self, token: str) -> float | None:
        """None when the request may go; else the seconds to wait."""
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault(token, deque())
            while seen and now - seen[0] >= 1.0:
                seen.popleft()
            if len(seen) >= self.limit:
                return max(0.0, 1.0 - (now - seen[0]))
            seen.append(now)
            return None


def retry_after_header(wait_s: float) -> str:
    return str(max(1, math.ceil(wait_s)))

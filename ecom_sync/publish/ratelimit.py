"""Pacing shared by every request to one destination account (pyrate-limiter buckets)."""

from __future__ import annotations

import httpx
from pyrate_limiter import Duration, Limiter, Rate

from ecom_sync.sources.http import RatePolicy


class AccountPacing(RatePolicy):
    """One bucket per account paces every request (REST and GraphQL alike), so a publish
    runs at the account's limit without provoking 429 storms; a 429 or 503 still waits
    for its ``Retry-After``."""

    def __init__(self, per_second: float) -> None:
        # Whole requests per window: 5/s → 5 per 1000 ms; 2.5/s → 5 per 2000 ms.
        count = max(1, round(per_second)) if per_second >= 1 else 1
        window_ms = round(1000 * count / per_second)
        self.limiter = Limiter(Rate(count, window_ms))
        self.throttled = 0  # 429/503 answers seen

    def before_request(self) -> None:
        self.limiter.try_acquire("account")

    def after_response(self, response: httpx.Response) -> None:
        if response.status_code in (429, 503):
            self.throttled += 1


def per_minute_limiter(per_minute: int) -> Limiter:
    return Limiter(Rate(per_minute, Duration.MINUTE))

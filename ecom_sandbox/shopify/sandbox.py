"""The Shopify stand-in's state: shops, leaky buckets, faults, cursors, request hooks,
merchant actions and persistence."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ecom_sandbox.clock import Clock, utc_now_whole_seconds, whole_seconds
from ecom_sandbox.hooks import RequestCallback, RequestHooks
from ecom_sandbox.saved_state import SavedState
from ecom_sandbox.shopify import generator
from ecom_sandbox.shopify.faults import Faults
from ecom_sandbox.shopify.paging import PageInfoCodec
from ecom_sandbox.shopify.ratelimit import LeakyBucket
from ecom_sandbox.shopify.shop import Record, ShopData

SUPPORTED_VERSIONS: tuple[str, ...] = (
    "2023-10", "2024-01", "2024-04", "2024-07", "2024-10", "2025-01", "2025-04", "2025-07",
    "2025-10",
)


@dataclass
class Settings:
    """Behaviour switches of the stand-in."""

    supported_versions: list[str] = field(default_factory=lambda: list(SUPPORTED_VERSIONS))
    page_info_ttl_seconds: float = 900.0
    clamp_limit: bool = False  # limit > 250: False → 400, True → served as 250
    order_window_days: int = 60  # without read_all_orders

    def serve_version(self, requested: str) -> str:
        """The version that answers: the requested one if supported, else the oldest."""
        return requested if requested in self.supported_versions else \
            min(self.supported_versions)


class Sandbox(RequestHooks, SavedState):
    """All state of a served Shopify stand-in (one or more shops)."""

    records_key = "shops"
    record_type = ShopData
    settings_type = Settings

    def __init__(
        self,
        shops: Iterable[ShopData],
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
        wall_clock: Callable[[], float] = time.time,
        activity_seed: int = 0,
    ) -> None:
        self.shops: dict[str, ShopData] = {s.shop: s for s in shops}
        self.settings = settings or Settings()
        self.clock = clock or utc_now_whole_seconds
        self.faults = Faults()
        self.lock = threading.RLock()
        self.buckets: dict[str, LeakyBucket] = {
            s.shop: LeakyBucket(s.rate_bucket, s.leak_per_second) for s in self.shops.values()
        }
        self.page_info = PageInfoCodec(self.settings.page_info_ttl_seconds, wall_clock)
        self._callbacks: list[RequestCallback] = []
        self._request_counts: dict[str, int] = dict.fromkeys(self.shops, 0)
        self._activity_rng = random.Random(f"shopify-activity:{activity_seed}")

    # ----- construction --------------------------------------------------------------
    @classmethod
    def demo(cls, seed: int = 7, now: datetime | None = None, *,
             settings: Settings | None = None, **kwargs: Any) -> Sandbox:
        """A sandbox with :func:`generator.demo_shops` (``acme-nordic``); ``kwargs`` go to
        it (``customers``, ``orders``, ``shared_emails``, ``rate_bucket``, ...)."""
        return cls(generator.demo_shops(seed, now, **kwargs), settings=settings,
                   activity_seed=seed)

    def shop(self, shop: str) -> ShopData:
        return self.shops[shop]

    def now(self, shop: str | None = None) -> datetime:
        """The shop's clock: ``clock`` plus any injected ``clock_skew``."""
        return self.faults.now(self.clock, shop)

    # ----- access ----------------------------------------------------------------------
    def set_scopes(self, shop: str, scopes: Iterable[str], token: str | None = None) -> None:
        """Grant ``scopes`` to ``token`` (default: the shop's demo token), replacing the
        previous grant — e.g. without ``read_all_orders`` for the 60-day window."""
        data = self.shops[shop]
        data.tokens[token or data.token] = sorted(set(scopes))

    def add_token(self, shop: str, token: str, scopes: Iterable[str]) -> None:
        self.shops[shop].tokens[token] = sorted(set(scopes))

    def revoke_scope(self, shop: str, scope: str, token: str | None = None) -> None:
        data = self.shops[shop]
        key = token or data.token
        data.tokens[key] = [s for s in data.tokens[key] if s != scope]

    # ----- cursors ---------------------------------------------------------------------
    def expire_page_info(self) -> None:
        """Invalidate every ``page_info`` issued so far (next use → 400 Invalid value)."""
        self.page_info.expire_all()

    def set_page_info_ttl(self, seconds: float) -> None:
        self.settings.page_info_ttl_seconds = seconds
        self.page_info.ttl_seconds = seconds

    # ----- merchant changes ------------------------------------------------------------
    def touch(self, shop: str, kind: str, record_id: int, now: datetime | None = None,
              **changes: Any) -> Record:
        """Change a record (``kind``: customers, orders, products, checkouts) and bump its
        ``updated_at`` to ``now`` (default: the clock; to the whole second, like Shopify) —
        it moves to the end of ``order=updated_at asc`` pages."""
        stamp = whole_seconds(now or self.now(shop))
        with self.lock:
            return self.shops[shop].touch(kind, record_id, stamp, **changes)

    def delete(self, shop: str, kind: str, record_id: int,
               now: datetime | None = None) -> Record:
        """Delete a record; it leaves a ``destroy`` event (``events.json?filter=Order``)."""
        with self.lock:
            return self.shops[shop].delete(kind, record_id, now or self.clock())

    def refund_order(self, shop: str, order_id: int, amount: Decimal | str | None = None,
                     now: datetime | None = None) -> Record:
        with self.lock:
            return self.shops[shop].refund_order(
                order_id, now or self.clock(), None if amount is None else Decimal(amount))

    def cancel_order(self, shop: str, order_id: int, now: datetime | None = None) -> Record:
        with self.lock:
            return self.shops[shop].cancel_order(order_id, now or self.clock())

    def close_order(self, shop: str, order_id: int, now: datetime | None = None) -> Record:
        with self.lock:
            return self.shops[shop].close_order(order_id, now or self.clock())

    def add_activity(self, now: datetime | None = None, *, shop: str | None = None,
                     seed: int | None = None, **sizes: int) -> dict[str, dict[str, int]]:
        """Run :func:`generator.add_activity` on every shop (or one); counts per shop."""
        rng = random.Random(seed) if seed is not None else self._activity_rng
        now = now or self.now(shop)
        with self.lock:
            targets = [shop] if shop else list(self.shops)
            return {s: generator.add_activity(rng, now, self.shops[s], **sizes)
                    for s in targets}

    # ----- rate limit ------------------------------------------------------------------
    def set_rate_limit(self, shop: str | None = None, bucket: int | None = None,
                       leak_per_second: float | None = None) -> None:
        """Change one shop's (or every shop's) bucket at runtime; the bucket is emptied."""
        for s in [shop] if shop else list(self.buckets):
            self.buckets[s].configure(bucket, leak_per_second)
            if bucket is not None:
                self.shops[s].rate_bucket = bucket
            if leak_per_second is not None:
                self.shops[s].leak_per_second = leak_per_second

    def fill_bucket(self, shop: str, n: float) -> None:
        """Simulate other calls on the shop adding ``n`` to its bucket."""
        self.buckets[shop].fill(n)

    # ----- summary ---------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        with self.lock:
            out: dict[str, Any] = {}
            for name, shop in self.shops.items():
                counts = shop.counts()
                counts["requests"] = self._request_counts.get(name, 0)
                out[name] = {
                    "name": shop.name, "domain": shop.domain, "utc_offset": shop.utc_offset,
                    "counts": counts,
                    "rate_limit": {"bucket": self.buckets[name].bucket,
                                   "leak_per_second": self.buckets[name].leak_per_second},
                }
            return out

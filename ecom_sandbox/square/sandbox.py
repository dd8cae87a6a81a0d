"""The Square stand-in's state: merchants (found by access token), settings, faults,
cursors, request hooks, seller actions and persistence."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ecom_sandbox.clock import Clock, utc_now
from ecom_sandbox.hooks import RequestCallback, RequestHooks
from ecom_sandbox.saved_state import SavedState
from ecom_sandbox.square import generator
from ecom_sandbox.square.api import Ctx
from ecom_sandbox.square.cursors import CursorCodec
from ecom_sandbox.square.faults import Faults
from ecom_sandbox.square.merchant import MerchantData, Record
from ecom_sandbox.square.wire import to_ms

KIND_ALIASES = {"items": "catalog"}


@dataclass
class Settings:
    """Behaviour switches of the stand-in."""

    default_version: str = "2025-08-20"  # answered when a request names none
    cursor_ttl_seconds: float = 300.0  # Square's cursors live about five minutes
    # Eventual consistency: a change shows up this many seconds later (per kind:
    # "payments", "customers" — the search index lags up to a minute). Off by default.
    lag_seconds: dict[str, float] = field(default_factory=dict)


class Sandbox(RequestHooks, SavedState):
    """All state of a served Square stand-in (one or more merchants)."""

    records_key = "merchants"
    record_type = MerchantData
    settings_type = Settings

    def __init__(
        self,
        merchants: Iterable[MerchantData],
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
        wall_clock: Callable[[], float] = time.time,
        activity_seed: int = 0,
    ) -> None:
        self.merchants: dict[str, MerchantData] = {m.merchant_id: m for m in merchants}
        self.settings = settings or Settings()
        self.clock = clock or utc_now
        self.faults = Faults()
        self.lock = threading.RLock()
        self.cursors = CursorCodec(self.settings.cursor_ttl_seconds, wall_clock)
        self._callbacks: list[RequestCallback] = []
        self._request_counts: dict[str, int] = dict.fromkeys(self.merchants, 0)
        self._activity_rng = random.Random(f"square-activity:{activity_seed}")

    @classmethod
    def demo(cls, seed: int = 7, now: datetime | None = None, *,
             specs: Iterable[generator.MerchantSpec] = (generator.DEMO_SPEC,),
             settings: Settings | None = None) -> Sandbox:
        now = now or utc_now()
        return cls([generator.generate_merchant(s, seed=seed, now=now) for s in specs],
                   settings=settings, activity_seed=seed)

    # ----- access ----------------------------------------------------------------------
    def by_token(self, token: str | None) -> MerchantData | None:
        return next((m for m in self.merchants.values() if token and token in m.tokens), None)

    def merchant(self, merchant_id: str) -> MerchantData:
        return self.merchants[merchant_id]

    def now(self, merchant: str | None = None) -> datetime:
        """The merchant's clock: ``clock`` plus any injected ``clock_skew``."""
        return self.faults.now(self.clock, merchant)

    def ctx(self, merchant: str | None = None) -> Ctx:
        return Ctx(to_ms(self.now(merchant)), self.cursors, self.settings.lag_seconds)

    def expire_cursors(self) -> None:
        """Invalidate every cursor issued so far (next use → 400 INVALID_CURSOR)."""
        self.cursors.expire_all()

    # ----- seller changes --------------------------------------------------------------
    def touch(self, merchant: str, kind: str, record_id: str, now: datetime | None = None,
              **changes: Any) -> Record:
        """Change a record (``kind``: customers, payments, orders, items) and stamp its
        ``updated_at`` with ``now`` (default: the clock)."""
        with self.lock:
            return self.merchants[merchant].touch(KIND_ALIASES.get(kind, kind), record_id,
                                                  to_ms(now or self.now(merchant)), **changes)

    def refund(self, merchant: str, payment_id: str, amount: int | None = None,
               now: datetime | None = None) -> Record:
        with self.lock:
            return self.merchants[merchant].refund(payment_id, to_ms(now or self.clock()),
                                                   amount)

    def add_payment(self, merchant: str, location_id: str, created: datetime,
                    customer_id: str | None = None) -> Record:
        """A completed payment (and its order) stamped ``created``, appearing now: with a
        past stamp it is late data, like an offline payment uploaded later."""
        with self.lock:
            data = self.merchants[merchant]
            return generator.new_payment(self._activity_rng, data, location_id,
                                         to_ms(created),
                                         customer=data.customers.get(customer_id or ""))

    def add_activity(self, now: datetime | None = None, *, merchant: str | None = None,
                     seed: int | None = None, **sizes: int) -> dict[str, dict[str, int]]:
        """Run :func:`generator.add_activity` on every merchant (or one); counts per
        location."""
        rng = random.Random(seed) if seed is not None else self._activity_rng
        now = now or self.now(merchant)
        counts: dict[str, dict[str, int]] = {}
        with self.lock:
            for m in [merchant] if merchant else list(self.merchants):
                counts.update(generator.add_activity(rng, now, self.merchants[m], **sizes))
        return counts

    # ----- summary ---------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {
                m.merchant_id: {
                    "name": m.name, "counts": {**m.counts(),
                                               "requests": self._request_counts.get(
                                                   m.merchant_id, 0)},
                    "locations": {loc["id"]: loc["name"] for loc in m.locations.values()},
                }
                for m in self.merchants.values()
            }

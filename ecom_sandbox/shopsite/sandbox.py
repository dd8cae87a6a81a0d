"""The shop-site stand-in's state: sites, rate limit, faults, request hooks, what the
merchant's shop does (orders, carts, back-office syncs) and persistence."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ecom_sandbox.clock import Clock, utc_now_whole_seconds, whole_seconds
from ecom_sandbox.hooks import RequestCallback, RequestHooks
from ecom_sandbox.raw import raw_key, raw_record, text_id
from ecom_sandbox.records import person
from ecom_sandbox.saved_state import SavedState
from ecom_sandbox.shopsite import generator
from ecom_sandbox.shopsite.faults import Faults
from ecom_sandbox.shopsite.ratelimit import PerSecond
from ecom_sandbox.shopsite.site import Record, SiteData


@dataclass
class Settings:
    rate_limit_per_second: float = 10.0  # per token (specs/shopsite.md)


class Sandbox(RequestHooks, SavedState):
    """All state of a served shop-site stand-in (one or more sites)."""

    records_key = "sites"
    record_type = SiteData
    settings_type = Settings

    def __init__(self, sites: Iterable[SiteData], *, settings: Settings | None = None,
                 clock: Clock | None = None, activity_seed: int = 0) -> None:
        self.sites: dict[str, SiteData] = {s.site: s for s in sites}
        self.settings = settings or Settings()
        self.clock = clock or utc_now_whole_seconds
        self.faults = Faults()
        self.lock = threading.RLock()
        self.rate = PerSecond(self.settings.rate_limit_per_second)
        self._callbacks: list[RequestCallback] = []
        self._request_counts: dict[str, int] = dict.fromkeys(self.sites, 0)
        self._activity_rng = random.Random(f"shopsite-activity:{activity_seed}")

    @classmethod
    def demo(cls, seed: int = 7, now: datetime | None = None, *,
             settings: Settings | None = None, **kwargs: Any) -> Sandbox:
        """A sandbox with :func:`generator.demo_sites`; ``kwargs`` go to it."""
        return cls(generator.demo_sites(seed, now, **kwargs), settings=settings,
                   activity_seed=seed)

    def site(self, name: str | None = None) -> SiteData:
        """A site by handle; ``None``: the only one."""
        if name is None:
            if len(self.sites) != 1:
                raise KeyError("name the site")
            return next(iter(self.sites.values()))
        return self.sites[name]

    def now(self, now: datetime | None = None, site: str | None = None) -> datetime:
        """``now``, else the site's clock (skewed by a ``clock_skew`` fault), to the second."""
        return whole_seconds(now or self.faults.now(self.clock, site))

    def set_rate_limit(self, per_second: float) -> None:
        self.settings.rate_limit_per_second = per_second
        self.rate.limit = per_second

    # ----- what happens at the shop ----------------------------------------------------
    def place_order(self, site: str | None = None, *, customer_id: str | None = None,
                    guest: tuple[str, str, str] | None = None, now: datetime | None = None,
                    n_lines: int | None = None, **options: Any) -> Record:
        """An order placed now by a registered customer (``customer_id``) or a guest
        (first, last, e-mail; default: a made-up one)."""
        with self.lock:
            data = self.site(site)
            customer = data.customers[customer_id] if customer_id else None
            rng = self._activity_rng
            return data.place_order(self.now(now, data.site), generator.lines(rng, n_lines),
                                    customer=customer,
                                    guest=None if customer else guest or person(rng),
                                    **options)

    def save_cart(self, site: str | None = None, *, customer_id: str | None = None,
                  cart_id: str | None = None, now: datetime | None = None,
                  n_lines: int | None = None) -> Record:
        """Create a cart (a registered ``customer_id``'s, else an anonymous visitor's) or,
        with ``cart_id``, change its lines."""
        with self.lock:
            data = self.site(site)
            customer = data.customers[customer_id] if customer_id else None
            rng = self._activity_rng
            return data.save_cart(self.now(now, data.site), generator.lines(rng, n_lines),
                                  customer=customer, cart_id=cart_id,
                                  token=f"{rng.getrandbits(48):012x}")

    def start_sync(self, site: str | None = None, *, kind: str = "changed",
                   finish_after_s: float | None = None, outcome: str = "finished",
                   now: datetime | None = None) -> Record:
        """A back-office sync starting now; it ends ``finish_after_s`` later, or when
        :meth:`finish_sync` is called."""
        with self.lock:
            started = self.now(now, self.site(site).site)
            finish_at = (None if finish_after_s is None
                         else started + timedelta(seconds=finish_after_s))
            return self.site(site).start_sync(started, kind, finish_at=finish_at,
                                              outcome=outcome)

    def finish_sync(self, run_id: str, site: str | None = None, *, status: str = "finished",
                    now: datetime | None = None) -> Record:
        with self.lock:
            return self.site(site).finish_sync(run_id, self.now(now, self.site(site).site), status)

    def finish_due_syncs(self) -> int:
        with self.lock:
            now = self.clock()
            return sum(s.finish_due(now) for s in self.sites.values())

    def touch(self, site: str, kind: str, record_id: Any, now: datetime | None = None,
              /, **changes: Any) -> Record:
        with self.lock:
            return self.sites[site].touch(kind, str(record_id), self.now(now, site), **changes)

    def add_raw(self, site: str, kind: str, raw: Any, *, at: datetime | None = None) -> Record:
        """Serve ``raw`` (any JSON) as a record of ``kind`` (customers, orders, carts) on
        the site's list pages, as if changed ``at`` (default: the clock):
        ``ecom_sandbox/raw.py``."""
        with self.lock:
            at = self.now(at, site)
            records: dict[str, Record] = getattr(self.sites[site], kind)
            key = raw_key(records, raw, text_id)
            template = next(iter(records.values()))
            stamps = {k: at for k in ("created_at", "modified_at", "placed_at") if k in template}
            record = raw_record(template, raw, key, stamps)
            records[key] = record
            return record

    def add_activity(self, now: datetime | None = None, *, site: str | None = None,
                     seed: int | None = None, **sizes: Any) -> dict[str, dict[str, int]]:
        rng = random.Random(seed) if seed is not None else self._activity_rng
        with self.lock:
            targets = [site] if site else list(self.sites)
            return {self.sites[s].name: generator.add_activity(rng, self.now(now, s),
                                                               self.sites[s], **sizes)
                    for s in targets}

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {name: {"name": s.name, "utc_offset": s.utc_offset,
                           "counts": {**s.counts(),
                                      "requests": self._request_counts.get(name, 0)},
                           "last_finished_sync": (f.isoformat() if (f := s.last_finished_sync())
                                                  else None)}
                    for name, s in self.sites.items()}

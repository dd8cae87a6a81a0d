"""The stand-in's state: stores, quotas, faults, hooks, request callbacks, persistence."""

from __future__ import annotations

import random
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from ecom_sandbox import generator
from ecom_sandbox.bigcommerce import webhooks
from ecom_sandbox.bigcommerce.faults import Faults
from ecom_sandbox.bigcommerce.ratelimit import RateLimiter
from ecom_sandbox.bigcommerce.store import CART_LIFETIME, Record, StoreData
from ecom_sandbox.clock import Clock, utc_now_whole_seconds
from ecom_sandbox.hooks import RequestCallback, RequestHooks
from ecom_sandbox.raw import RAW, raw_key, raw_record
from ecom_sandbox.saved_state import SavedState


@dataclass
class Settings:
    """Behaviour switches of the stand-in."""

    cart_idle_seconds: float = 3600.0
    webhook_retry_seconds: float = 60.0
    webhook_backfill: bool = False
    webhook_interval_seconds: float | None = None  # background emitter when served
    max_page_size: int = 250  # above → 413
    list_incomplete_orders: bool = False  # v2 orders list status 0 only when filtered


class Sandbox(RequestHooks, SavedState):
    """All state of a served BigCommerce stand-in (one or more stores)."""

    records_key = "stores"
    record_type = StoreData
    settings_type = Settings

    def __init__(
        self,
        stores: list[StoreData],
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
        activity_seed: int = 0,
    ) -> None:
        self.stores: dict[str, StoreData] = {s.store_hash: s for s in stores}
        self.settings = settings or Settings()
        # BigCommerce stamps records to the second: a record changed in the second a walk
        # starts is inside its upper bound (also a whole second), as at the real API.
        self.clock = clock or utc_now_whole_seconds
        self.faults = Faults()
        self.lock = threading.RLock()
        self.limiters: dict[str, RateLimiter] = {
            s.store_hash: RateLimiter(s.rate_limit_quota, s.rate_limit_window_ms) for s in stores
        }
        self._callbacks: list[RequestCallback] = []
        self._request_counts: dict[str, int] = dict.fromkeys(self.stores, 0)
        self._activity_rng = random.Random(f"activity:{activity_seed}")
        self.deliveries_log: list[dict[str, Any]] = []

    # ----- construction -----------------------------------------------------------------
    @classmethod
    def demo(
        cls,
        seed: int = 7,
        now: datetime | None = None,
        *,
        settings: Settings | None = None,
        rate_limit_quota: int = 150,
        **sizes: int,
    ) -> Sandbox:
        """A sandbox with :func:`generator.demo_stores` (``acmeoutdoor``, ``acmeeu``)."""
        stores = generator.demo_stores(seed, now, rate_limit_quota=rate_limit_quota, **sizes)
        return cls(stores, settings=settings, activity_seed=seed)

    def store(self, store_hash: str) -> StoreData:
        return self.stores[store_hash]

    def now(self, store_hash: str | None = None) -> datetime:
        """The store's clock: ``clock`` plus any injected ``clock_skew``."""
        return self.faults.now(self.clock, store_hash)

    # ----- data changes -----------------------------------------------------------------
    def touch(
        self, store_hash: str, kind: str, record_id: Any, now: datetime | None = None,
        **changes: Any,
    ) -> Record:
        """Change a record (``kind``: customers, orders, products, subscribers, carts) and
        bump its ``date_modified`` / ``updated_time`` to ``now`` (default: the clock)."""
        with self.lock:
            return self.stores[store_hash].touch(kind, record_id,
                                                 now or self.now(store_hash), **changes)

    def add_activity(
        self,
        now: datetime | None = None,
        *,
        store_hash: str | None = None,
        seed: int | None = None,
        **sizes: int,
    ) -> dict[str, dict[str, int]]:
        """Run :func:`generator.add_activity` on every store (or one); counts per store."""
        rng = random.Random(seed) if seed is not None else self._activity_rng
        now = now or self.now(store_hash)
        with self.lock:
            targets = [store_hash] if store_hash else list(self.stores)
            return {
                h: generator.add_activity(rng, now, self.stores[h], **sizes) for h in targets
            }

    def add_raw(self, store_hash: str, kind: str, raw: Any, *, at: datetime | None = None,
                lines: list[Any] | None = None) -> Record:
        """Serve ``raw`` (any JSON) as a record of ``kind`` on the store's list pages, as
        if changed ``at`` (default: the clock): ``ecom_sandbox/raw.py``. An order's
        ``lines`` are its ``/v2/orders/{id}/products``, also as given."""
        at = at or self.now(store_hash)
        with self.lock:
            records: dict[Any, Record] = getattr(self.stores[store_hash], kind)
            record_id = raw_key(records, raw)
            stamps = {"date_modified": at, "date_created": at}
            record = raw_record(next(iter(records.values())), raw, record_id, stamps)
            if lines is not None:
                record["_products"] = [{RAW: line} for line in lines]
            records[record_id] = record
            return record

    # ----- quota ------------------------------------------------------------------------
    def set_rate_limit(
        self, store_hash: str | None = None, quota: int | None = None,
        window_ms: int | None = None,
    ) -> None:
        """Change the quota of one store (or all) at runtime; starts a fresh window."""
        for h in [store_hash] if store_hash else list(self.limiters):
            self.limiters[h].configure(quota, window_ms)

    def consume_quota(self, store_hash: str, n: int) -> None:
        """Simulate other apps on the store spending ``n`` requests of the window."""
        self.limiters[store_hash].consume(n)

    # ----- carts ------------------------------------------------------------------------
    def live_cart(self, store_hash: str, cart_id: str) -> Record | None:
        with self.lock:
            store = self.stores[store_hash]
            cart = store.carts.get(cart_id)
            if cart is None or not store.cart_is_live(cart, self.clock()):
                return None
            return cart

    def new_redirect_token(self, store_hash: str, cart_id: str) -> str:
        with self.lock:
            token = secrets.token_hex(16)
            self.stores[store_hash].redirect_tokens[token] = {
                "id": token, "cart_id": cart_id, "created": self.clock(), "used_at": None,
            }
            return token

    def consume_redirect_token(self, cart_id: str, token: str) -> tuple[str, Record] | None:
        """Use a redirect-URL token once; returns (store_hash, cart) or None when unknown,
        already used, expired or for another cart."""
        with self.lock:
            now = self.clock()
            for store in self.stores.values():
                entry = store.redirect_tokens.get(token)
                if entry is None:
                    continue
                if entry["used_at"] is not None or entry["cart_id"] != cart_id:
                    return None
                if now - entry["created"] > CART_LIFETIME:
                    return None
                entry["used_at"] = now
                cart = store.carts.get(cart_id)
                return (store.store_hash, cart) if cart else None
            return None

    # ----- webhooks ---------------------------------------------------------------------
    def emit_due_webhooks(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """POST every due ``store/cart/abandoned`` callback (httpx, synchronous); failed
        ones (non-2xx / connection errors) are retried by later calls after
        ``webhook_retry_seconds`` × attempts. Returns one dict per attempt."""
        now = now or self.clock()
        with self.lock:
            pending = [
                p for store in self.stores.values()
                for p in webhooks.due_callbacks(
                    store, now, idle_seconds=self.settings.cart_idle_seconds,
                    backfill=self.settings.webhook_backfill,
                )
            ]
        results: list[dict[str, Any]] = []
        if not pending:
            return results
        with httpx.Client(timeout=5.0) as client:
            for p in pending:
                ok, outcome = webhooks.send(client, p)
                with self.lock:
                    state = webhooks.record_attempt(
                        self.stores[p.store_hash], p, ok, outcome, now,
                        self.settings.webhook_retry_seconds,
                    )
                result = {"store_hash": p.store_hash, "hook_id": p.hook_id,
                          "cart_id": p.cart_id, "ok": ok, "outcome": outcome,
                          "attempts": state["attempts"]}
                results.append(result)
                self.deliveries_log.append(result)
        return results

    # ----- summary ----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        with self.lock:
            now = self.clock()
            out: dict[str, Any] = {}
            for h, store in self.stores.items():
                counts = store.counts()
                counts["live_carts"] = sum(
                    1 for c in store.carts.values() if store.cart_is_live(c, now)
                )
                counts["hooks"] = len(store.hooks)
                counts["webhooks_delivered"] = sum(
                    1 for d in store.deliveries.values() if d["delivered"]
                )
                counts["requests"] = self._request_counts.get(h, 0)
                out[h] = {"name": store.name, "counts": counts,
                          "rate_limit": {"quota": self.limiters[h].quota,
                                         "window_ms": self.limiters[h].window_ms}}
            return out

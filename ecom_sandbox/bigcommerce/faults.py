"""Runtime fault injection for the BigCommerce stand-in: the shared catalogue
(``ecom_sandbox/faults.py``) plus its own older kinds.

- ``rate_limited`` / ``storm``: of the next ``count`` requests, every ``every``-th gets 429
  *with* the quota headers (left 0, reset ``reset_ms``) and ``X-Retry-After``.
- ``429_no_headers``: 429 without rate-limit headers (platform-wide load); the catalogue's
  ``http_429`` does the same on the wire.
- ``error``: the next ``count`` requests get ``status`` with BigCommerce's error body.
- ``latency``: the next ``count`` requests are delayed ``seconds``.
- ``repeat_page``, ``modified_while_paging``, ``clock_skew``: the catalogue's list and
  clock faults (app.py). BigCommerce documents no cursor expiry, so no ``expired_cursor``.
``store_hash`` limits a fault to one store (``None``: every store).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ecom_sandbox.faults import Fault as BaseFault
from ecom_sandbox.faults import FaultList


@dataclass
class Fault(BaseFault):
    reset_ms: int = 500
    store_hash: str | None = None

    def store_filter(self) -> str | None:
        return self.store_hash or self.store


@dataclass(frozen=True)
class Action:
    """What to do with one request: delay it, and/or answer it with a fault status."""

    delay: float = 0.0
    status: int | None = None
    rate_headers: bool = False
    reset_ms: int = 0


class Faults(FaultList[Fault]):
    """Thread-safe list of active faults."""

    fault_type = Fault
    api_kinds = ("rate_limited", "repeat_page", "modified_while_paging", "clock_skew")
    own_kinds = ("429_no_headers", "error", "storm", "latency")

    def next_action(self, store_hash: str, path: str = "") -> Action:
        """Consume the faults that apply to this request and say what to do."""

        def answer(fault: Fault) -> Action | None:
            if fault.kind == "429_no_headers":
                return Action(status=429)
            if fault.kind == "error":
                return Action(status=fault.status)
            if fault.kind in ("storm", "rate_limited") and fault.seen % max(1, fault.every) == 0:
                return Action(status=429, rate_headers=True, reset_ms=fault.reset_ms)
            return None

        delay, action = self.consume(store_hash, answer, path=path,
                                     kinds=(*self.own_kinds, "rate_limited"))
        return replace(action or Action(), delay=delay)

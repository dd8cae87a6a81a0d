"""Runtime fault injection for the stand-in API (429s without headers, 5xx, storms,
latency and hangs)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from ecom_sandbox.faults import FaultList

FaultKind = Literal["429_no_headers", "error", "storm", "latency"]


@dataclass
class Fault:
    """One injected fault, consumed request by request.

    - ``429_no_headers``: the next ``count`` requests get 429 without rate-limit headers
      (platform-wide load).
    - ``error``: the next ``count`` requests get ``status`` (500/502/503/504).
    - ``storm``: of the next ``count`` requests, every ``every``-th gets 429 *with*
      rate-limit headers (left 0, reset ``reset_ms``) and ``X-Retry-After``.
    - ``latency``: the next ``count`` requests are delayed ``seconds`` (a large value is a
      hang that trips client timeouts).
    ``store_hash`` limits a fault to one store (``None``: every store).
    """

    kind: FaultKind
    count: int = 1
    status: int = 503
    every: int = 2
    seconds: float = 0.0
    reset_ms: int = 500
    store_hash: str | None = None
    seen: int = field(default=0)

    def matches(self, store_hash: str) -> bool:
        return self.count > 0 and (self.store_hash is None or self.store_hash == store_hash)


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
    kinds = ("429_no_headers", "error", "storm", "latency")
    fields = frozenset({"kind", "count", "status", "every", "seconds", "reset_ms", "store_hash"})

    def next_action(self, store_hash: str) -> Action:
        """Consume the faults that apply to this request and say what to do."""

        def answer(fault: Fault) -> Action | None:
            if fault.kind == "429_no_headers":
                return Action(status=429)
            if fault.kind == "error":
                return Action(status=fault.status)
            if fault.kind == "storm" and fault.seen % max(1, fault.every) == 0:
                return Action(status=429, rate_headers=True, reset_ms=fault.reset_ms)
            return None

        delay, action = self.consume(store_hash, answer)
        return replace(action or Action(), delay=delay)

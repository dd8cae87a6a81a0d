"""Runtime fault injection for the stand-in API (429s without headers, 5xx, storms,
latency and hangs)."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

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


class Faults:
    """Thread-safe list of active faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def add_spec(self, spec: dict[str, Any]) -> Fault:
        """Add from a JSON spec such as ``{"kind": "error", "count": 2, "status": 502}``."""
        allowed = {"kind", "count", "status", "every", "seconds", "reset_ms", "store_hash"}
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        if spec.get("kind") not in ("429_no_headers", "error", "storm", "latency"):
            raise ValueError(f"unknown fault kind: {spec.get('kind')!r}")
        return self.add(Fault(**spec))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults if f.count > 0]

    def next_action(self, store_hash: str) -> Action:
        """Consume the faults that apply to this request and say what to do."""
        delay = 0.0
        status: int | None = None
        rate_headers = False
        reset_ms = 0
        with self._lock:
            for fault in self._faults:
                if not fault.matches(store_hash):
                    continue
                if fault.kind == "latency":
                    fault.count -= 1
                    delay += fault.seconds
                    continue
                if status is not None:
                    continue
                fault.count -= 1
                fault.seen += 1
                if fault.kind == "429_no_headers":
                    status = 429
                elif fault.kind == "error":
                    status = fault.status
                elif fault.kind == "storm" and fault.seen % max(1, fault.every) == 0:
                    status, rate_headers, reset_ms = 429, True, fault.reset_ms
            self._faults = [f for f in self._faults if f.count > 0]
        return Action(delay=delay, status=status, rate_headers=rate_headers, reset_ms=reset_ms)

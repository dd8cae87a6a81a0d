"""Runtime fault injection for the Shopify stand-in.

Kinds (each consumed request by request, optionally limited to one ``shop``):

- ``throttle``: a 429 storm — of the next ``count`` requests every ``every``-th gets 429
  with ``Retry-After: 2.0``, a full ``X-Shopify-Shop-Api-Call-Limit`` and the string body.
- ``error``: the next ``count`` requests get ``status``. 5xx bodies are
  ``{"errors":"An unexpected error occurred"}``; 4xx bodies use ``errors_shape``
  (``string`` | ``array`` | ``object``) so clients meet every shape of ``errors``.
- ``latency``: the next ``count`` requests are delayed ``seconds``.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FaultKind = Literal["throttle", "error", "latency"]
KINDS = ("throttle", "error", "latency")
ErrorsShape = Literal["string", "array", "object"]


@dataclass
class Fault:
    kind: FaultKind
    count: int = 1
    status: int = 500
    every: int = 1
    seconds: float = 0.0
    errors_shape: ErrorsShape = "string"
    shop: str | None = None
    seen: int = field(default=0)

    def matches(self, shop: str) -> bool:
        return self.count > 0 and (self.shop is None or self.shop == shop)


@dataclass(frozen=True)
class Action:
    delay: float = 0.0
    status: int | None = None
    errors_shape: ErrorsShape = "string"


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
        """From JSON such as ``{"kind": "error", "count": 2, "status": 503}``."""
        allowed = {"kind", "count", "status", "every", "seconds", "errors_shape", "shop"}
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        if spec.get("kind") not in KINDS:
            raise ValueError(f"unknown fault kind: {spec.get('kind')!r}")
        if spec.get("errors_shape", "string") not in ("string", "array", "object"):
            raise ValueError(f"unknown errors_shape: {spec.get('errors_shape')!r}")
        return self.add(Fault(**spec))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults if f.count > 0]

    def next_action(self, shop: str) -> Action:
        delay = 0.0
        status: int | None = None
        shape: ErrorsShape = "string"
        with self._lock:
            for fault in self._faults:
                if not fault.matches(shop):
                    continue
                if fault.kind == "latency":
                    fault.count -= 1
                    delay += fault.seconds
                    continue
                if status is not None:
                    continue
                fault.count -= 1
                fault.seen += 1
                if fault.kind == "error":
                    status, shape = fault.status, fault.errors_shape
                elif fault.seen % max(1, fault.every) == 0:
                    status = 429
            self._faults = [f for f in self._faults if f.count > 0]
        return Action(delay=delay, status=status, errors_shape=shape)

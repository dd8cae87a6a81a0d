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

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ecom_sandbox.faults import FaultList

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


class Faults(FaultList[Fault]):
    """Thread-safe list of active faults."""

    fault_type = Fault
    kinds = KINDS
    fields = frozenset({"kind", "count", "status", "every", "seconds", "errors_shape", "shop"})

    def add_spec(self, spec: dict[str, Any]) -> Fault:
        """From JSON such as ``{"kind": "error", "count": 2, "status": 503}``."""
        if spec.get("errors_shape", "string") not in ("string", "array", "object"):
            raise ValueError(f"unknown errors_shape: {spec.get('errors_shape')!r}")
        return super().add_spec(spec)

    def next_action(self, shop: str) -> Action:
        def answer(fault: Fault) -> Action | None:
            if fault.kind == "error":
                return Action(status=fault.status, errors_shape=fault.errors_shape)
            if fault.seen % max(1, fault.every) == 0:
                return Action(status=429)
            return None

        delay, action = self.consume(shop, answer)
        return replace(action or Action(), delay=delay)

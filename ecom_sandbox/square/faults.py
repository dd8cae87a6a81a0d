"""Runtime fault injection for the Square stand-in.

Kinds (each consumed request by request, optionally limited to one ``merchant``):

- ``rate_limit``: the next ``count`` requests get 429 with Square's body
  (``RATE_LIMIT_ERROR`` / ``RATE_LIMITED``) and no rate-limit or ``Retry-After`` header;
- ``error``: the next ``count`` requests get ``status`` (5xx: ``API_ERROR`` bodies);
- ``latency``: the next ``count`` requests are delayed ``seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ecom_sandbox.faults import FaultList

FaultKind = Literal["rate_limit", "error", "latency"]


@dataclass
class Fault:
    kind: FaultKind
    count: int = 1
    status: int = 500
    seconds: float = 0.0
    merchant: str | None = None
    seen: int = field(default=0)

    def matches(self, merchant: str) -> bool:
        return self.count > 0 and (self.merchant is None or self.merchant == merchant)


class Faults(FaultList[Fault]):
    fault_type = Fault
    kinds = ("rate_limit", "error", "latency")
    fields = frozenset({"kind", "count", "status", "seconds", "merchant"})

    def next_status(self, merchant: str) -> tuple[float, int | None]:
        """(delay, status to answer with instead of serving) for one request."""
        return self.consume(merchant,
                            lambda f: 429 if f.kind == "rate_limit" else f.status)

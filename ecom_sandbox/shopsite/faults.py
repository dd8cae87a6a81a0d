"""Runtime fault injection for the shop-site stand-in (each consumed request by request,
optionally for one ``site``):

- ``throttle``: the next ``count`` requests get 429 ``rate_limited`` with ``Retry-After``
  ``retry_after`` seconds.
- ``error``: the next ``count`` requests get ``status`` (5xx: ``server_error``).
- ``latency``: the next ``count`` requests are delayed ``seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ecom_sandbox.faults import FaultList

FaultKind = Literal["throttle", "error", "latency"]


@dataclass
class Fault:
    kind: FaultKind
    count: int = 1
    status: int = 500
    seconds: float = 0.0
    retry_after: int = 1
    site: str | None = None
    seen: int = field(default=0)

    def matches(self, site: str) -> bool:
        return self.count > 0 and (self.site is None or self.site == site)


class Faults(FaultList[Fault]):
    fault_type = Fault
    kinds = ("throttle", "error", "latency")
    fields = frozenset({"kind", "count", "status", "seconds", "retry_after", "site"})

    def next_fault(self, site: str) -> tuple[float, Fault | None]:
        """(delay, the fault that answers this request, if any)."""
        return self.consume(site, lambda fault: fault)

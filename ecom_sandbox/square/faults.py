"""Runtime fault injection for the Square stand-in: the shared catalogue
(``ecom_sandbox/faults.py``: transport kinds on the wire; ``rate_limited``,
``repeat_page``, ``expired_cursor``, ``modified_while_paging``, ``clock_skew`` in app.py)
plus its own older kinds, each consumed request by request, optionally limited to one
``merchant``:

- ``rate_limited`` / ``rate_limit``: 429 with Square's body (``RATE_LIMIT_ERROR`` /
  ``RATE_LIMITED``) and, as Square sends it, no rate-limit or ``Retry-After`` header;
- ``error``: the next ``count`` requests get ``status`` (5xx: ``API_ERROR`` bodies);
- ``latency``: the next ``count`` requests are delayed ``seconds``;
- ``expired_cursor``: the next continuation is refused ``400 INVALID_CURSOR``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecom_sandbox.faults import Fault as BaseFault
from ecom_sandbox.faults import FaultList


@dataclass
class Fault(BaseFault):
    status: int = 500
    merchant: str | None = None

    def store_filter(self) -> str | None:
        return self.merchant or self.store


class Faults(FaultList[Fault]):
    fault_type = Fault
    api_kinds = ("rate_limited", "repeat_page", "expired_cursor", "modified_while_paging",
                 "clock_skew")
    own_kinds = ("rate_limit", "error", "latency")

    def next_status(self, merchant: str, path: str = "") -> tuple[float, int | None]:
        """(delay, status to answer with instead of serving) for one request."""
        return self.consume(
            merchant, lambda f: 429 if f.kind in ("rate_limit", "rate_limited") else f.status,
            kinds=(*self.own_kinds, "rate_limited"), path=path)

"""Runtime fault injection for the shop-site stand-in: the shared catalogue
(``ecom_sandbox/faults.py``: transport kinds on the wire; ``rate_limited``,
``repeat_page``, ``modified_while_paging``, ``clock_skew`` in app.py) plus its own older
kinds, each consumed request by request, optionally for one ``site``:

- ``rate_limited`` / ``throttle``: the next ``count`` requests get 429 ``rate_limited``
  with ``Retry-After`` ``retry_after`` seconds (the API's own rate-limit answer).
- ``error``: the next ``count`` requests get ``status`` (5xx: ``server_error``).
- ``latency``: the next ``count`` requests are delayed ``seconds``.

Lists page by number (no cursor to expire), so no ``expired_cursor``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecom_sandbox.faults import Fault as BaseFault
from ecom_sandbox.faults import FaultList


@dataclass
class Fault(BaseFault):
    status: int = 500
    retry_after: int = 1
    site: str | None = None

    def store_filter(self) -> str | None:
        return self.site or self.store


class Faults(FaultList[Fault]):
    fault_type = Fault
    api_kinds = ("rate_limited", "repeat_page", "modified_while_paging", "clock_skew")
    own_kinds = ("throttle", "error", "latency")

    def next_fault(self, site: str, path: str = "") -> tuple[float, Fault | None]:
        """(delay, the fault that answers this request, if any)."""
        return self.consume(site, lambda fault: fault,
                            kinds=(*self.own_kinds, "rate_limited"), path=path)

"""Runtime fault injection for the Shopify stand-in: the shared catalogue
(``ecom_sandbox/faults.py``) plus its own older kinds (each consumed request by request,
optionally limited to one ``shop``):

- ``rate_limited`` / ``throttle``: a 429 storm — of the next ``count`` requests every
  ``every``-th gets 429 with ``Retry-After: 2.0``, a full ``X-Shopify-Shop-Api-Call-Limit``
  and the string body.
- ``error``: the next ``count`` requests get ``status``. 5xx bodies are
  ``{"errors":"An unexpected error occurred"}``; 4xx bodies use ``errors_shape``
  (``string`` | ``array`` | ``object``) so clients meet every shape of ``errors``.
- ``latency``: the next ``count`` requests are delayed ``seconds``.
- ``expired_cursor``: the next ``page_info`` continuation is refused as an expired one
  (400 ``{"errors":{"page_info":"Invalid value."}}``).
- ``repeat_page``, ``modified_while_paging``, ``clock_skew``: the catalogue's list and
  clock faults (app.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from ecom_sandbox.faults import Fault as BaseFault
from ecom_sandbox.faults import FaultList

ErrorsShape = Literal["string", "array", "object"]


@dataclass
class Fault(BaseFault):
    status: int = 500
    errors_shape: ErrorsShape = "string"
    shop: str | None = None

    def store_filter(self) -> str | None:
        return self.shop or self.store


@dataclass(frozen=True)
class Action:
    delay: float = 0.0
    status: int | None = None
    errors_shape: ErrorsShape = "string"


class Faults(FaultList[Fault]):
    """Thread-safe list of active faults."""

    fault_type = Fault
    api_kinds = ("rate_limited", "repeat_page", "expired_cursor", "modified_while_paging",
                 "clock_skew")
    own_kinds = ("throttle", "error", "latency")

    def add_spec(self, spec: dict[str, Any]) -> Fault:
        """From JSON such as ``{"kind": "error", "count": 2, "status": 503}``."""
        if spec.get("errors_shape", "string") not in ("string", "array", "object"):
            raise ValueError(f"unknown errors_shape: {spec.get('errors_shape')!r}")
        return super().add_spec(spec)

    def next_action(self, shop: str, path: str = "") -> Action:
        def answer(fault: Fault) -> Action | None:
            if fault.kind == "error":
                return Action(status=fault.status, errors_shape=fault.errors_shape)
            if fault.seen % max(1, fault.every) == 0:
                return Action(status=429)
            return None

        delay, action = self.consume(shop, answer, path=path,
                                     kinds=(*self.own_kinds, "rate_limited"))
        return replace(action or Action(), delay=delay)

"""Fault hooks of the ActiveCampaign stand-in: the shared catalogue
(``ecom_sandbox/faults.py``: the transport kinds on the wire, ``rate_limited`` here), its
own 429 storms and 503 + Retry-After, and orders the account rejects with real error
shapes."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from ecom_sandbox.faults import Fault, FaultList


@dataclass(frozen=True)
class Rejection:
    """Why an order is refused: a 422 ``code`` (REST) and the GraphQL ``extensions``
    field name and reason."""

    order_id: str
    code: str
    field: str
    reason: str


@dataclass(frozen=True)
class TransportFault:
    status: int
    retry_after: int


@dataclass
class AcFault(Fault):
    """``rate_limited`` / ``storm``: 429 + ``Retry-After`` + ``RateLimit-Remaining: 0``;
    ``unavailable``: 503 + ``Retry-After`` (account blocked / maintenance)."""

    retry_after: int = 1


class AcFaults(FaultList[AcFault]):
    """Thread-safe fault switches, consulted on every API request."""

    fault_type = AcFault
    api_kinds = ("rate_limited",)
    own_kinds = ("storm", "unavailable")

    def __init__(self) -> None:
        super().__init__()
        self._rejections_lock = threading.Lock()
        self._rejections: dict[str, Rejection] = {}

    def storm(self, n: int, retry_after: int = 1) -> None:
        """The next ``n`` API requests get 429 + ``Retry-After`` (another app of the
        account is using the budget)."""
        self.add(AcFault("storm", count=n, retry_after=retry_after))

    def unavailable(self, n: int, retry_after: int = 5) -> None:
        """The next ``n`` API requests get 503 + ``Retry-After`` (account blocked /
        maintenance, as the official WooCommerce plugin handles it)."""
        self.add(AcFault("unavailable", count=n, retry_after=retry_after))

    def reject_order(
        self, order_id: str, code: str = "field_invalid", *, field: str = "currency",
        reason: str | None = None,
    ) -> None:
        """Refuse the order whose store id is ``order_id`` (v3 ``externalid`` or
        ``externalcheckoutid``; GraphQL ``storeOrderId``) until :meth:`clear`: REST answers
        422 ``code`` on ``field``; GraphQL rejects the whole request with an ``extensions``
        key ``<field>-storeOrderId-<order_id>``."""
        with self._rejections_lock:
            self._rejections[str(order_id)] = Rejection(
                str(order_id), code, field, reason or f"{field} is invalid ({code})"
            )

    def clear(self) -> None:
        super().clear()
        with self._rejections_lock:
            self._rejections.clear()

    def next_transport(self, path: str = "") -> TransportFault | None:
        """Consume one queued status fault, if any."""
        _, fault = self.consume(None, lambda f: f if f.seen % max(1, f.every) == 0 else None,
                                kinds=("storm", "unavailable", "rate_limited"), path=path)
        if fault is None:
            return None
        return TransportFault(503 if fault.kind == "unavailable" else 429, fault.retry_after)

    def rejection(self, ids: Iterable[str | None]) -> Rejection | None:
        with self._rejections_lock:
            for order_id in ids:
                if order_id is not None and str(order_id) in self._rejections:
                    return self._rejections[str(order_id)]
            return None

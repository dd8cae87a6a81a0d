"""Fault hooks of the ActiveCampaign stand-in: 429 storms, 503 + Retry-After, and orders
the account rejects with real error shapes."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass


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


class AcFaults:
    """Thread-safe fault switches, consulted on every API request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[list[int]] = []  # [status, remaining, retry_after]
        self._rejections: dict[str, Rejection] = {}

    def storm(self, n: int, retry_after: int = 1) -> None:
        """The next ``n`` API requests get 429 + ``Retry-After`` (another app of the
        account is using the budget)."""
        with self._lock:
            self._queue.append([429, n, retry_after])

    def unavailable(self, n: int, retry_after: int = 5) -> None:
        """The next ``n`` API requests get 503 + ``Retry-After`` (account blocked /
        maintenance, as the official WooCommerce plugin handles it)."""
        with self._lock:
            self._queue.append([503, n, retry_after])

    def reject_order(
        self, order_id: str, code: str = "field_invalid", *, field: str = "currency",
        reason: str | None = None,
    ) -> None:
        """Refuse the order whose store id is ``order_id`` (v3 ``externalid`` or
        ``externalcheckoutid``; GraphQL ``storeOrderId``) until :meth:`clear`: REST answers
        422 ``code`` on ``field``; GraphQL rejects the whole request with an ``extensions``
        key ``<field>-storeOrderId-<order_id>``."""
        with self._lock:
            self._rejections[str(order_id)] = Rejection(
                str(order_id), code, field, reason or f"{field} is invalid ({code})"
            )

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._rejections.clear()

    def next_transport(self) -> TransportFault | None:
        """Consume one queued transport fault, if any."""
        with self._lock:
            while self._queue:
                head = self._queue[0]
                if head[1] <= 0:
                    self._queue.pop(0)
                    continue
                head[1] -= 1
                return TransportFault(head[0], head[2])
            return None

    def rejection(self, ids: Iterable[str | None]) -> Rejection | None:
        with self._lock:
            for order_id in ids:
                if order_id is not None and str(order_id) in self._rejections:
                    return self._rejections[str(order_id)]
            return None

    def pending(self) -> dict[str, object]:
        with self._lock:
            return {
                "transport": [tuple(q) for q in self._queue if q[1] > 0],
                "rejected_orders": sorted(self._rejections),
            }

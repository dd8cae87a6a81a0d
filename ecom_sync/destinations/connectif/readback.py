"""Read a Connectif store back for reconciliation (specs/destinations.md B.2-B.5), through
the publisher's client and pacing.

What its API reads back: a contact by e-mail (``GET /contacts/{email}``), a product by the
store's id (``GET /products/product-id/{id}``), a purchase by the store's purchase id
(``GET /purchases/purchase-id/{id}``): one request per object, since no list endpoint
exists. So a full reconcile costs a request per object sent, and nothing can be found
*extra* (only the asynchronous contact export of B.6 could list contacts; not used).
Not readable: abandoned carts (custom events have no read endpoint) and the cart event
type (no read endpoint documented).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ecom_sync.destinations.connectif.client import ConnectifClient
from ecom_sync.publish.reconcile import OutOfBudget, RemoteRow

EXPECTED_SQL = Path(__file__).parent / "sql" / "readback.sql"
PLACES = Decimal("0.0001")


def _text(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _decimal(value: Any) -> str | None:
    try:
        return str(Decimal(str(value)).quantize(PLACES)) if value is not None else None
    except InvalidOperation:
        return _text(value)


class ConnectifReadBack:
    """The :class:`ecom_sync.publish.reconcile.ReadBack` of one Connectif store."""

    walks: tuple[tuple[str, ...], ...] = ()
    page_size = 1  # no walks: every object is one request
    lookup_kinds = ("contact", "product", "purchase")
    owned_kinds: tuple[str, ...] = ()
    unreadable = {
        "cart": "Connectif has no read endpoint for custom events (carts are sent as "
                "events)",
        "cart_event_type": "no read endpoint for custom event types is documented",
    }
    opt_out = None  # never sends a subscription status (CN7)

    def __init__(self, client: ConnectifClient, max_requests: int | None = None) -> None:
        self.client = client
        self.max_requests = max_requests

    def expected_sql(self) -> str:
        return EXPECTED_SQL.read_text()

    def params(self) -> dict[str, Any]:
        return {}

    def requests_made(self) -> int:
        return self.client.requests_made

    def read_all(self, walk: tuple[str, ...]) -> Iterator[list[RemoteRow]]:
        return iter(())  # nothing to walk: every kind is looked up

    def read_keys(self, kind: str, keys: list[tuple[str, str | None]]
                  ) -> Iterator[list[RemoteRow]]:
        """By the id the ledger recorded (the e-mail, the Connectif product id, the
        purchase id)."""
        for key, remote_id in keys:
            if self.max_requests is not None and self.client.requests_made >= self.max_requests:
                raise OutOfBudget
            found = self.client.get(kind, remote_id or key)
            yield [RemoteRow(kind, key, None if found is None else self._fields(kind, found))]

    @staticmethod
    def _fields(kind: str, found: dict[str, Any]) -> dict[str, str | None]:
        if kind == "contact":
            return {"name": _text(found.get("_name")), "surname": _text(found.get("_surname")),
                    "mobile_phone": _text(found.get("_mobilePhone"))}
        if kind == "product":
            return {"name": _text(found.get("name")),
                    "unit_price": _decimal(found.get("unitPrice"))}
        return {"total_price": _decimal(found.get("totalPrice")),
                "total_quantity": _text(found.get("totalQuantity")),
                "email": (_text(found.get("contactEmail")) or "").lower() or None}

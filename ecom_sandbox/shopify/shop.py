"""In-memory data of one Shopify shop, the changes a merchant makes, and persistence.

Records are plain dicts close to the REST wire shape, except that timestamps are aware
``datetime`` objects (UTC) and the ``*_set`` money objects are not stored: ``render.py``
renders timestamps in the shop's UTC offset and derives ``*_set`` from the 2-dp strings.
Keys starting with ``_`` are internal: orders and checkouts keep ``_presentment``
(``{"currency": ..., "rate": ...}``) and ``customer_id``/``_customer_id`` link records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from ecom_sandbox.saved_state import RecordsJson

Record = dict[str, Any]

RESOURCES = ("customers", "orders", "products", "checkouts", "locations", "events")

ALL_SCOPES: frozenset[str] = frozenset({
    "read_customers", "read_orders", "read_all_orders", "read_products", "read_locations",
    "read_checkouts",
})


def money(value: Decimal | float | int | str) -> str:
    """A decimal string with two places (``"199.00"``)."""
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def dec(value: str | None) -> Decimal:
    return Decimal(value or "0")


def parse_offset(text: str) -> timezone:
    """``"+01:00"`` → a fixed-offset tzinfo."""
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


@dataclass
class ShopData(RecordsJson):
    """One shop: identity, access, rate-limit settings and records keyed by id."""

    record_kinds: ClassVar[tuple[str, ...]] = RESOURCES

    shop: str  # handle used in the sandbox URL: /shops/{shop}
    name: str
    domain: str
    shop_id: int
    currency: str
    utc_offset: str  # "+01:00"; every timestamp is rendered with it
    tokens: dict[str, list[str]]  # access token → granted scopes
    history_start: datetime
    rate_bucket: int = 40
    leak_per_second: float = 2.0
    email: str = ""
    customers: dict[int, Record] = field(default_factory=dict)
    orders: dict[int, Record] = field(default_factory=dict)
    products: dict[int, Record] = field(default_factory=dict)
    checkouts: dict[int, Record] = field(default_factory=dict)
    locations: dict[int, Record] = field(default_factory=dict)
    events: dict[int, Record] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def tz(self) -> timezone:
        return parse_offset(self.utc_offset)

    @property
    def token(self) -> str:
        """The first (demo) access token."""
        return next(iter(self.tokens))

    def next_id(self, kind: str, start: int) -> int:
        """Next 64-bit-looking id for ``kind``: increasing, with gaps like Shopify's."""
        value = self.counters.get(kind, start)
        value += 1 + (value * 7919) % 977
        self.counters[kind] = value
        return value

    def gid(self, kind: str, record_id: int) -> str:
        return f"gid://shopify/{kind}/{record_id}"

    # ----- merchant changes ----------------------------------------------------------
    def touch(self, kind: str, record_id: int, now: datetime, **changes: Any) -> Record:
        """Apply ``changes`` to a record and bump its ``updated_at`` to ``now``.

        ``now`` is kept to the microsecond, not rounded here: the generator's order
        lifecycles pass sub-second times and rounding them would shift the seeded data."""
        records: dict[int, Record] = getattr(self, kind)
        record = records[record_id]
        record.update(changes)
        record["updated_at"] = now.astimezone(UTC)
        return record

    def add_event(self, subject_type: str, subject_id: int, verb: str, now: datetime,
                  message: str) -> Record:
        event_id = self.next_id("events", 164_748_010_000)
        event: Record = {
            "id": event_id, "subject_id": subject_id, "subject_type": subject_type,
            "verb": verb, "created_at": now.astimezone(UTC), "arguments": [],
            "body": None, "message": message, "author": "Shopify",
            "description": message, "path": f"/admin/{subject_type.lower()}s/{subject_id}",
        }
        self.events[event_id] = event
        return event

    def delete(self, kind: str, record_id: int, now: datetime) -> Record:
        """Delete a record; orders, products and customers leave a ``destroy`` event."""
        record = getattr(self, kind).pop(record_id)
        subject = {"orders": "Order", "products": "Product", "customers": "Customer",
                   "checkouts": "Checkout"}.get(kind, kind.title())
        label = record.get("name") or record.get("title") or record.get("email") or record_id
        self.add_event(subject, record_id, "destroy", now, f"{subject} {label} was deleted.")
        return record

    def refund_order(self, order_id: int, now: datetime, amount: Decimal | None = None) -> Record:
        """Refund ``amount`` (default: what is left) → partially_refunded / refunded."""
        order = self.orders[order_id]
        refunded = sum((dec(t["amount"]) for r in order["refunds"] for t in r["transactions"]),
                       Decimal(0))
        left = dec(order["total_price"]) - refunded
        amount = left if amount is None else min(Decimal(amount), left)
        refund_id = self.next_id("refunds", 509_562_960_000)
        now = now.astimezone(UTC)
        order["refunds"].append({
            "id": refund_id, "order_id": order_id, "created_at": now, "processed_at": now,
            "note": "Refund", "restock": False,
            "transactions": [{
                "id": self.next_id("transactions", 389_404_469_000), "order_id": order_id,
                "kind": "refund", "status": "success", "amount": money(amount),
                "currency": order["currency"], "gateway": "shopify_payments",
                "created_at": now,
            }],
            "refund_line_items": [],
        })
        fully = refunded + amount >= dec(order["total_price"])
        changes: dict[str, Any] = {
            "financial_status": "refunded" if fully else "partially_refunded",
            "current_total_price": money(left - amount),
            "total_outstanding": "0.00",
        }
        return self.touch("orders", order_id, now, **changes)

    def cancel_order(self, order_id: int, now: datetime, reason: str = "customer") -> Record:
        """Cancel: ``cancelled_at`` set, hidden from the default ``status=open`` list."""
        order = self.orders[order_id]
        now = now.astimezone(UTC)
        status = order["financial_status"]
        if status in ("paid", "partially_paid", "partially_refunded"):
            self.refund_order(order_id, now)
        elif status in ("pending", "authorized"):
            order["financial_status"] = "voided"
        return self.touch("orders", order_id, now, cancelled_at=now, cancel_reason=reason,
                          closed_at=now)

    def close_order(self, order_id: int, now: datetime) -> Record:
        now = now.astimezone(UTC)
        return self.touch("orders", order_id, now, closed_at=now)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in RESOURCES}

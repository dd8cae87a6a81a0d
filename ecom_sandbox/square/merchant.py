"""In-memory data of one Square merchant, the changes a seller makes, and persistence.

Records are plain dicts in Square's wire shape (money ``{"amount", "currency"}`` in
integer minor units, quantities as strings), except that timestamps are aware UTC
``datetime`` objects (``render.py`` writes them as RFC 3339 with milliseconds). Keys
starting with ``_`` are internal and never served.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from ecom_sandbox.saved_state import RecordsJson

Record = dict[str, Any]

KINDS = ("locations", "customers", "payments", "orders", "catalog")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # ascending: counters keep their order
MIXED = string.ascii_letters + string.digits


def money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": int(amount), "currency": currency}


def catalog_version(moment: datetime) -> int:
    """Square stamps catalog objects with a version that grows with each change (epoch ms)."""
    return int(moment.timestamp() * 1000)


@dataclass
class MerchantData(RecordsJson):
    """One seller: identity, access tokens, locations and records keyed by id. The first
    location is the main one (the default of ListPayments)."""

    record_kinds: ClassVar[tuple[str, ...]] = KINDS

    merchant_id: str
    name: str
    currency: str
    tokens: list[str]
    history_start: datetime
    locations: dict[str, Record] = field(default_factory=dict)
    customers: dict[str, Record] = field(default_factory=dict)
    payments: dict[str, Record] = field(default_factory=dict)
    orders: dict[str, Record] = field(default_factory=dict)
    catalog: dict[str, Record] = field(default_factory=dict)  # ITEM, CATEGORY, IMAGE
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def token(self) -> str:
        return self.tokens[0]

    @property
    def main_location(self) -> str:
        return next(iter(self.locations))

    # ----- ids -------------------------------------------------------------------------
    def next_id(self, kind: str, rng: random.Random, length: int = 26) -> str:
        """An opaque id like Square's. Customer ids start with a base-32 counter, so they
        sort in the order they were created (the stand-in's CREATED_AT tie-break)."""
        n = self.counters.get(kind, 0) + 1
        self.counters[kind] = n
        if kind == "customers":
            head = "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in reversed(range(6)))
            return head + "".join(rng.choice(CROCKFORD) for _ in range(length - 6))
        alphabet = MIXED if kind in ("payments", "orders") else CROCKFORD
        return "".join(rng.choice(alphabet) for _ in range(length))

    # ----- seller changes --------------------------------------------------------------
    def touch(self, kind: str, record_id: str, now: datetime, **changes: Any) -> Record:
        """Apply ``changes`` and stamp ``updated_at`` (and ``version``) as Square does."""
        record: Record = getattr(self, kind)[record_id]
        record.update(changes)
        record["updated_at"] = now.astimezone(UTC)
        if kind == "catalog":
            record["version"] = catalog_version(record["updated_at"])
        elif "version" in record:
            record["version"] += 1
        return record

    def refund(self, payment_id: str, now: datetime, amount: int | None = None) -> Record:
        """Refund ``amount`` (default: what is left) of a completed payment. Its status
        stays COMPLETED; ``refunded_money`` and ``refund_ids`` say what went back."""
        payment = self.payments[payment_id]
        if payment["status"] != "COMPLETED":
            raise ValueError(f"payment {payment_id} is {payment['status']}, not COMPLETED")
        total = payment["total_money"]["amount"]
        done = (payment.get("refunded_money") or {}).get("amount", 0)
        amount = total - done if amount is None else min(amount, total - done)
        refund_id = f"{payment_id}_{len(payment.get('refund_ids', [])) + 1}"
        changes = {"refunded_money": money(done + amount, payment["total_money"]["currency"]),
                   "refund_ids": [*payment.get("refund_ids", []), refund_id]}
        order = self.orders.get(payment.get("order_id") or "")
        if order is not None:
            self.touch("orders", order["id"], now)
        return self.touch("payments", payment_id, now, **changes)

    def delete_item(self, item_id: str, now: datetime) -> Record:
        """Deleted catalog objects stay, flagged, for ``include_deleted_objects``."""
        return self.touch("catalog", item_id, now, is_deleted=True)

    def counts(self) -> dict[str, int]:
        counts = {kind: len(getattr(self, kind)) for kind in KINDS if kind != "catalog"}
        counts["items"] = sum(1 for o in self.catalog.values() if o["type"] == "ITEM")
        return counts

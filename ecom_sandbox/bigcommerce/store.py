"""In-memory data of one BigCommerce store and its queries (JSON persistence: ``RecordsJson``).

Records are plain dicts in a neutral internal form: datetimes are aware ``datetime``
objects and money is ``float`` in the record's currency. Rendering to the v2 / v3 wire
shapes lives in ``render.py``. Keys starting with ``_`` are internal (never rendered as
such): orders keep their sub-resources in ``_products``, ``_shipping_addresses`` and
``_coupons``; carts keep ``_token`` (abandoned-cart token) and ``_converted_order_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from ecom_sandbox.saved_state import RecordsJson

Record = dict[str, Any]

CART_LIFETIME = timedelta(days=30)

ORDER_STATUSES: dict[int, tuple[str, str]] = {
    0: ("Incomplete", "An incomplete order happens when a shopper reached the payment page, "
        "but did not complete the transaction."),
    1: ("Pending", "Customer started the checkout process, but did not complete it."),
    2: ("Shipped", "Order has been shipped, but receipt has not been confirmed."),
    3: ("Partially Shipped", "Only some items in the order have been shipped."),
    4: ("Refunded", "Seller has used the Refund action."),
    5: ("Cancelled", "Seller has cancelled an order, due to a stock inconsistency or other "
        "reasons."),
    6: ("Declined", "Seller has marked the order as declined for lack of manual payment."),
    7: ("Awaiting Payment", "Customer has completed checkout process, but payment has yet to "
        "be confirmed."),
    8: ("Awaiting Pickup", "Order has been pulled, and is awaiting customer pickup from a "
        "seller-specified location."),
    9: ("Awaiting Shipment", "Order has been pulled and packaged, and is awaiting collection "
        "from a shipping provider."),
    10: ("Completed", "Client has paid for their digital product and their file(s) are "
         "available for download."),
    11: ("Awaiting Fulfillment", "Customer has completed the checkout process and payment has "
         "been confirmed."),
    12: ("Manual Verification Required", "Order on hold while some aspect needs to be manually "
         "confirmed."),
    13: ("Disputed", "Customer has initiated a dispute resolution process for the PayPal "
         "transaction that paid for the order."),
    14: ("Partially Refunded", "Seller has partially refunded the order."),
}

CURRENCY_DECIMALS: dict[str, int] = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "CAD": 2}

_RESOURCES = ("customers", "subscribers", "orders", "products", "categories", "carts")


@dataclass
class StoreData(RecordsJson):
    """One store: identity, settings and records keyed by id."""

    record_kinds: ClassVar[tuple[str, ...]] = (
        *_RESOURCES, "hooks", "deliveries", "redirect_tokens")

    store_hash: str
    name: str
    token: str
    store_id: int
    domain: str
    currency: str
    currencies: list[str]
    history_start: datetime
    admin_email: str = ""
    country: str = "United States"
    country_code: str = "US"
    language: str = "en"
    timezone: str = "Etc/UTC"
    rate_limit_quota: int = 150
    rate_limit_window_ms: int = 30_000
    customers: dict[int, Record] = field(default_factory=dict)
    subscribers: dict[int, Record] = field(default_factory=dict)
    orders: dict[int, Record] = field(default_factory=dict)
    products: dict[int, Record] = field(default_factory=dict)
    categories: dict[int, Record] = field(default_factory=dict)
    carts: dict[str, Record] = field(default_factory=dict)
    hooks: dict[int, Record] = field(default_factory=dict)
    deliveries: dict[str, Record] = field(default_factory=dict)  # id "<hook>:<cart>"
    redirect_tokens: dict[str, Record] = field(default_factory=dict)  # id = token
    counters: dict[str, int] = field(default_factory=dict)

    # ----- ids -------------------------------------------------------------------------
    def next_id(self, kind: str, start: int = 1) -> int:
        """Next integer id for ``kind`` (customers, orders, order_products, ...)."""
        value = self.counters.get(kind, start - 1) + 1
        self.counters[kind] = value
        return value

    # ----- lookups ---------------------------------------------------------------------
    def cart_by_token(self, token: str) -> Record | None:
        for cart in self.carts.values():
            if cart.get("_token") == token:
                return cart
        return None

    def cart_is_live(self, cart: Record, now: datetime) -> bool:
        """A cart exists for the API while not converted and ≤ 30 days since last change."""
        if cart.get("_converted_order_id"):
            return False
        return now - cart["updated_time"] <= CART_LIFETIME

    # ----- updates ---------------------------------------------------------------------
    def touch(self, kind: str, record_id: Any, now: datetime, **changes: Any) -> Record:
        """Apply ``changes`` to a record and bump its modification time to ``now``."""
        records: dict[Any, Record] = getattr(self, kind)
        record = records[record_id]
        record.update(changes)
        stamp = "updated_time" if kind == "carts" else "date_modified"
        record[stamp] = now
        return record

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in _RESOURCES}


# ----- query helpers -------------------------------------------------------------------
Predicate = Callable[[Record], bool]


def apply(records: Iterable[Record], predicates: list[Predicate]) -> list[Record]:
    return [r for r in records if all(p(r) for p in predicates)]


def sort_records(records: list[Record], field_name: str, descending: bool) -> list[Record]:
    """Stable sort by ``field_name`` then id (ascending id as tie-break)."""

    def key(r: Record) -> tuple[Any, ...]:
        v = r.get(field_name)
        if isinstance(v, str):
            v = v.lower()
        return (v is None, v if v is not None else 0)

    by_id = sorted(records, key=lambda r: r["id"])
    return sorted(by_id, key=key, reverse=descending)

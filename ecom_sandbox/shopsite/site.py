"""One shop site's data and what happens at it: registered customers, orders (registered
and guest), carts (registered and anonymous; converted ones point at their order) and the
back-office sync runs.

Records are plain dicts close to the wire shape, except that timestamps are aware UTC
``datetime`` objects (``render.py`` writes them in the site's offset). Keys starting
with ``_`` are internal. Money is kept as decimal strings with two places.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from ecom_sandbox.saved_state import RecordsJson

Record = dict[str, Any]
KINDS = ("customers", "orders", "carts", "sync_runs")
ORDER_STATUSES = ("new", "paid", "shipped", "cancelled", "returned")
VAT = Decimal("0.22")  # prices include VAT; tax_total is the VAT part


def money(value: Decimal | float | int | str) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def parse_offset(text: str) -> timezone:
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


@dataclass
class SiteData(RecordsJson):
    """One site: identity, token, records keyed by id and id counters."""

    record_kinds: ClassVar[tuple[str, ...]] = KINDS

    site: str  # handle in the stand-in's URL: /sites/{site}/ecom-api/v1
    name: str
    token: str
    public_url: str  # order pages and cart recovery links live here
    currency: str
    utc_offset: str  # every timestamp is rendered with it
    history_start: datetime
    customers: dict[str, Record] = field(default_factory=dict)
    orders: dict[str, Record] = field(default_factory=dict)
    carts: dict[str, Record] = field(default_factory=dict)
    sync_runs: dict[str, Record] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def tz(self) -> timezone:
        return parse_offset(self.utc_offset)

    def next_number(self, kind: str, start: int) -> int:
        value = self.counters.get(kind, start) + 1
        self.counters[kind] = value
        return value

    # ----- customers -------------------------------------------------------------------
    def register(self, now: datetime, email: str, first: str, last: str,
                 phone: str | None = None, company: str | None = None) -> Record:
        customer_id = f"C{self.next_number('customers', 1000)}"
        record = {"id": customer_id, "email": email, "first_name": first, "last_name": last,
                  "phone": phone, "company": company, "created_at": now, "modified_at": now}
        self.customers[customer_id] = record
        return record

    # ----- orders ----------------------------------------------------------------------
    def place_order(self, now: datetime, lines: list[Record], *, customer: Record | None,
                    guest: tuple[str, str, str] | None = None, status: str = "new",
                    discount_code: str | None = None,
                    shipping: tuple[str, str] = ("Corriere espresso", "6.90")) -> Record:
        """An order placed at ``now`` by a registered ``customer`` or a ``guest`` (first,
        last, e-mail). Prices include VAT; a discount code takes 10 % off the lines."""
        number = self.next_number("orders", 100)
        order_id = f"O-{now.year}-{number:06d}"
        subtotal = sum((Decimal(li["unit_price"]) * li["quantity"] for li in lines), Decimal(0))
        discount = (subtotal * Decimal("0.10")) if discount_code else Decimal(0)
        method, ship = shipping
        taxable = subtotal - discount
        if customer is not None:
            holder = {"customer_id": customer["id"], "email": customer["email"],
                      "first_name": customer["first_name"], "last_name": customer["last_name"]}
        else:
            first, last, email = guest or ("Ospite", "Anonimo", "")
            holder = {"customer_id": None, "email": email, "first_name": first,
                      "last_name": last}
        order = {
            "id": order_id, "number": str(number), "placed_at": now, "modified_at": now,
            "status": status, "currency": self.currency,
            "total": money(taxable + Decimal(ship)), "shipping_total": money(ship),
            "tax_total": money(taxable * VAT / (1 + VAT)), "discount_total": money(discount),
            "discount_code": discount_code, "shipping_method": method,
            "order_url": f"{self.public_url}/account/orders/{number}",
            "holder": holder, "lines": [dict(li) for li in lines],
        }
        self.orders[order_id] = order
        return order

    # ----- carts -----------------------------------------------------------------------
    def save_cart(self, now: datetime, lines: list[Record], *, customer: Record | None,
                  cart_id: str | None = None, token: str = "") -> Record:
        """Create a cart (``cart_id`` None) or replace an existing cart's lines; a
        registered ``customer`` owns it, else it is an anonymous visitor's."""
        total = money(sum((Decimal(li["unit_price"]) * li["quantity"] for li in lines),
                          Decimal(0)))
        if cart_id is not None and cart_id in self.carts:
            cart = self.carts[cart_id]
            cart.update(lines=[dict(li) for li in lines], total=total, modified_at=now)
            return cart
        cart_id = cart_id or f"K-{self.next_number('carts', 5000)}"
        cart = {
            "id": cart_id, "customer_id": customer["id"] if customer else None,
            "email": customer["email"] if customer else None,
            "first_name": customer["first_name"] if customer else None,
            "last_name": customer["last_name"] if customer else None,
            "currency": self.currency, "total": total, "created_at": now, "modified_at": now,
            "recovery_url": f"{self.public_url}/cart/recover/{token or cart_id.lower()}",
            "lines": [dict(li) for li in lines], "converted_order_id": None,
        }
        self.carts[cart_id] = cart
        return cart

    def convert_cart(self, cart_id: str, now: datetime) -> Record:
        """The cart becomes an order of its owner (a registered user's cart)."""
        cart = self.carts[cart_id]
        customer = self.customers.get(cart["customer_id"] or "")
        order = self.place_order(now, cart["lines"], customer=customer, status="paid",
                                 guest=None if customer else ("Ospite", "Anonimo", ""))
        cart.update(converted_order_id=order["id"], modified_at=now)
        return order

    # ----- back-office sync runs -------------------------------------------------------
    def start_sync(self, now: datetime, kind: str = "changed", *,
                   finish_at: datetime | None = None, outcome: str = "finished") -> Record:
        """A back-office sync starting at ``now``; it ends at ``finish_at`` (with
        ``outcome``) when that time has come, or when :meth:`finish_sync` is called."""
        run_id = f"R-{self.next_number('sync_runs', 800)}"
        run = {"id": run_id, "kind": kind, "started_at": now, "finished_at": None,
               "status": "running", "_finish_at": finish_at, "_outcome": outcome}
        self.sync_runs[run_id] = run
        return run

    def finish_sync(self, run_id: str, now: datetime, status: str = "finished") -> Record:
        run = self.sync_runs[run_id]
        if run["status"] == "running":
            run.update(status=status, finished_at=max(now, run["started_at"]), _finish_at=None)
        return run

    def finish_due(self, now: datetime) -> int:
        """End the runs whose time has come, stamped with that time."""
        due = [r for r in self.sync_runs.values()
               if r["status"] == "running" and r["_finish_at"] is not None
               and r["_finish_at"] <= now]
        for run in due:
            self.finish_sync(run["id"], run["_finish_at"], run["_outcome"])
        return len(due)

    def last_finished_sync(self) -> datetime | None:
        return max((r["finished_at"] for r in self.sync_runs.values()
                    if r["status"] == "finished"), default=None)

    # ----- merchant changes ------------------------------------------------------------
    def touch(self, kind: str, record_id: str, now: datetime, **changes: Any) -> Record:
        """Change a record (customers, orders, carts) and bump its ``modified_at``."""
        record = getattr(self, kind)[record_id]
        record.update(changes)
        record["modified_at"] = now.astimezone(UTC)
        return record

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in KINDS}

"""Seeded, deterministic Square demo data: a merchant with several locations, its
customers (some sharing other demo stores' e-mails, a few without any), its catalog, and
payments with their orders at each location.

Everything is drawn from ``random.Random`` instances derived from the seed and a fixed
``now``, so the same seed and ``now`` give the same merchant.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ecom_sandbox import names
from ecom_sandbox.records import address, between, case_variant, fake_phone, person
from ecom_sandbox.square.catalog import generate_catalog, sellable_items
from ecom_sandbox.square.merchant import MerchantData, Record, money
from ecom_sandbox.square.wire import to_ms

__all__ = ["DEMO_SPEC", "MerchantSpec", "add_activity", "generate_merchant", "new_payment"]

TAX_RATE = 0.0825
RECEIPTS = "https://squareup.com/receipt/preview"


@dataclass(frozen=True)
class MerchantSpec:
    """What to generate for one merchant. The first location is the main one; an inactive
    location (closed) is listed too but has no payments."""

    merchant_id: str = "MLACMEROAST01"
    name: str = "Acme Roasters"
    token: str = "sandbox-token-acme-roasters"
    currency: str = "USD"
    locations: tuple[tuple[str, str], ...] = (("LACMEDOWNTOWN", "Acme Roasters Downtown"),
                                              ("LACMEHARBOR", "Acme Roasters Harbor"))
    inactive_location: tuple[str, str] | None = ("LACMEAIRPORT", "Acme Roasters Airport")
    history_days: int = 540
    customers: int = 90
    payments_per_location: int = 150
    recent_payments_per_location: int = 4  # within the last day: they fire automations
    no_email_customers: int = 5
    extra_items: int = 0  # beyond the menu (a bigger catalog for tests)
    shared_emails: tuple[str, ...] = ()
    shared_email_share: float = 0.2


DEMO_SPEC = MerchantSpec()


def generate_merchant(spec: MerchantSpec, *, seed: int, now: datetime) -> MerchantData:
    now = to_ms(now)
    rng = random.Random(f"{seed}:square:{spec.merchant_id}")
    merchant = MerchantData(
        merchant_id=spec.merchant_id, name=spec.name, currency=spec.currency,
        tokens=[spec.token],
        history_start=(now - timedelta(days=spec.history_days)).replace(
            hour=0, minute=0, second=0, microsecond=0),
    )
    listed = [*spec.locations, *([spec.inactive_location] if spec.inactive_location else [])]
    for i, (location_id, name) in enumerate(listed):
        merchant.locations[location_id] = _location(merchant, location_id, name,
                                                    active=i < len(spec.locations))
    generate_catalog(rng, merchant, now, spec.extra_items)
    _generate_customers(rng, merchant, spec, now)
    for location_id, _ in spec.locations:
        start = merchant.history_start + timedelta(days=1)
        moments = [between(rng, start, now - timedelta(days=1))
                   for _ in range(spec.payments_per_location - spec.recent_payments_per_location)]
        moments += [between(rng, now - timedelta(hours=20), now - timedelta(minutes=20))
                    for _ in range(spec.recent_payments_per_location)]
        for moment in sorted(moments):
            _paid_order(rng, merchant, location_id, to_ms(moment), now)
    return merchant


def _location(merchant: MerchantData, location_id: str, name: str, *, active: bool) -> Record:
    return {
        "id": location_id, "name": name, "business_name": merchant.name,
        "merchant_id": merchant.merchant_id, "status": "ACTIVE" if active else "INACTIVE",
        "type": "PHYSICAL", "timezone": "America/Chicago", "currency": merchant.currency,
        "country": "US", "created_at": merchant.history_start,
        "capabilities": ["CREDIT_CARD_PROCESSING"],
    }


# ----- customers -------------------------------------------------------------------------
def _generate_customers(rng: random.Random, merchant: MerchantData, spec: MerchantSpec,
                        now: datetime) -> None:
    shared = list(spec.shared_emails)
    rng.shuffle(shared)
    n_shared = int(spec.customers * spec.shared_email_share) if shared else 0
    moments = sorted(between(rng, merchant.history_start, now - timedelta(hours=2))
                     for _ in range(spec.customers))
    used: set[str] = set()
    for i, created in enumerate(moments):
        first, last, email = person(rng)
        if i % max(1, spec.customers // max(1, n_shared)) == 0 and shared:
            email = case_variant(rng, shared.pop())
        while email.strip().lower() in used:
            first, last, email = person(rng)
        used.add(email.strip().lower())
        no_email = i % max(1, spec.customers // max(1, spec.no_email_customers)) == 3
        customer = new_customer(rng, merchant, to_ms(created), first, last,
                                None if no_email else email)
        if rng.random() < 0.3:
            merchant.touch("customers", customer["id"], to_ms(between(rng, created, now)),
                           phone_number=fake_phone(rng))


def new_customer(rng: random.Random, merchant: MerchantData, created: datetime, first: str,
                 last: str, email: str | None) -> Record:
    """A customer profile; without an e-mail it has a phone (Square lists only profiles
    with a name, company, e-mail or phone)."""
    customer_id = merchant.next_id("customers", rng)
    customer: Record = {
        "id": customer_id, "created_at": created, "updated_at": created,
        "given_name": first, "family_name": last,
        "preferences": {"email_unsubscribed": rng.random() < 0.2},
        "creation_source": rng.choice(("DIRECTORY", "THIRD_PARTY", "INSTANT_PROFILE")),
        "group_ids": [], "segment_ids": [], "version": 0,
    }
    if email:
        customer["email_address"] = email
    if not email or rng.random() < 0.5:
        customer["phone_number"] = f"+1-{fake_phone(rng)}"
    company = rng.choice(names.COMPANIES)
    if company:
        customer["company_name"] = company
    if rng.random() < 0.5:
        where = address(rng, "us")
        customer["address"] = {
            "address_line_1": where["street"], "locality": where["city"],
            "administrative_district_level_1": where["state"],
            "postal_code": where["zip"], "country": "US",
        }
    merchant.customers[customer_id] = customer
    return customer


# ----- payments and their orders ---------------------------------------------------------
def _paid_order(rng: random.Random, merchant: MerchantData, location_id: str,
                created: datetime, now: datetime) -> list[Record]:
    """An order and what paid it: one payment, or two for a split tender (card + cash);
    some fail, are cancelled or still approved, some are refunded later."""
    known = [c for c in merchant.customers.values() if c["created_at"] <= created]
    customer = rng.choice(known) if known and rng.random() < 0.75 else None
    status = _status(rng, created, now)
    split = status == "COMPLETED" and rng.random() < 0.03
    payments = [new_payment(rng, merchant, location_id, created, customer=customer,
                            status=status, parts=2 if split else 1)]
    if split:
        payments.append(new_payment(rng, merchant, location_id, created + timedelta(seconds=40),
                                    customer=customer, order=payments[0]["order_id"], parts=2,
                                    source="CASH"))
    for payment in payments:
        if payment["status"] == "COMPLETED" and rng.random() < 0.09:
            when = to_ms(created + timedelta(days=rng.uniform(0.5, 10)))
            if when < now:
                part = None if rng.random() < 0.55 else payment["total_money"]["amount"] // 3
                merchant.refund(payment["id"], when, part)
    return payments


def _status(rng: random.Random, created: datetime, now: datetime) -> str:
    roll = rng.random()
    if roll < 0.04:
        return "FAILED"
    if roll < 0.07:
        return "CANCELED"
    if roll < 0.12 and now - created < timedelta(days=6):
        return "APPROVED"  # delayed capture, not yet completed
    return "COMPLETED"


def new_payment(
    rng: random.Random, merchant: MerchantData, location_id: str, created: datetime, *,
    customer: Record | None, status: str = "COMPLETED", order: str | None = None,
    parts: int = 1, source: str | None = None,
) -> Record:
    """A payment (and, unless ``order`` names one, its new order). ``parts``: how many
    payments share the order (each pays its share)."""
    created = to_ms(created)
    order_record = merchant.orders[order] if order else _new_order(
        rng, merchant, location_id, created, customer, status)
    due = order_record["total_money"]["amount"] // parts
    source = source or rng.choice(("CARD", "CARD", "CARD", "WALLET", "CASH"))
    tip = round(due * rng.choice((0.1, 0.15, 0.2))) if source != "CASH" and \
        rng.random() < 0.3 else 0
    payment_id = merchant.next_id("payments", rng, 29)
    currency = merchant.currency
    payment: Record = {
        "id": payment_id, "created_at": created, "updated_at": created,
        "amount_money": money(due, currency), "tip_money": money(tip, currency),
        "total_money": money(due + tip, currency), "approved_money": money(due + tip, currency),
        "status": status, "source_type": source, "location_id": location_id,
        "order_id": order_record["id"], "receipt_number": payment_id[:4],
        "refund_ids": [], "delay_duration": "PT168H",
        "version_token": merchant.next_id("tokens", rng, 40),
        "application_details": {"square_product": "SQUARE_POS"},
    }
    if source in ("CARD", "WALLET"):
        payment["card_details"] = {
            "status": {"COMPLETED": "CAPTURED", "APPROVED": "AUTHORIZED", "FAILED": "FAILED",
                       "CANCELED": "VOIDED"}[status],
            "card": {"card_brand": rng.choice(("VISA", "MASTERCARD", "AMERICAN_EXPRESS")),
                     "last_4": f"{rng.randint(0, 9999):04d}"}}
    if customer is not None:
        payment["customer_id"] = customer["id"]
        if customer.get("email_address"):
            payment["buyer_email_address"] = customer["email_address"].strip()
    elif rng.random() < 0.3:
        payment["buyer_email_address"] = person(rng)[2]  # a walk-in who wanted a receipt
    if status == "COMPLETED":
        payment["receipt_url"] = f"{RECEIPTS}/{payment_id}"
    merchant.payments[payment_id] = payment
    order_record["tenders"].append({"id": payment_id, "type": source,
                                    "amount_money": payment["amount_money"],
                                    "payment_id": payment_id})
    return payment


def _new_order(rng: random.Random, merchant: MerchantData, location_id: str,
               created: datetime, customer: Record | None, status: str) -> Record:
    currency = merchant.currency
    lines = []
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        lines.append(_line(rng, merchant, currency))
    subtotal = sum(line["base_price_money"]["amount"] * int(line["quantity"])
                   for line in lines)
    discounts: list[Record] = []
    discount = 0
    if rng.random() < 0.12:
        discount = subtotal // 10
        discounts.append({"uid": merchant.next_id("uids", rng, 22), "name": "Loyalty 10%",
                          "type": "FIXED_PERCENTAGE", "percentage": "10", "scope": "ORDER",
                          "applied_money": money(discount, currency)})
    tax = round((subtotal - discount) * TAX_RATE)
    order_id = merchant.next_id("orders", rng, 27)
    state = {"COMPLETED": "COMPLETED", "CANCELED": "CANCELED"}.get(status, "OPEN")
    order: Record = {
        "id": order_id, "location_id": location_id, "state": state, "version": 1,
        "created_at": created, "updated_at": created,
        "line_items": lines, "discounts": discounts, "taxes": [],
        "fulfillments": ([{"uid": merchant.next_id("uids", rng, 22), "type": "PICKUP",
                           "state": "COMPLETED" if state == "COMPLETED" else "PROPOSED"}]
                         if rng.random() < 0.1 else []),
        "total_money": money(subtotal - discount + tax, currency),
        "total_tax_money": money(tax, currency),
        "total_discount_money": money(discount, currency),
        "total_tip_money": money(0, currency),
        "tenders": [], "source": {"name": "Square Point of Sale"},
    }
    if customer is not None:
        order["customer_id"] = customer["id"]
    if state != "OPEN":
        order["closed_at"] = created
    merchant.orders[order_id] = order
    return order


def _line(rng: random.Random, merchant: MerchantData, currency: str) -> Record:
    uid = merchant.next_id("uids", rng, 22)
    item = rng.choice(sellable_items(merchant))
    variation = rng.choice(item["item_data"]["variations"])
    data = variation["item_variation_data"]
    price = data.get("price_money", {}).get("amount")
    quantity = rng.choice((1, 1, 1, 2, 3))
    if rng.random() < 0.05 or price is None:
        # A custom amount rung up at the register, or a variable-price item.
        price = rng.randint(2, 40) * 100
        if rng.random() < 0.5:
            return {"uid": uid, "name": "Custom Amount", "quantity": "1",
                    "item_type": "CUSTOM_AMOUNT", "base_price_money": money(price, currency),
                    "gross_sales_money": money(price, currency),
                    "total_discount_money": money(0, currency),
                    "total_money": money(price, currency)}
        quantity = 1
    total = price * quantity
    return {"uid": uid, "name": item["item_data"]["name"], "quantity": str(quantity),
            "catalog_object_id": variation["id"], "catalog_version": variation["version"],
            "variation_name": data["name"], "item_type": "ITEM",
            "base_price_money": money(price, currency),
            "gross_sales_money": money(total, currency),
            "total_discount_money": money(0, currency), "total_money": money(total, currency)}


# ----- activity between syncs ------------------------------------------------------------
def add_activity(rng: random.Random, now: datetime, merchant: MerchantData, *,
                 new_customers: int = 3, changed_customers: int = 2,
                 payments_per_location: int = 5, refunds: int = 2) -> dict[str, dict[str, int]]:
    """What an active sync should pick up, stamped in the last few minutes: new customers
    (one who has not paid yet), changed ones, new payments at every active location and
    refunds of older payments. Counts per location (payments, refunds) and for the
    merchant (customers belong to it, not to a location)."""
    now = to_ms(now)
    recent = now - timedelta(minutes=10)
    fresh = []
    for _ in range(new_customers):
        first, last, email = person(rng)
        fresh.append(new_customer(rng, merchant, to_ms(between(rng, recent, now)), first, last,
                                  email))
    older = [c for c in merchant.customers.values() if c["created_at"] < recent]
    for customer in rng.sample(older, k=min(len(older), changed_customers)):
        merchant.touch("customers", customer["id"], now, phone_number=f"+1-{fake_phone(rng)}")
    counts: dict[str, dict[str, int]] = {merchant.name: {
        "new_customers": new_customers, "changed_customers": changed_customers}}
    active = [loc for loc in merchant.locations.values() if loc["status"] == "ACTIVE"]
    for location in active:
        for _ in range(payments_per_location):
            buyer = rng.choice(fresh[1:] or list(merchant.customers.values()))
            new_payment(rng, merchant, location["id"], to_ms(between(rng, recent, now)),
                        customer=buyer)
        counts[location["name"]] = {"new_payments": payments_per_location}
    completed = [p for p in merchant.payments.values() if p["status"] == "COMPLETED"
                 and not p.get("refunded_money") and p["created_at"] < recent]
    for payment in rng.sample(completed, k=min(len(completed), refunds)):
        merchant.refund(payment["id"], now)
        name = merchant.locations[payment["location_id"]]["name"]
        counts.setdefault(name, {})["refunds"] = counts.get(name, {}).get("refunds", 0) + 1
    return counts


def merchant_specs(entries: list[dict[str, Any]], history_days: int,
                   shared_emails: list[str]) -> list[MerchantSpec]:
    """One merchant per access token among ``entries`` (demo connections: ``location_id``,
    ``store_name``, ``token``), with the locations they name."""
    by_token: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_token.setdefault(entry["token"] or DEMO_SPEC.token, []).append(entry)
    specs = []
    for i, (token, group) in enumerate(by_token.items()):
        specs.append(MerchantSpec(
            merchant_id=f"{DEMO_SPEC.merchant_id[:-2]}{i + 1:02d}",
            name=DEMO_SPEC.name if i == 0 else f"{DEMO_SPEC.name} {i + 1}",
            token=token,
            locations=tuple((e["location_id"], e["store_name"]) for e in group),
            history_days=history_days, shared_emails=tuple(shared_emails),
        ))
    return specs

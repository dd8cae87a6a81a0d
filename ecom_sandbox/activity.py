"""Simulated store activity between syncs (what an active sync should pick up)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from ecom_sandbox.bigcommerce.store import StoreData
from ecom_sandbox.records import (
    Record,
    between,
    change_order_status,
    fake_phone,
    new_cart,
    new_customer,
    new_order,
    new_subscriber,
    order_currency,
    person,
    region_of,
)


def add_activity(
    rng: random.Random,
    now: datetime,
    store: StoreData,
    *,
    new_customers: int = 3,
    new_orders: int = 8,
    modified_orders: int = 4,
    modified_customers: int = 2,
    new_carts: int = 3,
    recovered_carts: int = 1,
) -> dict[str, int]:
    """Add what an active sync should pick up: new customers, orders and carts, changed
    orders (refunds, shipments) and customers, and recovered carts. Everything is stamped
    within the last few minutes before ``now``. Returns counts per kind."""
    now = now.astimezone(UTC).replace(microsecond=0)
    region = region_of(store)
    recent = now - timedelta(minutes=10)
    counts = dict.fromkeys(
        ("new_customers", "new_orders", "modified_orders", "modified_customers", "new_carts",
         "recovered_carts", "new_subscribers"), 0,
    )
    fresh: list[Record] = []
    for _ in range(new_customers):
        first, last, email = person(rng)
        customer = new_customer(
            rng, store, region, between(rng, recent, now), first=first, last=last, email=email
        )
        fresh.append(customer)
        counts["new_customers"] += 1
        if rng.random() < 0.5:
            new_subscriber(rng, store, customer["date_created"], email=email, first=first,
                           last=last, source="storefront")
            counts["new_subscribers"] += 1
    registered = [c for c in store.customers.values() if c["email"]]
    for _ in range(new_orders):
        created = between(rng, recent, now)
        customer: Record | None = None
        guest = None
        if rng.random() < 0.8 and registered:
            pool = [c for c in fresh if c["date_created"] <= created] or registered
            customer = rng.choice(pool)
        else:
            guest = person(rng)
        new_order(
            rng, store, region, created, status_id=rng.choice((11, 11, 10, 7, 1, 9)),
            currency=order_currency(rng, [(c, 1) for c in store.currencies]),
            customer=customer, guest=guest, now=now,
        )
        counts["new_orders"] += 1
    older = [o for o in store.orders.values() if o["date_created"] < recent
             and o["status_id"] not in (4, 5, 6, 0)]
    for order in rng.sample(older, k=min(len(older), modified_orders)):
        change_order_status(rng, order, now, rng.choice((4, 14, 2, 10)))
        counts["modified_orders"] += 1
    candidates = [c for c in store.customers.values() if c["date_created"] < recent]
    for customer in rng.sample(candidates, k=min(len(candidates), modified_customers)):
        store.touch("customers", customer["id"], now, phone=fake_phone(rng))
        counts["modified_customers"] += 1
    for _ in range(new_carts):
        customer = rng.choice(registered) if registered and rng.random() < 0.7 else None
        new_cart(rng, store, between(rng, recent, now), customer=customer,
                 guest_email=person(rng)[2])
        counts["new_carts"] += 1
    idle = [c for c in store.carts.values() if store.cart_is_live(c, now)
            and c["email"] and now - c["updated_time"] > timedelta(hours=1)]
    for cart in rng.sample(idle, k=min(len(idle), recovered_carts)):
        customer = store.customers.get(cart["customer_id"])
        guest = None if customer else ("Guest", "Shopper", cart["email"])
        order = new_order(rng, store, region, now, status_id=11, currency=store.currency,
                          customer=customer, guest=guest, now=now, cart=cart)
        cart["_converted_order_id"] = order["id"]
        cart["_converted_at"] = order["date_created"]
        counts["recovered_carts"] += 1
    return counts

"""Seeded, deterministic BigCommerce demo data.

Everything is drawn from ``random.Random`` instances derived from the seed and from a
fixed ``now`` passed in, so the same seed and ``now`` give identical stores.

- :func:`demo_stores` — the two demo stores (``acmeoutdoor`` and ``acmeeu``).
- :func:`generate_stores` — any list of :class:`StoreSpec`.
- :func:`add_activity` — new / changed records for an active sync (``activity.py``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ecom_sandbox import names
from ecom_sandbox.activity import add_activity
from ecom_sandbox.bigcommerce.store import ORDER_STATUSES, StoreData
from ecom_sandbox.records import (
    between,
    case_variant,
    category_record,
    new_cart,
    new_customer,
    new_order,
    new_product,
    new_subscriber,
    order_currency,
    person,
    pick_status,
)

__all__ = ["DEMO_SPECS", "StoreSpec", "add_activity", "demo_stores", "generate_stores"]

@dataclass(frozen=True)
class StoreSpec:
    """What to generate for one store."""

    store_hash: str
    name: str
    token: str
    store_id: int
    currency: str
    currencies: tuple[tuple[str, int], ...]  # (code, weight) for order currencies
    region: str  # "us" or "eu": address pool and country
    history_days: int = 730
    customers: int = 120
    orders: int = 300
    products: int = 40
    carts: int = 40
    newsletter_only_subscribers: int = 15
    shared_email_share: float = 0.2  # share of customers re-using another store's e-mail
    rate_limit_quota: int = 150
    rate_limit_window_ms: int = 30_000


DEMO_SPECS: tuple[StoreSpec, ...] = (
    StoreSpec(
        store_hash="acmeoutdoor",
        name="Acme Outdoor",
        token="sandbox-token-acmeoutdoor",
        store_id=1001234,
        currency="USD",
        currencies=(("USD", 80), ("CAD", 10), ("JPY", 10)),
        region="us",
        history_days=3 * 365,
    ),
    StoreSpec(
        store_hash="acmeeu",
        name="Acme Europe",
        token="sandbox-token-acmeeu",
        store_id=1005678,
        currency="EUR",
        currencies=(("EUR", 60), ("GBP", 35), ("USD", 5)),
        region="eu",
        history_days=2 * 365,
    ),
)


def demo_stores(
    seed: int = 7,
    now: datetime | None = None,
    *,
    customers: int = 120,
    orders: int = 300,
    products: int = 40,
    carts: int = 40,
    rate_limit_quota: int = 150,
    history_days: int | None = None,
) -> list[StoreData]:
    """The two demo stores, ``acmeoutdoor`` (USD) and ``acmeeu`` (EUR/GBP).
    ``history_days`` (default: each spec's) sets how far back each store's first day is."""
    specs = [
        StoreSpec(
            **{
                **s.__dict__,
                "history_days": history_days or s.history_days,
                "customers": customers,
                "orders": orders,
                "products": products,
                "carts": carts,
                "rate_limit_quota": rate_limit_quota,
            }
        )
        for s in DEMO_SPECS
    ]
    return generate_stores(specs, seed=seed, now=now or default_now())


def default_now() -> datetime:
    """Current UTC time truncated to the second (generator input when none is given)."""
    return datetime.now(UTC).replace(microsecond=0)


def generate_stores(specs: list[StoreSpec], *, seed: int, now: datetime) -> list[StoreData]:
    """Generate every store of ``specs``; later stores share some e-mails with earlier ones."""
    now = now.astimezone(UTC)
    stores: list[StoreData] = []
    earlier_emails: list[str] = []
    for spec in specs:
        rng = random.Random(f"{seed}:{spec.store_hash}")
        store = _empty_store(spec, now)
        _generate_catalog(rng, store, spec, now)
        _generate_customers(rng, store, spec, now, earlier_emails)
        _generate_orders_and_carts(rng, store, spec, now)
        _generate_subscribers(rng, store, spec, now)
        earlier_emails.extend(c["email"] for c in store.customers.values() if c["email"])
        stores.append(store)
    return stores


# ----- whole-store generation -----------------------------------------------------------
def _empty_store(spec: StoreSpec, now: datetime) -> StoreData:
    domain = f"{spec.store_hash}.example"
    return StoreData(
        store_hash=spec.store_hash,
        name=spec.name,
        token=spec.token,
        store_id=spec.store_id,
        domain=domain,
        currency=spec.currency,
        currencies=[c for c, _ in spec.currencies],
        history_start=(now - timedelta(days=spec.history_days)).replace(
            hour=0, minute=0, second=0, microsecond=0
        ),
        admin_email=f"owner@{domain}",
        country="United States" if spec.region == "us" else "Germany",
        country_code="US" if spec.region == "us" else "DE",
        timezone="America/Chicago" if spec.region == "us" else "Europe/Berlin",
        rate_limit_quota=spec.rate_limit_quota,
        rate_limit_window_ms=spec.rate_limit_window_ms,
    )




def _generate_catalog(rng: random.Random, store: StoreData, spec: StoreSpec, now: datetime) -> None:
    leaves: list[tuple[int, int | None, str]] = []
    for parent_name, children in names.CATEGORY_TREE:
        pid = store.next_id("categories", start=18)
        store.categories[pid] = category_record(pid, 0, parent_name)
        if not children:
            leaves.append((pid, None, parent_name))
        for child in children:
            cid = store.next_id("categories", start=18)
            store.categories[cid] = category_record(cid, pid, child)
            leaves.append((cid, pid, child))
    seen: set[str] = set()
    colors = ("Slate", "Forest", "Sand", "Ember", "Glacier", "Night")
    for _ in range(spec.products):
        leaf_id, parent_id, leaf_name = rng.choice(leaves)
        base = rng.choice(names.PRODUCT_WORDS[leaf_name])
        name = base
        while name in seen:
            name = f"{base} - {rng.choice(colors)} {rng.randint(2, 99)}"
        seen.add(name)
        created = between(rng, store.history_start, now - timedelta(days=1))
        modified = created
        if rng.random() < 0.4:
            modified = between(rng, created, now)
        categories = [leaf_id] + ([parent_id] if parent_id and rng.random() < 0.5 else [])
        new_product(rng, store, name, categories, created, modified)


def _generate_customers(
    rng: random.Random,
    store: StoreData,
    spec: StoreSpec,
    now: datetime,
    earlier_emails: list[str],
) -> None:
    used: set[str] = set()
    shared_pool = list(earlier_emails)
    rng.shuffle(shared_pool)
    n_shared = int(spec.customers * spec.shared_email_share) if shared_pool else 0
    n_no_email = max(3, spec.customers // 20)
    for i in range(spec.customers):
        first, last, email = person(rng)
        if i < n_shared and shared_pool:
            email = case_variant(rng, shared_pool.pop())
        elif i >= spec.customers - n_no_email:
            email = ""
        while email and email.strip().lower() in used:
            first, last, email = person(rng)
        if email:
            used.add(email.strip().lower())
        created = between(rng, store.history_start, now - timedelta(hours=2))
        customer = new_customer(
            rng, store, spec.region, created, first=first, last=last, email=email
        )
        if rng.random() < 0.35:
            customer["date_modified"] = between(rng, created, now)
    # ids follow creation time, as in a real store
    _renumber_by_created(store)


def _renumber_by_created(store: StoreData) -> None:
    ordered = sorted(store.customers.values(), key=lambda c: (c["date_created"], c["id"]))
    store.customers = {}
    for new_id, customer in enumerate(ordered, start=1):
        customer["id"] = new_id
        for address in customer["addresses"]:
            address["customer_id"] = new_id
        store.customers[new_id] = customer


def _generate_orders_and_carts(
    rng: random.Random, store: StoreData, spec: StoreSpec, now: datetime
) -> None:
    customers = sorted(store.customers.values(), key=lambda c: c["date_created"])
    plans: list[dict[str, Any]] = []
    statuses = list(ORDER_STATUSES)
    statuses += [pick_status(rng) for _ in range(max(0, spec.orders - len(statuses)))]
    rng.shuffle(statuses)
    for status in statuses[: spec.orders]:
        created = between(
            rng, store.history_start + timedelta(days=1), now - timedelta(minutes=30)
        )
        eligible = [c for c in customers if c["date_created"] <= created]
        if eligible and rng.random() < 0.78:
            customer = rng.choice(eligible)
            plans.append({"created": created, "status": status, "customer": customer})
        else:
            plans.append({"created": created, "status": status, "customer": None})

    # carts: idle ones (abandoned), fresh ones, expired ones; a share later recovered
    for _ in range(spec.carts):
        bucket = rng.random()
        if bucket < 0.2:
            updated = between(rng, now - timedelta(minutes=50), now - timedelta(minutes=1))
        elif bucket < 0.8:
            updated = between(rng, now - timedelta(days=29), now - timedelta(hours=2))
        else:
            updated = between(rng, now - timedelta(days=75), now - timedelta(days=31))
        eligible = [c for c in customers if c["date_created"] <= updated and c["email"]]
        customer = rng.choice(eligible) if eligible and rng.random() < 0.6 else None
        guest_email = "" if rng.random() < 0.15 else person(rng)[2]
        cart = new_cart(rng, store, updated, customer=customer, guest_email=guest_email)
        idle_hours = (now - updated).total_seconds() / 3600
        if idle_hours > 6 and rng.random() < 0.3 and cart["email"]:
            recovered_at = between(
                rng, updated + timedelta(hours=2), min(now, updated + timedelta(days=5))
            )
            plans.append({
                "created": recovered_at, "status": rng.choice((10, 11, 2)),
                "customer": customer, "cart": cart,
            })

    plans.sort(key=lambda p: p["created"])
    for plan in plans:
        customer = plan["customer"]
        cart = plan.get("cart")
        guest = None
        if customer is None:
            if cart is not None:
                guest = (rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES),
                         cart["email"])
            else:
                guest = person(rng)
        order = new_order(
            rng, store, spec.region, plan["created"],
            status_id=plan["status"],
            currency=store.currency if cart else order_currency(rng, list(spec.currencies)),
            customer=customer, guest=guest, now=now, cart=cart,
        )
        if cart is not None:
            cart["_converted_order_id"] = order["id"]
            cart["_converted_at"] = order["date_created"]


def _generate_subscribers(
    rng: random.Random, store: StoreData, spec: StoreSpec, now: datetime
) -> None:
    events: list[tuple[datetime, dict[str, Any]]] = []
    for customer in store.customers.values():
        if customer["email"] and rng.random() < 0.5:
            events.append((customer["date_created"], {
                "email": customer["email"], "first": customer["first_name"],
                "last": customer["last_name"], "source": "storefront", "order_id": None,
            }))
    for order in store.orders.values():
        if order["customer_id"] == 0 and order["is_email_opt_in"]:
            bill = order["billing_address"]
            events.append((order["date_created"], {
                "email": bill["email"], "first": bill["first_name"], "last": bill["last_name"],
                "source": "order", "order_id": order["id"],
                "consents": ["marketing_newsletter"],
            }))
    for _ in range(spec.newsletter_only_subscribers):
        first, last, email = person(rng)
        events.append((between(rng, store.history_start, now), {
            "email": email, "first": first, "last": last, "source": "storefront",
            "order_id": None,
        }))
    events.sort(key=lambda e: e[0])
    seen: set[str] = set()
    for created, ev in events:
        key = ev["email"].strip().lower()
        if key in seen:
            continue
        seen.add(key)
        sub = new_subscriber(
            rng, store, created, email=ev["email"], first=ev["first"], last=ev["last"],
            source=ev["source"], order_id=ev["order_id"], consents=ev.get("consents"),
        )
        if rng.random() < 0.25:
            sub["date_modified"] = between(rng, created, now)
            if sub["consents"]:
                sub["consents"] = []  # unsubscribed later

"""Seeded, deterministic Shopify demo data.

Everything is drawn from ``random.Random`` instances derived from the seed and from a fixed
``now`` passed in, so the same seed and ``now`` give identical shops.

- :func:`demo_shops` — the demo shop ``acme-nordic`` (EUR, shop offset ``+01:00``).
- :func:`generate_shops` — any list of :class:`ShopSpec`.
- :func:`add_activity` — new / changed records for an active sync.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ecom_sandbox import names
from ecom_sandbox.clock import utc_now_whole_seconds, whole_seconds
from ecom_sandbox.records import between, case_variant
from ecom_sandbox.shopify import records as rec
from ecom_sandbox.shopify.shop import ALL_SCOPES, Record, ShopData

__all__ = ["DEMO_SPEC", "ShopSpec", "add_activity", "demo_shops", "generate_shops"]


@dataclass(frozen=True)
class ShopSpec:
    """What to generate for one shop."""

    shop: str
    name: str
    shop_id: int
    token: str
    currency: str = "EUR"
    utc_offset: str = "+01:00"
    history_days: int = 90
    customers: int = 100
    orders: int = 250
    products: int = 30
    checkouts: int = 30
    shared_emails: tuple[str, ...] = ()
    shared_email_share: float = 0.15
    rate_bucket: int = 40
    leak_per_second: float = 2.0
    scopes: tuple[str, ...] = field(default_factory=lambda: tuple(sorted(ALL_SCOPES)))

    @property
    def domain(self) -> str:
        return f"{self.shop}.myshopify.com"


DEMO_SPEC = ShopSpec(
    shop="acme-nordic", name="Acme Nordic", shop_id=548_380_009,
    token="sandbox-token-acme-nordic",
)


def demo_shops(
    seed: int = 7,
    now: datetime | None = None,
    *,
    history_days: int = 90,
    customers: int = 100,
    orders: int = 250,
    products: int = 30,
    checkouts: int = 30,
    shared_emails: Sequence[str] = (),
    rate_bucket: int = 40,
    leak_per_second: float = 2.0,
) -> list[ShopData]:
    """The demo shop ``acme-nordic`` (``acme-nordic.myshopify.com``, "Acme Nordic", EUR,
    offset +01:00, token ``sandbox-token-acme-nordic``). ``shared_emails`` (e.g. another
    platform's customers) are reused by ~15% of its customers in another case / spacing."""
    spec = replace(
        DEMO_SPEC, history_days=history_days, customers=customers, orders=orders,
        products=products, checkouts=checkouts, shared_emails=tuple(shared_emails),
        rate_bucket=rate_bucket, leak_per_second=leak_per_second,
    )
    return generate_shops([spec], seed=seed, now=now or utc_now_whole_seconds())


def generate_shops(specs: Sequence[ShopSpec], *, seed: int, now: datetime) -> list[ShopData]:
    now = whole_seconds(now)
    return [_generate(spec, random.Random(f"shopify:{seed}:{spec.shop}"), now)
            for spec in specs]


def _generate(spec: ShopSpec, rng: random.Random, now: datetime) -> ShopData:
    start = now - timedelta(days=spec.history_days)
    shop = ShopData(
        shop=spec.shop, name=spec.name, domain=spec.domain, shop_id=spec.shop_id,
        currency=spec.currency, utc_offset=spec.utc_offset,
        tokens={spec.token: list(spec.scopes)}, history_start=start,
        rate_bucket=spec.rate_bucket, leak_per_second=spec.leak_per_second,
        email=f"owner@{spec.shop}.example",
    )
    opened = start - timedelta(days=400)
    rec.location(shop, "Stockholm Warehouse", "Lagervägen 4", "Stockholm", "112 21", "SE",
                 "Sweden", opened)
    rec.location(shop, "Helsinki Store", "Aleksanterinkatu 15", "Helsinki", "00100", "FI",
                 "Finland", opened + timedelta(days=100))
    _catalog(rng, shop, spec, start)
    retired = rec.new_product(rng, shop, opened, "Retired Trail Lantern", "Accessories")
    _customers(rng, shop, spec, start, now)
    _orders_and_checkouts(rng, shop, spec, start, now, retired)
    # a few deleted orders (test orders removed by the merchant) → destroy events
    for order in rng.sample(sorted(shop.orders.values(), key=lambda o: o["id"]), k=2):
        shop.delete("orders", order["id"], between(rng, order["updated_at"], now))
    return shop


def _catalog(rng: random.Random, shop: ShopData, spec: ShopSpec, start: datetime) -> None:
    pool = [(sub or top, title) for top, subs in names.CATEGORY_TREE
            for sub in (subs or (None,)) for title in names.PRODUCT_WORDS[sub or top]]
    for i in range(spec.products):
        ptype, title = pool[i % len(pool)]
        if i >= len(pool):
            title = f"{title} {['II', 'III', 'IV'][min(2, i // len(pool) - 1)]}"
        created = between(rng, start - timedelta(days=300), start + timedelta(days=10))
        status = "draft" if i == len(pool) - 1 else "archived" if i == len(pool) - 2 \
            else "active"
        rec.new_product(rng, shop, created, title, ptype, describe=i % 6 != 5, status=status)


def _customers(rng: random.Random, shop: ShopData, spec: ShopSpec, start: datetime,
               now: datetime) -> None:
    times = sorted(between(rng, start - timedelta(days=180), now - timedelta(hours=2))
                   for _ in range(spec.customers))
    n = spec.customers
    no_email = set(rng.sample(range(8, n), k=min(max(3, n // 25), max(0, n - 8))))
    shared = list(spec.shared_emails)
    rng.shuffle(shared)
    eligible = [i for i in range(8, n) if i not in no_email]
    k = min(len(shared), round(n * spec.shared_email_share), len(eligible))
    shared_at = dict(zip(rng.sample(eligible, k=k), shared[:k], strict=True))
    used: set[str] = set()
    for i, created in enumerate(times):
        first, last, email = rec.person(rng)
        while email in used:
            first, last, email = rec.person(rng)
        used.add(email)
        mail: str | None = email
        if i in no_email:
            mail = None
        elif i in shared_at:
            mail = case_variant(rng, shared_at[i])
        rec.new_customer(
            rng, shop, created, first=first, last=last, email=mail,
            consent=rec.CONSENT_STATES[i] if i < 4 else None,
            phone_mode=("customer", "address", "none")[i - 4] if 4 <= i < 7 else None,
            company=True if i == 7 else None,
            tags="VIP, Newsletter" if i == 0 else None,
        )
        c = shop.customers[max(shop.customers)]
        if rng.random() < 0.3:  # later profile edits
            c["updated_at"] = between(rng, c["created_at"], now)


def _orders_and_checkouts(rng: random.Random, shop: ShopData, spec: ShopSpec,
                          start: datetime, now: datetime, retired: Record) -> None:
    customers = sorted(shop.customers.values(), key=lambda c: c["created_at"])
    abandoned_from = max(start, now - timedelta(days=30))
    checkouts: list[Record] = []
    for i, created in enumerate(sorted(between(rng, abandoned_from, now - timedelta(hours=3))
                                       for _ in range(spec.checkouts))):
        known = [c for c in customers if c["email"] and c["created_at"] <= created]
        customer = rng.choice(known) if known and (i % 3 != 2) else None
        checkout = rec.new_checkout(rng, shop, created, customer=customer,
                                    guest_email=None if customer else rec.person(rng)[2],
                                    abandoned_minutes=rng.randint(5, 90))
        if i % 10 == 4:
            checkout["closed_at"] = checkout["updated_at"] = min(
                now, checkout["updated_at"] + timedelta(days=2))
        checkouts.append(checkout)
    recover = [c for c in checkouts if c["closed_at"] is None][:: 5][: spec.orders // 10]
    plans: list[tuple[datetime, Record | None]] = [
        (min(now - timedelta(minutes=10),
             c["updated_at"] + timedelta(hours=rng.uniform(1, 72))), c) for c in recover
    ]
    plans += [(between(rng, start, now - timedelta(minutes=15)), None)
              for _ in range(max(0, spec.orders - len(plans)))]
    plans.sort(key=lambda p: (p[0], p[1]["id"] if p[1] else 0))
    retire_at = start + timedelta(days=spec.history_days / 3)
    forced = list(rec.FINANCIAL_STATUSES)
    normal = 0
    for created, checkout in plans:
        customer: Record | None = None
        guest: tuple[str, str, str | None] | None = None
        if checkout is not None:
            customer = shop.customers.get(checkout["customer_id"])
            if customer is None:
                guest = ("Guest", "Shopper", checkout["email"])
            target = "paid"
        else:
            roll = rng.random()
            known = [c for c in customers if c["created_at"] <= created]
            if normal == 7 or (normal != 8 and roll < 0.20) or not known:
                guest = rec.person(rng)
            elif normal == 8 or roll < 0.23:
                first, last, _ = rec.person(rng)
                guest = (first, last, None)
            else:
                customer = rng.choice(known)
            target = forced[normal] if normal < len(forced) else rng.choices(
                rec.FINANCIAL_STATUSES, weights=(8, 7, 4, 55, 9, 10, 7))[0]
            normal += 1
        order = rec.new_order(
            rng, shop, created, customer=customer, guest=guest, checkout=checkout,
            deleted_product=retired if created < retire_at and rng.random() < 0.06 else None,
        )
        rec.lifecycle(rng, shop, order, target, now)
    shop.delete("products", retired["id"], retire_at)


# ----- activity ----------------------------------------------------------------------
def add_activity(
    rng: random.Random,
    now: datetime,
    shop: ShopData,
    *,
    new_customers: int = 3,
    new_orders: int = 8,
    refunds: int = 2,
    cancellations: int = 1,
    closes: int = 2,
    modified_customers: int = 2,
    new_checkouts: int = 3,
    recovered_checkouts: int = 1,
) -> dict[str, int]:
    """Add what an active sync should pick up, stamped within the 10 minutes before
    ``now``: new customers, orders (incl. guests) and checkouts; refunds, cancellations
    and closes of older orders; edited customers; a recovered checkout. Counts per kind."""
    now = whole_seconds(now)
    recent = now - timedelta(minutes=10)
    counts = dict.fromkeys(("new_customers", "new_orders", "refunds", "cancellations",
                            "closes", "modified_customers", "new_checkouts",
                            "recovered_checkouts"), 0)
    fresh: list[Record] = []
    for _ in range(new_customers):
        first, last, email = rec.person(rng)
        fresh.append(rec.new_customer(rng, shop, between(rng, recent, now), first=first,
                                      last=last, email=email))
        counts["new_customers"] += 1
    with_email = [c for c in shop.customers.values() if c["email"]]
    for _ in range(new_orders):
        created = between(rng, recent, now)
        customer = None
        guest = None
        if with_email and rng.random() < 0.75:
            pool = [c for c in fresh if c["created_at"] <= created] or with_email
            customer = rng.choice(pool)
        else:
            guest = rec.person(rng)
        order = rec.new_order(rng, shop, created, customer=customer, guest=guest)
        rec.pay(order, rng.choice(("paid", "paid", "pending", "authorized")))
        counts["new_orders"] += 1
    older = sorted((o for o in shop.orders.values() if o["created_at"] < recent
                    and o["cancelled_at"] is None), key=lambda o: o["id"])
    paid = [o for o in older if o["financial_status"] in ("paid", "partially_refunded")]
    for order in rng.sample(paid, k=min(len(paid), refunds)):
        shop.refund_order(order["id"], between(rng, recent, now))
        counts["refunds"] += 1
    still_open = [o for o in older if o["cancelled_at"] is None and o["closed_at"] is None
                  and o["financial_status"] in ("pending", "authorized", "paid")]
    for order in rng.sample(still_open, k=min(len(still_open), cancellations)):
        shop.cancel_order(order["id"], between(rng, recent, now))
        still_open.remove(order)
        counts["cancellations"] += 1
    for order in rng.sample(still_open, k=min(len(still_open), closes)):
        shop.close_order(order["id"], between(rng, recent, now))
        counts["closes"] += 1
    candidates = sorted((c for c in shop.customers.values() if c["created_at"] < recent),
                        key=lambda c: c["id"])
    for customer in rng.sample(candidates, k=min(len(candidates), modified_customers)):
        tags = customer["tags"]
        shop.touch("customers", customer["id"], between(rng, recent, now),
                   tags=f"{tags}, Returning" if tags and "Returning" not in tags
                   else tags or "Returning")
        counts["modified_customers"] += 1
    for _ in range(new_checkouts):
        customer = rng.choice(with_email) if with_email and rng.random() < 0.6 else None
        rec.new_checkout(rng, shop, between(rng, recent - timedelta(hours=2), recent),
                         customer=customer,
                         guest_email=None if customer else rec.person(rng)[2],
                         abandoned_minutes=rng.randint(5, 60))
        counts["new_checkouts"] += 1
    open_checkouts = sorted((c for c in shop.checkouts.values() if c["completed_at"] is None
                             and c["closed_at"] is None and c["updated_at"] < recent),
                            key=lambda c: c["id"])
    for checkout in rng.sample(open_checkouts, k=min(len(open_checkouts),
                                                     recovered_checkouts)):
        customer = shop.customers.get(checkout["customer_id"])
        order = rec.new_order(
            rng, shop, between(rng, recent, now), customer=customer, checkout=checkout,
            guest=None if customer else ("Guest", "Shopper", checkout["email"]),
        )
        rec.pay(order, "paid")
        counts["recovered_checkouts"] += 1
    return counts

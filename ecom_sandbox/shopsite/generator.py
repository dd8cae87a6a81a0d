"""Seeded, deterministic shop-site demo data, relative to a given ``now``.

- :func:`demo_sites` — the demo site ``bottega-rossi`` (EUR, site offset ``+01:00``):
  registered customers (some sharing e-mails with the other demo stores), orders of
  registered customers and guests, registered and anonymous carts (some converted), and a
  back-office sync every few hours, the last one finished minutes ago with a few carts
  changed since (not handed over yet: SS3).
- :func:`add_activity` — orders placed now, carts changed now, and a back-office sync
  started now that finishes a few seconds later.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ecom_sandbox.clock import utc_now_whole_seconds, whole_seconds
from ecom_sandbox.records import between, case_variant, fake_phone, person
from ecom_sandbox.shopsite.site import ORDER_STATUSES, Record, SiteData

PRODUCTS = (  # product id, SKU, name, category, unit price (VAT included)
    ("P71", "TAZZA-01", "Tazza in ceramica", "Cucina", "12.50"),
    ("P72", "PIATTO-02", "Piatto fondo", "Tavola", "9.90"),
    ("P73", "CAFFE-03", "Moka 6 tazze", "Cucina", "34.00"),
    ("P74", "TOVAGLIA-04", "Tovaglia di lino", "Tessili", "59.00"),
    ("P75", "BICCHIERI-05", "Bicchieri (6)", "Tavola", "24.90"),
    ("P76", "CANDELA-06", "Candela profumata", "Casa", "18.00"),
    ("P77", "CESTO-07", "Cesto in vimini", "Casa", "42.00"),
    ("P78", "TAGLIERE-08", "Tagliere in ulivo", "Cucina", "29.50"),
    ("P79", "GREMBIULE-09", "Grembiule da cucina", "Tessili", "22.00"),
    ("P80", "VASO-10", "Vaso in terracotta", "Casa", "38.00"),
)
SHIPPING = (("Corriere espresso", "6.90"), ("Ritiro in negozio", "0.00"),
            ("Posta prioritaria", "4.50"))
CODES = ("BENVENUTO10", "ESTATE10")


@dataclass(frozen=True)
class SiteSpec:
    site: str
    name: str
    token: str
    public_url: str
    currency: str = "EUR"
    utc_offset: str = "+01:00"
    history_days: int = 120
    customers: int = 80
    orders: int = 160
    carts: int = 40
    sync_every_hours: int = 4
    shared_emails: tuple[str, ...] = ()
    shared_email_share: float = 0.2


DEMO_SPEC = SiteSpec(site="bottega-rossi", name="Bottega Rossi",
                     token="sandbox-token-bottega-rossi",
                     public_url="https://www.bottega-rossi.example")


def lines(rng: random.Random, n: int | None = None) -> list[Record]:
    picked = rng.sample(PRODUCTS, k=n or rng.randint(1, 3))
    return [{"product_id": pid, "sku": sku, "name": name, "category": category,
             "description": f"{name}, fatto a mano in Italia.",
             "image_url": f"https://cdn.bottega-rossi.example/img/{sku.lower()}.jpg",
             "quantity": rng.randint(1, 3), "unit_price": price}
            for pid, sku, name, category, price in picked]


def demo_sites(seed: int = 7, now: datetime | None = None, *,
               shared_emails: Sequence[str] = (), **sizes: int) -> list[SiteData]:
    """The demo site; ``sizes`` override the spec (``customers``, ``orders``, ``carts``,
    ``history_days``...)."""
    spec = SiteSpec(**{**DEMO_SPEC.__dict__, **sizes, "shared_emails": tuple(shared_emails)})
    return [generate_site(random.Random(f"shopsite:{seed}:{spec.site}"), spec,
                          whole_seconds(now or utc_now_whole_seconds()))]


def generate_site(rng: random.Random, spec: SiteSpec, now: datetime) -> SiteData:
    start = now - timedelta(days=spec.history_days)
    site = SiteData(site=spec.site, name=spec.name, token=spec.token,
                    public_url=spec.public_url, currency=spec.currency,
                    utc_offset=spec.utc_offset, history_start=start)
    _customers(rng, site, spec, start, now)
    _orders(rng, site, spec, start, now)
    last_sync = _sync_runs(rng, site, spec, start, now)
    _carts(rng, site, spec, start, now, last_sync)
    return site


def _customers(rng: random.Random, site: SiteData, spec: SiteSpec, start: datetime,
               now: datetime) -> None:
    shared = list(spec.shared_emails)
    rng.shuffle(shared)
    k = min(len(shared), round(spec.customers * spec.shared_email_share))
    for i in range(spec.customers):
        first, last, email = person(rng)
        if i < k:
            email = case_variant(rng, shared[i]).strip()
        created = between(rng, start, now - timedelta(hours=1))
        customer = site.register(created, email, first, last,
                                 phone=fake_phone(rng) if rng.random() < 0.6 else None,
                                 company="Rossi & Figli" if i % 17 == 3 else None)
        if rng.random() < 0.2:  # later profile edits
            customer["modified_at"] = between(rng, created, now - timedelta(minutes=30))


def _orders(rng: random.Random, site: SiteData, spec: SiteSpec, start: datetime,
            now: datetime) -> None:
    registered = list(site.customers.values())
    for placed in sorted(between(rng, start, now - timedelta(minutes=20))
                         for _ in range(spec.orders)):
        buyers = [c for c in registered if c["created_at"] <= placed]
        customer = rng.choice(buyers) if buyers and rng.random() < 0.8 else None
        guest = None if customer else person(rng)
        order = site.place_order(
            placed, lines(rng), customer=customer, guest=guest,
            status=rng.choices(ORDER_STATUSES, weights=(10, 45, 35, 6, 4))[0],
            discount_code=rng.choice(CODES) if rng.random() < 0.2 else None,
            shipping=rng.choice(SHIPPING))
        if order["status"] != "new":  # paid, shipped ... later than placed
            order["modified_at"] = between(rng, placed, min(now, placed + timedelta(days=3)))


def _sync_runs(rng: random.Random, site: SiteData, spec: SiteSpec, start: datetime,
               now: datetime) -> datetime:
    """A sync every ``sync_every_hours`` (every sixth a full one, a few failed); the last
    finished ten minutes ago. Returns its end."""
    step = timedelta(hours=spec.sync_every_hours)
    last = now - timedelta(minutes=10)
    n = int((last - start) / step)
    for i in range(n, -1, -1):
        finished = last - i * step
        began = finished - timedelta(minutes=rng.randint(2, 12))
        run = site.start_sync(began, "full" if i % 6 == 0 else "changed")
        failed = i > 0 and rng.random() < 0.05
        site.finish_sync(run["id"], finished, "failed" if failed else "finished")
    return last


def _carts(rng: random.Random, site: SiteData, spec: SiteSpec, start: datetime,
           now: datetime, last_sync: datetime) -> None:
    """Registered users' carts (some later bought) and anonymous visitors' carts; the
    newest few changed after the last sync (they wait for the next one)."""
    registered = list(site.customers.values())
    pending = max(2, spec.carts // 10)
    for i in range(spec.carts):
        changed = (between(rng, last_sync, now) if i < pending
                   else between(rng, start, last_sync - timedelta(minutes=1)))
        owner = rng.choice(registered) if rng.random() < 0.7 else None
        cart = site.save_cart(changed, lines(rng), customer=owner,
                              token=f"{rng.getrandbits(48):012x}")
        cart["created_at"] = changed - timedelta(minutes=rng.randint(1, 90))
        if owner and i >= pending and rng.random() < 0.15:
            site.convert_cart(cart["id"], between(rng, changed, last_sync))


def add_activity(rng: random.Random, now: datetime, site: SiteData, *, new_customers: int = 2,
                 new_orders: int = 3, changed_orders: int = 1, new_carts: int = 3,
                 sync_seconds: float = 5.0) -> dict[str, int]:
    """What the sensors should pick up: orders placed in the last seconds (SS2), carts
    changed now, and a back-office sync that starts now and ends ``sync_seconds`` later
    (SS3: the carts go out only then)."""
    now = whole_seconds(now)
    fresh = [site.register(now - timedelta(seconds=rng.randint(5, 30)), *_person(rng))
             for _ in range(new_customers)]
    registered = list(site.customers.values())
    for i in range(new_orders):
        placed = now - timedelta(seconds=rng.randint(0, 5))
        customer = (fresh[i % len(fresh)] if fresh and i < 2
                    else rng.choice(registered) if i % 3 != 2 else None)
        site.place_order(placed, lines(rng), customer=customer,
                         guest=None if customer else person(rng))
    older = [o for o in site.orders.values() if o["status"] == "paid"]
    for order in rng.sample(older, k=min(len(older), changed_orders)):
        site.touch("orders", order["id"], now, status="shipped")
    for i in range(new_carts):
        owner = rng.choice(registered) if i % 3 != 2 else None  # every third anonymous
        site.save_cart(now, lines(rng), customer=owner, token=f"{rng.getrandbits(48):012x}")
    site.start_sync(now, "changed", finish_at=now + timedelta(seconds=sync_seconds))
    return {"new_customers": new_customers, "new_orders": new_orders,
            "changed_orders": min(len(older), changed_orders), "new_carts": new_carts,
            "sync_runs": 1}


def _person(rng: random.Random) -> tuple[str, str, str, str | None]:
    first, last, email = person(rng)
    return email, first, last, fake_phone(rng)

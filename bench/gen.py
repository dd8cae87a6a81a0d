"""Seeded merchant generator: BigCommerce landing files exactly as our extract writes them.

Records are built with the sandbox's own record builders (``ecom_sandbox.records``)
and wire renderers (``ecom_sandbox.bigcommerce.render``), then written page by page
with the extract's own page writer (:func:`ecom_sync.sources.landing.write_page_file`: gzip
NDJSON, ``_extracted_at``, orders with their products / shipping addresses / coupons
inlined), one committed window folder per stream and connection. No HTTP: every page is a
pure function of ``(seed, store, stream, page)``, so pages are generated in parallel
processes and the output is identical whatever the number of workers.
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import random
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from ecom_sandbox import names
from ecom_sandbox.bigcommerce import render
from ecom_sandbox.bigcommerce.store import StoreData
from ecom_sandbox.records import (
    case_variant,
    category_record,
    new_customer,
    new_order,
    new_product,
    order_currency,
    person,
    pick_status,
)
from ecom_sync.sources.landing import LandingWriter, Window, write_page_file

SEED = 42
PAGE = 250
NOW = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
HISTORY_START = datetime(2021, 1, 1, tzinfo=UTC)
WINDOW = Window(HISTORY_START, datetime(2026, 11, 29, tzinfo=UTC))
EXTRACTED_AT = "2026-11-28T23:05:00+00:00"
API_BASE = "https://api.bigcommerce.com/stores/{hash}"
FULL = {"customers": 200_000, "orders": 1_000_000, "products": 5_000}
SHARED = 0.30  # of a later store's customers: a person of an earlier store (≈15% overall)
NO_EMAIL = 0.02


@dataclass(frozen=True)
class Store:
    connection: str
    store_name: str
    store_hash: str
    currency: str
    currencies: tuple[tuple[str, int], ...]
    region: str
    share: float


STORES: tuple[Store, ...] = (
    Store("bench_us", "Bench Outdoor US", "benchus", "USD",
          (("USD", 80), ("CAD", 10), ("JPY", 10)), "us", 0.5),
    Store("bench_eu", "Bench Outdoor EU", "bencheu", "EUR",
          (("EUR", 60), ("GBP", 35), ("USD", 5)), "eu", 0.3),
    Store("bench_uk", "Bench Outdoor UK", "benchuk", "GBP",
          (("GBP", 90), ("EUR", 10)), "eu", 0.2),
)


def counts(scale: float) -> dict[str, list[int]]:
    """Records per stream per store at ``scale``."""
    out: dict[str, list[int]] = {}
    for stream, total in FULL.items():
        floor = 20 if stream == "products" else 10
        out[stream] = [max(floor, round(total * scale * s.share)) for s in STORES]
    return out


def data_dir(cache: Path, scale: float) -> Path:
    return cache / f"data-s{scale:g}-seed{SEED}"


def landing_root(cache: Path, scale: float) -> Path:
    return data_dir(cache, scale) / "landing"


# ----- per-record builders (pure functions of seed, store and id) ---------------------
_N: dict[str, list[int]] = {}


def _store_data(s: int) -> StoreData:
    st = STORES[s]
    return StoreData(
        store_hash=st.store_hash, name=st.store_name, token="bench", store_id=2000 + s,
        domain=f"{st.store_hash}.example", currency=st.currency,
        currencies=[c for c, _ in st.currencies], history_start=HISTORY_START,
    )


@lru_cache(maxsize=8)
def _catalog(s: int) -> tuple[dict[int, Any], list[tuple[int, int | None, str]]]:
    # The sandbox's tree loop is inline in its generator's _generate_catalog (with the
    # products, drawn from its rng), so there is no function to share; same ids and records.
    store = _store_data(s)
    leaves: list[tuple[int, int | None, str]] = []
    cats: dict[int, Any] = {}
    for parent_name, children in names.CATEGORY_TREE:
        pid = store.next_id("categories", start=18)
        cats[pid] = category_record(pid, 0, parent_name)
        if not children:
            leaves.append((pid, None, parent_name))
        for child in children:
            cid = store.next_id("categories", start=18)
            cats[cid] = category_record(cid, pid, child)
            leaves.append((cid, pid, child))
    return cats, leaves


def _span_time(frac: float, rng: random.Random, jitter_h: float = 12.0) -> datetime:
    span = (NOW - timedelta(hours=2) - HISTORY_START).total_seconds()
    at = HISTORY_START + timedelta(seconds=span * frac + rng.uniform(0, jitter_h * 3600))
    return min(at, NOW - timedelta(hours=1)).replace(microsecond=0)


@lru_cache(maxsize=400_000)
def _identity(s: int, cid: int) -> tuple[str, str, str]:
    """(first, last, e-mail) of customer ``cid`` of store ``s``; a share of later stores'
    customers are a person of an earlier store, their e-mail in another case / spacing."""
    rng = random.Random(f"{SEED}:{s}:id:{cid}")
    first, last, email = person(rng)
    local, _, domain = email.partition("@")
    email = f"{local}.{s}x{cid}@{domain}"  # unique per store account
    if s > 0 and rng.random() < SHARED:
        t = rng.randrange(s)
        first, last, other = _identity(t, rng.randint(1, _N["customers"][t]))
        if other:
            email = case_variant(rng, other)
    elif rng.random() < NO_EMAIL:
        email = ""
    return first, last, email


@lru_cache(maxsize=60_000)
def _customer(s: int, cid: int) -> dict[str, Any]:
    rng = random.Random(f"{SEED}:{s}:c:{cid}")
    first, last, email = _identity(s, cid)
    store = _store_data(s)
    store.counters = {"customers": cid - 1, "customer_addresses": cid * 3}
    created = _span_time((cid - 1) / _N["customers"][s], rng)
    customer = new_customer(rng, store, STORES[s].region, created,
                            first=first, last=last, email=email)
    if rng.random() < 0.35:
        customer["date_modified"] = min(NOW, created + timedelta(days=rng.uniform(0, 400)))
    return customer


@lru_cache(maxsize=20_000)
def _product(s: int, pid: int) -> dict[str, Any]:
    rng = random.Random(f"{SEED}:{s}:p:{pid}")
    _cats, leaves = _catalog(s)
    leaf_id, parent_id, leaf_name = rng.choice(leaves)
    name = f"{rng.choice(names.PRODUCT_WORDS[leaf_name])} #{pid}"
    store = _store_data(s)
    store.counters = {"products": pid - 1, "product_images": pid * 4, "variants": pid * 3 + 60}
    created = _span_time(rng.random() * 0.9, rng)
    modified = created + timedelta(days=rng.uniform(0, 300)) if rng.random() < 0.4 else created
    categories = [leaf_id] + ([parent_id] if parent_id and rng.random() < 0.5 else [])
    return new_product(rng, store, name, categories, created, min(modified, NOW))


def _product_ids(s: int) -> range:
    return range(77, 77 + _N["products"][s])


# ----- pages ---------------------------------------------------------------------------
def _customer_page(s: int, page: int) -> list[dict[str, Any]]:
    lo = page * PAGE + 1
    hi = min(_N["customers"][s], lo + PAGE - 1)
    return [render.customer_v3(_customer(s, cid), {"addresses"}) for cid in range(lo, hi + 1)]


def _product_page(s: int, page: int) -> list[dict[str, Any]]:
    ids = _product_ids(s)[page * PAGE:(page + 1) * PAGE]
    return [render.product_v3(_product(s, pid), {"variants", "images"}) for pid in ids]


def _order_page(s: int, page: int) -> list[dict[str, Any]]:
    st = STORES[s]
    rng = random.Random(f"{SEED}:{s}:o:{page}")
    n_orders, n_cust = _N["orders"][s], _N["customers"][s]
    store = _store_data(s)
    pids = list(_product_ids(s))
    store.products = {pid: _product(s, pid) for pid in rng.sample(pids, min(len(pids), 120))}
    api_base = API_BASE.format(hash=st.store_hash)
    out = []
    for idx in range(page * PAGE, min(n_orders, (page + 1) * PAGE)):
        oid = 100 + idx
        store.counters = {"orders": oid - 1, "order_products": oid * 5,
                          "order_coupons": oid, "order_shipping_addresses": oid}
        frac = idx / n_orders
        created = _span_time(frac, rng, jitter_h=6)
        customer = None
        guest = None
        if rng.random() < 0.78:
            # customers who exist by then; skewed: older customers have more orders
            top = max(1, int(n_cust * max(frac, 0.02)))
            cid = 1 + min(top - 1, int(top * rng.random() ** 1.5))
            customer = _customer(s, cid)
        else:
            guest = person(rng)
        order = new_order(rng, store, st.region, created, status_id=pick_status(rng),
                          currency=order_currency(rng, list(st.currencies)),
                          customer=customer, guest=guest, now=NOW)
        wire = render.order_v2(order, api_base)
        wire["products"] = [render.order_product_v2(x) for x in order["_products"]]
        wire["shipping_addresses"] = [render.shipping_address_v2(a)
                                      for a in order["_shipping_addresses"]]
        wire["coupons"] = [render.coupon_v2(c) for c in order["_coupons"]]
        out.append(wire)
    store.orders.clear()
    return out


_BUILDERS = {"customers": _customer_page, "orders": _order_page, "products": _product_page}


def _init(n: dict[str, list[int]]) -> None:
    if n != _N:  # the cached records depend on the scale's counts
        for cached in (_identity, _customer, _product):
            cached.cache_clear()
    _N.clear()
    _N.update(n)


def _write(task: tuple[int, str, int, str]) -> int:
    s, stream, page, tmp = task
    records = _BUILDERS[stream](s, page)
    # numbered from 1, as LandingWriter numbers a window's pages
    return write_page_file(Path(tmp), "page", page + 1,
                           ({**r, "_extracted_at": EXTRACTED_AT} for r in records))


SERIAL_BELOW_PAGES = 200  # a smoke-sized merchant is written in process, no pool
POOL_TIMEOUT_S = 3 * 3600


def generate(cache: Path, scale: float, workers: int = 2, log: Any = print) -> dict[str, Any]:
    """Generate (or reuse) the landing files at ``scale``; returns the meta dict."""
    out = data_dir(cache, scale)
    meta_path = out / "meta.json"
    if meta_path.exists():
        return json.loads(meta_path.read_text())
    n = counts(scale)
    started = time.monotonic()
    root = out / "landing"
    writers: dict[tuple[int, str], LandingWriter] = {}
    tasks: list[tuple[int, str, int, str]] = []
    for s, st in enumerate(STORES):
        for stream in ("orders", "customers", "products"):
            w = LandingWriter(root, st.connection, stream, WINDOW)
            writers[(s, stream)] = w
            pages = math.ceil(n[stream][s] / PAGE)
            tasks += [(s, stream, p, str(w.tmp)) for p in range(pages)]
    # orders first (slowest pages), customers of store 0 before later stores
    if workers <= 1 or len(tasks) < SERIAL_BELOW_PAGES:
        _init(n)
        written = [_write(task) for task in tasks]
    else:
        # forkserver, not fork: a forked worker can inherit a lock some thread of the
        # parent held and hang (a CI smoke run once stalled here); the timeout makes any
        # such stall fail loudly instead.
        ctx = mp.get_context("forkserver")
        with ctx.Pool(workers, initializer=_init, initargs=(n,)) as pool:
            written = pool.map_async(_write, tasks, chunksize=4).get(timeout=POOL_TIMEOUT_S)
    per: dict[tuple[int, str], int] = {}
    for (s, stream, _p, _t), k in zip(tasks, written, strict=True):
        per[(s, stream)] = per.get((s, stream), 0) + k
    _init(n)
    for (s, stream), w in writers.items():
        w.pages = {"page": math.ceil(n[stream][s] / PAGE)}
        w.counts = {"page": per[(s, stream)]}
        if stream == "products":
            cats, _ = _catalog(s)
            w.write_page(({**render.category_v3(c), "_extracted_at": EXTRACTED_AT}
                          for c in cats.values()), part="categories")
        w.commit(stream=stream, generator="bench.gen", seed=SEED, scale=scale)
    files = list(root.rglob("*.ndjson.gz"))
    meta = {
        "scale": scale, "seed": SEED, "counts": n,
        "records": {k: sum(v) for k, v in n.items()},
        "files": len(files), "bytes_gz": sum(f.stat().st_size for f in files),
        "generate_s": round(time.monotonic() - started, 1), "workers": workers,
        "stores": [asdict(s) for s in STORES], "window": [WINDOW.start.isoformat(),
                                                         WINDOW.end.isoformat()],
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    log(f"generated scale {scale:g}: {meta['records']} in {meta['generate_s']} s")
    return meta

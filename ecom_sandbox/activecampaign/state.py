"""One ActiveCampaign account held in memory: records, request log, fault switches,
rate-limit bucket and JSON persistence (destinations.md Part A; ac-graphql.md)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from ecom_sandbox.activecampaign.faults import AcFaults
from ecom_sandbox.activecampaign.formats import email_key, render_datetime
from ecom_sandbox.activecampaign.ratelimit import TokenBucket

Record = dict[str, Any]

KINDS = (
    "connections", "ecom_customers", "ecom_orders", "ecom_order_products",
    "ecom_order_discounts", "contacts", "field_values", "tags", "contact_tags", "lists",
    "contact_lists", "accounts", "account_contacts", "fields", "bulk_batches",
    "gql_orders", "gql_products", "gql_records",
)
"""Record stores; every store maps an id (string) to a JSON-ready record."""

ACCOUNT_TZ = timezone(timedelta(hours=-5))
"""AC renders dates in the account's time zone (``-05:00`` in its examples)."""

STATE_NAMES = {0: "pending", 1: "completed", 2: "abandoned", 3: "recovered", 4: "waiting"}

MASTER_LIST_ID = "1"


def utc_now() -> datetime:
    return datetime.now(UTC)


def _opt(record: Record, field: str) -> tuple[str, str] | None:
    value = record.get(field)
    return (record["connectionid"], value) if value else None


INDEXES: dict[str, tuple[str, Callable[[Record], Any]]] = {
    "contact_email": ("contacts", lambda r: email_key(r["email"])),
    "customer_email": ("ecom_customers", lambda r: (r["connectionid"], email_key(r["email"]))),
    "order_externalid": ("ecom_orders", lambda r: _opt(r, "externalid")),
    "order_checkoutid": ("ecom_orders", lambda r: _opt(r, "externalcheckoutid")),
    "order_customer": ("ecom_orders", lambda r: r["customerid"]),
}
"""Lookup indexes: name → (store, key of a record). Entries are verified on use, so a
stale entry never returns a wrong record; a store whose size changed without
:meth:`AcAccount.reindex` is re-indexed on the next lookup."""


class AcAccount:
    """All state of one stand-in account. Thread-safe: every read and write of the record
    stores happens under :attr:`lock`; with ``state_path`` the whole state is saved there
    as JSON (atomic replace) after every write.

    Reading state in tests: :meth:`records` (raw stores, see :data:`KINDS`),
    :meth:`contact_by_email`, :meth:`orders`, :meth:`ecom_customer`, :meth:`list_members`,
    :meth:`contact_tags_of`, :meth:`gql_order`, :meth:`summary`; the request log is
    :attr:`requests` and :meth:`write_requests`.
    """

    def __init__(
        self,
        token: str = "sandbox-ac-token",
        *,
        rate_per_second: float = 5.0,
        master_list_name: str = "Master Contact List",
        state_path: Path | None = None,
        bulk_import_delay_s: float = 0.0,
        bulk_import_limits: tuple[int, int] = (20, 100),
        clock: Callable[[], datetime] = utc_now,
        tz: tzinfo = ACCOUNT_TZ,
    ) -> None:
        self.token = token
        self.rate_per_second = rate_per_second
        self.master_list_name = master_list_name
        self.state_path = Path(state_path) if state_path is not None else None
        self.bulk_import_delay_s = bulk_import_delay_s
        self.bulk_import_limits = bulk_import_limits
        self.clock = clock
        self.tz = tz
        self.lock = threading.RLock()
        # Files are written outside ``lock``, one at a time; each snapshot gets a sequence
        # number so a slow writer never puts an older state over a newer one.
        self._save_lock = threading.Lock()
        self._snapshots = 0
        self._written: dict[Path, int] = {}  # file → sequence number of the state it holds
        self.limiter = TokenBucket(rate_per_second)
        self.faults = AcFaults()
        self.data: dict[str, dict[str, Record]] = {kind: {} for kind in KINDS}
        self.next_ids: dict[str, int] = dict.fromkeys(KINDS, 1)
        self.requests: list[tuple[str, str, int]] = []
        """Every API request served: ``(method, path, status)``."""
        self.request_kinds: list[tuple[str, bool]] = []
        """Parallel to :attr:`requests`: ``(kind, is_write)``, e.g. ``("POST ecomOrders",
        True)`` or ``("GRAPHQL bulkUpsertOrdersAsync", True)``."""
        self.excluded_emails: set[str] = set()
        """Exclusion list: bulk import skips these (reported under ``failure``)."""
        self.bulk_import_times: deque[tuple[float, bool]] = deque()
        self.batch_due_at: dict[str, float] = {}
        """Queued bulk-import batch id → monotonic time it is processed at."""
        self._monotonic = time.monotonic
        self._indexes: dict[str, tuple[int, int, dict[Any, set[str]]]] = {}
        now = self.now_iso()
        self.data["lists"][MASTER_LIST_ID] = {
            "id": MASTER_LIST_ID, "name": master_list_name, "stringid": "master-contact-list",
            "cdate": now, "udate": now,
        }
        self.next_ids["lists"] = 2
        if self.state_path is not None:
            self.save()

    # ----- ids, time ---------------------------------------------------------------------
    def new_id(self, kind: str) -> str:
        with self.lock:
            value = self.next_ids[kind]
            self.next_ids[kind] = value + 1
            return str(value)

    def now(self) -> datetime:
        return self.clock()

    def now_iso(self) -> str:
        return render_datetime(self.clock(), self.tz)

    # ----- indexes -----------------------------------------------------------------------
    def _index(self, name: str) -> dict[Any, set[str]]:
        kind, key_of = INDEXES[name]
        store = self.data[kind]
        cached = self._indexes.get(name)
        if cached is not None and cached[0] == id(store) and cached[1] == len(store):
            return cached[2]
        index: dict[Any, set[str]] = {}
        for record in store.values():
            key = key_of(record)
            if key is not None:
                index.setdefault(key, set()).add(record["id"])
        self._indexes[name] = (id(store), len(store), index)
        return index

    def find_all(self, name: str, key: Any) -> list[Record]:
        """Records of index ``name`` whose key is ``key`` (in id order)."""
        kind, key_of = INDEXES[name]
        with self.lock:
            store = self.data[kind]
            ids = self._index(name).get(key, set())
            found = [store[i] for i in ids if i in store and key_of(store[i]) == key]
            return sorted(found, key=lambda r: _id_sort(r["id"]))

    def find(self, name: str, key: Any) -> Record | None:
        found = self.find_all(name, key)
        return found[0] if found else None

    def reindex(self, kind: str, record: Record) -> None:
        """Index a record of ``kind`` that was added or whose key fields changed."""
        with self.lock:
            for name, (index_kind, key_of) in INDEXES.items():
                if index_kind != kind:
                    continue
                store = self.data[kind]
                cached = self._indexes.get(name)
                if cached is None or cached[0] != id(store):
                    continue  # built on first use
                index = cached[2]
                key = key_of(record)
                if key is not None:
                    index.setdefault(key, set()).add(record["id"])
                self._indexes[name] = (id(store), len(store), index)

    def records(self, kind: str) -> list[Record]:
        """Snapshot (copies) of one store's records, in id order."""
        with self.lock:
            items = self.data[kind].values()
            return [dict(r) for r in sorted(items, key=lambda r: _id_sort(r["id"]))]

    # ----- request log -------------------------------------------------------------------
    def log_request(self, method: str, path: str, status: int, kind: str, is_write: bool) -> None:
        with self.lock:
            self.requests.append((method, path, status))
            self.request_kinds.append((kind, is_write))

    def write_requests(self) -> int:
        """API writes that reached the handlers: non-GET requests (GraphQL: mutations),
        not counting those answered 403, 429 or 503."""
        with self.lock:
            return sum(
                1 for (_, _, status), (_, is_write) in zip(
                    self.requests, self.request_kinds, strict=True)
                if is_write and status not in (403, 429, 503)
            )

    # ----- lookups for tests ---------------------------------------------------------------
    def contact_by_email(self, email: str) -> Record | None:
        contact = self.find("contact_email", email_key(email))
        return dict(contact) if contact else None

    def orders(self, **match: Any) -> list[Record]:
        """v3 ecomOrders (carts included) whose fields equal ``match``
        (e.g. ``orders(connectionid="1", externalid="BC-1")``)."""
        return [o for o in self.records("ecom_orders")
                if all(o.get(k) == v for k, v in match.items())]

    def order_products(self, order_id: str) -> list[Record]:
        with self.lock:
            order = self.data["ecom_orders"][str(order_id)]
            return [dict(self.data["ecom_order_products"][p]) for p in order["orderProducts"]]

    def ecom_customer(self, connectionid: str, email: str) -> Record | None:
        customer = self.find("customer_email", (str(connectionid), email_key(email)))
        return dict(customer) if customer else None

    def list_members(self, list_id: str = MASTER_LIST_ID, status: int = 1) -> list[str]:
        """E-mails of contacts with ``status`` (1 subscribed, 2 unsubscribed) on a list."""
        with self.lock:
            emails = [
                self.data["contacts"][cl["contact"]]["email"]
                for cl in self.data["contact_lists"].values()
                if cl["list"] == str(list_id) and cl["status"] == status
                and cl["contact"] in self.data["contacts"]
            ]
            return sorted(emails)

    def contact_tags_of(self, email: str) -> list[str]:
        contact = self.contact_by_email(email)
        if contact is None:
            return []
        with self.lock:
            return sorted(
                self.data["tags"][ct["tag"]]["tag"]
                for ct in self.data["contact_tags"].values()
                if ct["contact"] == contact["id"] and ct["tag"] in self.data["tags"]
            )

    def account_of(self, email: str) -> str | None:
        """Name of the (company) account the contact belongs to."""
        contact = self.contact_by_email(email)
        if contact is None:
            return None
        with self.lock:
            for link in self.data["account_contacts"].values():
                if link["contact"] == contact["id"]:
                    account = self.data["accounts"].get(link["account"])
                    return account["name"] if account else None
            return None

    def gql_order(self, legacy_connection_id: int | str, store_order_id: str) -> Record | None:
        with self.lock:
            record = self.data["gql_orders"].get(f"{legacy_connection_id}|{store_order_id}")
            return dict(record) if record else None

    @staticmethod
    def fires_automation(order: Record) -> bool:
        """Would this v3 order/cart start "Makes a purchase" / "Abandons cart"? Only
        real-time ones do (``source == 1``); historical ones (0) never do."""
        return str(order.get("source")) == "1"

    @staticmethod
    def automation_trigger(order: Record) -> str | None:
        """``"makes_a_purchase"``, ``"abandons_cart"`` or ``None`` (historical)."""
        if not AcAccount.fires_automation(order):
            return None
        return "abandons_cart" if int(order.get("state", 1)) == 2 else "makes_a_purchase"

    # ----- account admin (rule C4) -------------------------------------------------------
    def delete_list(self, list_id: str) -> None:
        """Delete a list and its memberships (later ``GET /lists/{id}`` → 404)."""
        with self.lock:
            self.data["lists"].pop(str(list_id), None)
            for key in [k for k, cl in self.data["contact_lists"].items()
                        if cl["list"] == str(list_id)]:
                del self.data["contact_lists"][key]
        self.changed()

    def rename_list(self, list_id: str, name: str) -> None:
        with self.lock:
            self.data["lists"][str(list_id)]["name"] = name
            self.data["lists"][str(list_id)]["udate"] = self.now_iso()
        self.changed()

    def add_field(self, title: str, field_type: str = "text", perstag: str | None = None) -> str:
        """Create a contact custom field; returns its id (for ``fieldValues``)."""
        with self.lock:
            field_id = self.new_id("fields")
            now = self.now_iso()
            self.data["fields"][field_id] = {
                "id": field_id, "title": title, "type": field_type,
                "perstag": perstag or title.upper().replace(" ", "_"),
                "cdate": now, "udate": now,
            }
        self.changed()
        return field_id

    # ----- persistence -------------------------------------------------------------------
    def changed(self) -> None:
        """Called after every write, outside :attr:`lock`: persist when a state path is set."""
        if self.state_path is not None:
            self.save()

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {
                "format": "ecom_sandbox.activecampaign/1",
                "config": {
                    "token": self.token, "rate_per_second": self.rate_per_second,
                    "master_list_name": self.master_list_name,
                    "bulk_import_delay_s": self.bulk_import_delay_s,
                    "bulk_import_limits": list(self.bulk_import_limits),
                },
                "data": self.data,
                "next_ids": self.next_ids,
                "requests": [list(r) for r in self.requests],
                "request_kinds": [list(k) for k in self.request_kinds],
                "excluded_emails": sorted(self.excluded_emails),
            }

    def save(self, path: Path | None = None) -> None:
        """Write the state to ``path`` (default: the state path) atomically. The snapshot
        is taken under :attr:`lock` and written after it is released, so requests do not
        wait on the disk; of two snapshots racing to one file, the newer one wins."""
        target = Path(path) if path is not None else self.state_path
        if target is None:
            raise ValueError("no state path")
        with self.lock:
            text = json.dumps(self.to_json())  # the text is the snapshot: data keeps changing
            self._snapshots += 1
            seq = self._snapshots
        key = target.resolve()
        with self._save_lock:
            if self._written.get(key, 0) > seq:
                return  # a newer snapshot is already on disk
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            tmp.write_text(text)
            os.replace(tmp, target)
            self._written[key] = seq

    @classmethod
    def load(cls, path: Path, *, clock: Callable[[], datetime] = utc_now) -> AcAccount:
        """An account from a saved state; it keeps saving to ``path``."""
        doc = json.loads(Path(path).read_text())
        config = doc["config"]
        account = cls(
            config["token"], rate_per_second=config["rate_per_second"],
            master_list_name=config["master_list_name"],
            bulk_import_delay_s=config["bulk_import_delay_s"],
            bulk_import_limits=tuple(config["bulk_import_limits"]), clock=clock,
        )
        account.data = {kind: dict(doc["data"].get(kind, {})) for kind in KINDS}
        account.next_ids = {kind: int(doc["next_ids"].get(kind, 1)) for kind in KINDS}
        account.requests = [(m, p, int(s)) for m, p, s in doc["requests"]]
        account.request_kinds = [(k, bool(w)) for k, w in doc["request_kinds"]]
        account.excluded_emails = set(doc.get("excluded_emails", []))
        account.state_path = Path(path)
        return account

    # ----- summary -----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        with self.lock:
            orders = list(self.data["ecom_orders"].values())
            by_state = Counter(STATE_NAMES.get(int(o["state"]), str(o["state"])) for o in orders)
            by_source = Counter(
                "real_time" if str(o["source"]) == "1" else "historical" for o in orders
            )
            memberships = Counter(
                "subscribed" if cl["status"] == 1 else "unsubscribed"
                for cl in self.data["contact_lists"].values()
            )
            kinds = Counter(kind for kind, _ in self.request_kinds)
            statuses = Counter(status for _, _, status in self.requests)
            batches = Counter(b["status"] for b in self.data["bulk_batches"].values())
            return {
                "connections": len(self.data["connections"]),
                "ecom_customers": len(self.data["ecom_customers"]),
                "contacts": len(self.data["contacts"]),
                "orders": len(orders),
                "orders_by_state": dict(sorted(by_state.items())),
                "orders_by_source": dict(sorted(by_source.items())),
                "carts": sum(1 for o in orders if o.get("externalcheckoutid")),
                "abandoned_carts": by_state.get("abandoned", 0),
                "order_products": len(self.data["ecom_order_products"]),
                "tags": len(self.data["tags"]),
                "contact_tags": len(self.data["contact_tags"]),
                "lists": len(self.data["lists"]),
                "list_memberships": dict(sorted(memberships.items())),
                "accounts": len(self.data["accounts"]),
                "bulk_batches": dict(sorted(batches.items())),
                "graphql_orders": len(self.data["gql_orders"]),
                "graphql_products": len(self.data["gql_products"]),
                "requests": len(self.requests),
                "requests_by_kind": dict(sorted(kinds.items())),
                "write_requests": self.write_requests(),
                "served_429": statuses.get(429, 0),
                "served_503": statuses.get(503, 0),
                "served_403": statuses.get(403, 0),
            }

    def render_summary(self) -> str:
        """Human-readable account overview (demo output)."""
        s = self.summary()

        def pairs(d: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in d.items()) or "none"

        lines = [
            "ActiveCampaign stand-in account",
            f"  connections:       {s['connections']}",
            f"  contacts:          {s['contacts']} (accounts {s['accounts']}, "
            f"tags {s['tags']}, tag links {s['contact_tags']})",
            f"  ecom customers:    {s['ecom_customers']}",
            f"  orders (v3):       {s['orders']} — by state: {pairs(s['orders_by_state'])}",
            f"                     by source: {pairs(s['orders_by_source'])}",
            f"  carts:             {s['carts']} ({s['abandoned_carts']} still abandoned)",
            f"  order products:    {s['order_products']}",
            f"  list memberships:  {pairs(s['list_memberships'])} on {s['lists']} list(s)",
            f"  bulk imports:      {pairs(s['bulk_batches'])}",
            f"  GraphQL store:     {s['graphql_orders']} orders, "
            f"{s['graphql_products']} products",
            f"  requests:          {s['requests']} ({s['write_requests']} writes, "
            f"{s['served_429']} × 429, {s['served_503']} × 503, {s['served_403']} × 403)",
        ]
        for kind, count in s["requests_by_kind"].items():
            lines.append(f"    {kind:<40} {count}")
        return "\n".join(lines)


def _id_sort(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (1 << 62, value)

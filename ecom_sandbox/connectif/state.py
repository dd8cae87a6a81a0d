"""Connectif accounts held in memory: one per Connectif store, each with its API keys,
authorised domains, custom fields, custom integrations, rate budget, records and request
log; several accounts share one host (``api.connectif.cloud``), told apart by the key.

Reading state in tests: ``account.data[kind]`` (see :data:`KINDS`), :meth:`contact`,
:meth:`purchase`, :attr:`requests`, :attr:`error_codes`, :meth:`summary`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecom_sandbox.connectif.faults import ConnectifFaults
from ecom_sandbox.connectif.ratelimit import DEFAULT_LIMIT, DEFAULT_WINDOW_S, FixedWindow
from ecom_sandbox.connectif.validate import host_of

Record = dict[str, Any]
KINDS = ("contacts", "products", "purchases", "event_types", "events")
SCOPES = ("contacts", "products", "purchases", "custom-events")
MAX_BODY = 50 * 1024 * 1024  # larger request bodies are 413


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    return uuid.uuid4().hex[:24]  # Connectif ids are 24-hex-digit ObjectIds


@dataclass
class ApiKey:
    key_id: str
    secret: str
    scopes: frozenset[str] = frozenset(SCOPES)  # "<resource>" grants read and write


@dataclass
class ConnectifAccount:
    """One Connectif store. ``authorised_domains`` as the UI lists them
    (``https://www.mysite.com``); ``custom_fields``: field id → type (validate.py);
    ``integrations``: ids of the custom integrations event types may be created under."""

    name: str
    keys: list[ApiKey]
    authorised_domains: list[str] = field(default_factory=list)
    custom_fields: dict[str, str] = field(default_factory=dict)
    integrations: list[str] = field(default_factory=list)
    rate_limit: int = DEFAULT_LIMIT
    window_s: float = DEFAULT_WINDOW_S
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.limiter = FixedWindow(self.rate_limit, self.window_s, self.clock)
        self.data: dict[str, dict[str, Record]] = {kind: {} for kind in KINDS}
        self.requests: list[tuple[str, str, int, str]] = []
        """Every request that reached the account: ``(method, path, status, kind)``."""
        self.error_codes: Counter[str] = Counter()
        """Custom error codes served (E0101 ...): a client that keeps its order of
        operations never sees E0101/E0102."""

    @property
    def allowed_hosts(self) -> set[str]:
        return {host_of(d) or d.lower() for d in self.authorised_domains}

    def key(self, key_id: str, secret: str) -> ApiKey | None:
        for key in self.keys:
            if key.key_id == key_id and key.secret == secret:
                return key
        return None

    # ----- reading (tests, summary) ---------------------------------------------------
    def contact(self, email: str) -> Record | None:
        return self.data["contacts"].get(email.strip().lower())

    def purchase(self, purchase_id: str) -> Record | None:
        return self.data["purchases"].get(purchase_id)

    def write_requests(self) -> int:
        return sum(1 for m, _, s, _ in self.requests if m != "GET" and s != 429)

    def log(self, method: str, path: str, status: int, kind: str) -> None:
        with self.lock:
            self.requests.append((method, path, status, kind))

    def summary(self) -> dict[str, Any]:
        with self.lock:
            purchases = list(self.data["purchases"].values())
            return {
                "contacts": len(self.data["contacts"]),
                "products": len(self.data["products"]),
                "purchases": len(purchases),
                "purchases_firing_automations": sum(
                    1 for p in purchases if p["triggerPurchaseEvent"]),
                "revenue": round(sum(p["totalPrice"] for p in purchases), 2),
                "event_types": sorted(self.data["event_types"]),
                "events": len(self.data["events"]),
                "requests": len(self.requests),
                "requests_by_kind": dict(sorted(Counter(r[3] for r in self.requests).items())),
                "served_429": sum(1 for r in self.requests if r[2] == 429),
                "error_codes": dict(sorted(self.error_codes.items())),
            }

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {"name": self.name, "data": json.loads(json.dumps(self.data))}

    def restore(self, saved: dict[str, Any]) -> None:
        with self.lock:
            self.data = {kind: saved["data"].get(kind, {}) for kind in KINDS}


class ConnectifCloud:
    """Every account served by one stand-in host. With ``state_path`` the records are
    saved there as JSON at most every ``save_every_s`` after a write, and on shutdown."""

    def __init__(self, accounts: list[ConnectifAccount], state_path: Path | None = None,
                 save_every_s: float = 2.0, max_body: int = MAX_BODY) -> None:
        self.accounts = {a.name: a for a in accounts}
        self.faults = ConnectifFaults()
        self.max_body = max_body
        self.state_path = state_path
        self.save_every_s = save_every_s
        self._saved_at = 0.0
        self._dirty = False
        self._save_lock = threading.Lock()
        if state_path is not None and state_path.exists():
            saved = json.loads(state_path.read_text())
            for raw in saved.get("accounts", []):
                if raw["name"] in self.accounts:
                    self.accounts[raw["name"]].restore(raw)

    def authenticate(self, key_id: str, secret: str) -> tuple[ConnectifAccount, ApiKey] | None:
        for account in self.accounts.values():
            key = account.key(key_id, secret)
            if key is not None:
                return account, key
        return None

    def changed(self) -> None:
        self._dirty = True
        if self.state_path is not None and time.monotonic() - self._saved_at >= self.save_every_s:
            self.save()

    def save(self) -> None:
        if self.state_path is None or not self._dirty:
            return
        with self._save_lock:
            self._dirty = False
            self._saved_at = time.monotonic()
            doc = {"version": 1, "accounts": [a.to_json() for a in self.accounts.values()]}
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc))
            tmp.replace(self.state_path)

    def render_summary(self) -> str:
        lines = []
        for account in self.accounts.values():
            s = account.summary()
            lines += [
                f"Connectif stand-in store '{account.name}'",
                f"  contacts:   {s['contacts']}",
                f"  products:   {s['products']}",
                f"  purchases:  {s['purchases']} ({s['purchases_firing_automations']} fired "
                f"'On purchase'), revenue {s['revenue']:.2f}",
                f"  cart events: {s['events']} (event types: "
                f"{', '.join(s['event_types']) or 'none'})",
                f"  requests:   {s['requests']} ({s['served_429']} × 429; error codes: "
                f"{s['error_codes'] or 'none'})",
            ]
            lines += [f"    {kind:<38} {n}" for kind, n in s["requests_by_kind"].items()]
        return "\n".join(lines)

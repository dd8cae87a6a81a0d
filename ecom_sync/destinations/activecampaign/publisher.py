"""Send the outbox's delta to ActiveCampaign in its batch shapes, in dependency order:
connections → contacts (bulk import) → master-list subscriptions (bulk import) →
e-commerce customers → orders (GraphQL bulk) → abandoned carts (REST). Each batch is
recorded in the ledger before the next is sent."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ecom_sync.crashpoints import crash_point
from ecom_sync.destinations.activecampaign.client import (
    UNSUBSCRIBED,
    ActiveCampaignClient,
    GraphQLError,
)
from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination
from ecom_sync.publish.freshness import is_fresh
from ecom_sync.publish.ledger import Ledger, OutboxRow, SendResult
from ecom_sync.publish.outbox import OutboxFiles, OutboxStore
from ecom_sync.publish.report import PublishReport
from ecom_sync.sources.http import SourceError, UnansweredRequest

log = logging.getLogger(__name__)

KINDS = ("connection", "contact", "subscription", "ecom_customer", "order", "cart")
_FAILED_ORDER = re.compile(r"^(?P<field>.+)-storeOrderId-(?P<id>.+)$")


def without_nulls(value: Any) -> Any:
    """ActiveCampaign wants absent fields left out, never sent as null."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def _rejected(exc: SourceError) -> bool:
    return exc.status in (400, 404, 422)


class ActiveCampaignPublisher:
    def __init__(
        self,
        dest: ActiveCampaignDestination,
        client: ActiveCampaignClient,
        ledger: Ledger,
        publish_time: datetime,
        fire_nothing: bool = False,
    ) -> None:
        self.dest = dest
        self.client = client
        self.ledger = ledger
        self.publish_time = publish_time
        self.fire_nothing = fire_nothing
        self.report = PublishReport(dest.name, dry_run=False)
        self._list_id: str | None | bool = False  # False: not looked up yet
        self._unsubscribed: set[str] | None = None  # from the master list, once per run

    # -- driver -----------------------------------------------------------------------

    def run(self, outbox: Path, dry_run: bool = False) -> PublishReport:
        """Publish the delta of the outbox at ``outbox`` (a snapshot of it: a build may
        run meanwhile)."""
        with OutboxStore(outbox).snapshot() as files:
            return self._run(files, dry_run)

    def _run(self, outbox: OutboxFiles, dry_run: bool) -> PublishReport:
        started = time.monotonic()
        self.report = PublishReport(self.dest.name, dry_run=dry_run)
        self.report.plan = self.ledger.plan(outbox)
        self.report.skipped = self.ledger.skipped()
        if dry_run:
            self.report.samples = {k: self.ledger.sample(k) for k in KINDS}
            return self.report
        senders: dict[str, Callable[[list[OutboxRow]], list[SendResult]]] = {
            "connection": self._connections,
            "contact": self._contacts,
            "subscription": self._subscriptions,
            "ecom_customer": self._ecom_customers,
            "order": self._orders,
            "cart": self._carts,
        }
        batch_sizes = self.dest.batch_sizes()
        for kind in KINDS:
            send = senders[kind]
            for batch in self.ledger.delta(kind, batch_sizes[kind]):
                self.ledger.mark_sending(batch)
                crash_point("publish.batch")
                results = send(batch)
                crash_point("publish.sent")
                self.ledger.record(results)
                by_key = {r.key: r for r in batch}
                for result in results:
                    if result.ok:
                        self.report.count(kind, result.outcome or (
                            "created" if by_key[result.key].is_new else "updated"))
                    else:
                        self.report.count(kind, "failed")
                        self.report.errors.append((kind, result.key, result.error or "?"))
        self.ledger.mark_published(outbox)
        self.report.requests = self.client.requests_made
        self.report.throttled = self.client.pacing.throttled
        self.report.seconds = time.monotonic() - started
        return self.report

    # -- helpers ----------------------------------------------------------------------

    def _connection_id(self, connection: str | None) -> str | None:
        return self.ledger.remote_id("connection", connection) if connection else None

    def _upsert(
        self, path: str, wrapper: str, body: dict[str, Any], row: OutboxRow,
        find: Callable[[], dict[str, Any] | None],
    ) -> str:
        """Update by id, else create. The v3 API has no idempotency key, so an object a
        killed run may have created is looked up first; a create the destination calls a
        duplicate (made by another tool) is found and updated instead."""
        remote_id = row.remote_id
        if remote_id is None and row.attempted:
            existing = find()
            remote_id = str(existing["id"]) if existing else None
        if remote_id:
            try:
                return self.client.put(f"{path}/{remote_id}", {wrapper: body})[wrapper]["id"]
            except SourceError as exc:
                if exc.status != 404:
                    raise
        try:
            return self.client.post(path, {wrapper: body})[wrapper]["id"]
        except UnansweredRequest:
            existing = find()  # it may have been made: never create it twice
            if existing is None:
                return self.client.post(path, {wrapper: body})[wrapper]["id"]
        except SourceError as exc:
            if exc.status != 422:
                raise
            existing = find()
            if existing is None:
                raise
        return self.client.put(f"{path}/{existing['id']}", {wrapper: body})[wrapper]["id"]

    def _each(
        self, rows: list[OutboxRow], send_one: Callable[[OutboxRow], tuple[str, int | None]]
    ) -> list[SendResult]:
        """REST objects one by one: a rejected row is recorded and never stops the rest."""
        results = []
        for row in rows:
            try:
                remote_id, source = send_one(row)
                results.append(SendResult(row.kind, row.key, row.hash, True, str(remote_id),
                                          source))
            except SourceError as exc:
                if not _rejected(exc):
                    raise
                results.append(SendResult(row.kind, row.key, row.hash, False, error=str(exc)))
        return results

    # -- kinds ------------------------------------------------------------------------

    def _connections(self, rows: list[OutboxRow]) -> list[SendResult]:
        def send(row: OutboxRow) -> tuple[str, None]:
            body = row.payload
            return self._upsert(
                "/connections", "connection", body, row,
                lambda: self.client.find_one("/connections", "connections", {
                    "service": body["service"], "externalid": body["externalid"]}),
            ), None

        return self._each(rows, send)

    def master_list_id(self) -> str | None:
        """C4: the master list, unless it was deleted or renamed (then no list at all)."""
        if self._list_id is False:
            found = self.client.get_list(self.dest.master_list_id)
            ok = found is not None and found.get("name") == self.dest.master_list_name
            self._list_id = self.dest.master_list_id if ok else None
            if not ok:
                log.warning("master list %s is gone or renamed: contacts join no list",
                            self.dest.master_list_id)
        return self._list_id or None

    def _contacts(self, rows: list[OutboxRow]) -> list[SendResult]:
        """Bulk import (the list is the subscription kind's: never subscribes here)."""
        contacts = []
        for row in rows:
            p = row.payload
            contacts.append(without_nulls({
                "email": p["email"], "first_name": p.get("first_name"),
                "last_name": p.get("last_name"), "phone": p.get("phone"),
                "customer_acct_name": p.get("customer_acct_name"), "tags": p.get("tags") or None,
                "exclude_automations": True,
            }))
        return self._import(rows, contacts)

    def _subscriptions(self, rows: list[OutboxRow]) -> list[SendResult]:
        """C4: onto the master list by a bulk import that only subscribes; none if the
        list was deleted or renamed. Someone the list holds as unsubscribed is never
        subscribed again: held back here, and recorded so the outbox holds them back with
        the reason from now on."""
        list_id = self.master_list_id()
        if list_id is None:
            return [SendResult(r.kind, r.key, r.hash, True, outcome="no_master_list")
                    for r in rows]
        unsubscribed = self._unsubscribed_members(list_id)
        held = [r for r in rows if r.key in unsubscribed]
        results = [SendResult(r.kind, r.key, r.hash, True,
                              outcome="held_unsubscribed_in_destination") for r in held]
        to_send = [r for r in rows if r.key not in unsubscribed]
        if to_send:
            results += self._import(to_send, [
                {"email": r.payload["email"], "subscribe": [{"listid": list_id}],
                 "exclude_automations": True} for r in to_send])
        return results

    def _unsubscribed_members(self, list_id: str) -> set[str]:
        """The master list's unsubscribed contacts (``listid`` + ``status`` 2, a page of
        100 a request), read once per run and recorded in the ledger as opt-outs."""
        if self._unsubscribed is None:
            found = {str(c["email"]).strip().lower()
                     for page in self.client.contact_pages({"listid": list_id,
                                                            "status": UNSUBSCRIBED})
                     for c in page}
            self.ledger.record_opt_outs(sorted(found), "publish")
            self._unsubscribed = found
        return self._unsubscribed

    def _import(self, rows: list[OutboxRow], contacts: list[dict[str, Any]]
                ) -> list[SendResult]:
        """One bulk import for ``rows`` (their ``contacts`` entries); a rejected batch or
        contact is recorded as failed with the reason."""
        try:
            batch_id = self.client.bulk_import(contacts)
        except SourceError as exc:
            if not _rejected(exc):
                raise
            return [SendResult(r.kind, r.key, r.hash, False, error=str(exc)) for r in rows]
        failed = self._import_failures(batch_id)
        return [
            SendResult(r.kind, r.key, r.hash, r.payload["email"].lower() not in failed,
                       batch_id, error="rejected by the bulk import"
                       if r.payload["email"].lower() in failed else None)
            for r in rows
        ]

    def _import_failures(self, batch_id: str, polls: int = 10) -> set[str]:
        """The e-mails the import rejected; an import still queued is trusted for now."""
        for attempt in range(polls):
            info = self.client.import_info(batch_id)
            if info.get("status") == "completed":
                return {str(e).lower() for e in info.get("failure") or []}
            time.sleep(min(2.0, 0.2 * 2**attempt))
        return set()

    def _ecom_customers(self, rows: list[OutboxRow]) -> list[SendResult]:
        def send(row: OutboxRow) -> tuple[str, None]:
            connection_id = self._connection_id(row.connection)
            if connection_id is None:
                raise SourceError(f"connection {row.connection} is not in ActiveCampaign", 422)
            # no acceptsMarketing where the connection's consent_policy is never_change (C5)
            body = without_nulls({**row.payload, "connectionid": connection_id})
            return self._upsert(
                "/ecomCustomers", "ecomCustomer", body, row,
                lambda: self.client.find_one("/ecomCustomers", "ecomCustomers", {
                    "email": body["email"], "connectionid": connection_id}),
            ), None

        return self._each(rows, send)

    def _source(self, row: OutboxRow) -> int:
        fresh = row.is_new and is_fresh(row.placed_at, self.publish_time,
                                         self.dest.fresh_window_hours, self.fire_nothing)
        return 1 if fresh else 0

    def _orders(self, rows: list[OutboxRow]) -> list[SendResult]:
        results: list[SendResult] = []
        pending: list[tuple[OutboxRow, dict[str, Any], int]] = []
        for row in rows:
            connection_id = self._connection_id(row.connection)
            if connection_id is None:
                results.append(SendResult(row.kind, row.key, row.hash, False,
                                          error=f"connection {row.connection} not synced"))
                continue
            source = self._source(row)
            order = without_nulls({
                **row.payload,
                "legacyConnectionId": int(connection_id),
                "creationSource": "REAL_TIME" if source else "HISTORICAL",
                "lineItems": [{**li, "legacyConnectionId": int(connection_id)}
                              for li in row.payload.get("lineItems", [])],
            })
            pending.append((row, order, source))
        results.extend(self._send_orders(pending))
        self.report.fired_automations += sum(1 for r in results if r.ok and r.source == 1)
        return results

    def _send_orders(self, pending: list[tuple[OutboxRow, dict[str, Any], int]]
                     ) -> list[SendResult]:
        """One GraphQL call; a validation error rejects the whole call, so the orders it
        names are recorded as failed and the rest are sent again."""
        if not pending:
            return []
        try:
            record_id = self.client.bulk_upsert_orders([o for _, o, _ in pending])
        except GraphQLError as exc:
            if "grammar tokens" in str(exc) and len(pending) > 1:
                half = len(pending) // 2
                return self._send_orders(pending[:half]) + self._send_orders(pending[half:])
            named: dict[str, str] = {}
            for error in exc.errors:
                for key, reason in (error.get("extensions") or {}).items():
                    match = _FAILED_ORDER.match(str(key))
                    if match:
                        named[match["id"]] = f"{match['field']}: {reason}"
            if not named:
                return [SendResult(r.kind, r.key, r.hash, False, error=str(exc))
                        for r, _, _ in pending]
            failed = [SendResult(r.kind, r.key, r.hash, False, error=named[o["storeOrderId"]])
                      for r, o, _ in pending if o["storeOrderId"] in named]
            rest = [p for p in pending if p[1]["storeOrderId"] not in named]
            return failed + self._send_orders(rest)
        return [SendResult(r.kind, r.key, r.hash, True, record_id, source)
                for r, _, source in pending]

    def _carts(self, rows: list[OutboxRow]) -> list[SendResult]:
        def send(row: OutboxRow) -> tuple[str, int]:
            connection_id = self._connection_id(row.connection)
            if connection_id is None:
                raise SourceError(f"connection {row.connection} is not in ActiveCampaign", 422)
            customer_id = self._cart_customer(row, connection_id)
            source = self._source(row)
            body = {**row.payload, "connectionid": connection_id, "customerid": customer_id,
                    "source": source}
            if not row.is_new:
                body["source"] = 0  # updating a cart never re-fires "abandons cart"
            remote = self._upsert(
                "/ecomOrders", "ecomOrder", without_nulls(body), row,
                lambda: self.client.find_one("/ecomOrders", "ecomOrders", {
                    "connectionid": connection_id,
                    "externalcheckoutid": body["externalcheckoutid"]}),
            )
            return remote, body["source"]

        return self._each(rows, send)

    def _cart_customer(self, row: OutboxRow, connection_id: str) -> str:
        """The cart's e-commerce customer: from the ledger, else found or created."""
        key = f"{row.connection}|{row.email_key}"
        known = self.ledger.remote_id("ecom_customer", key)
        if known:
            return known
        found = self.client.find_one("/ecomCustomers", "ecomCustomers", {
            "email": row.payload["email"], "connectionid": connection_id})
        if found:
            return str(found["id"])
        # No acceptsMarketing: a cart knows nothing of consent, so none is set (AC's
        # default, not opted in; C5 sets none either); the customer's record sends it.
        body = {"ecomCustomer": {
            "connectionid": connection_id, "externalid": row.email_key,
            "email": row.payload["email"]}}
        try:
            created = self.client.post("/ecomCustomers", body)
        except UnansweredRequest:
            found = self.client.find_one("/ecomCustomers", "ecomCustomers", {
                "email": row.payload["email"], "connectionid": connection_id})
            if found:
                return str(found["id"])
            created = self.client.post("/ecomCustomers", body)
        return str(created["ecomCustomer"]["id"])

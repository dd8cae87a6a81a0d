"""Send the outbox's delta to Connectif in the order its API needs: contacts (PATCH
upsert) → products (PATCH upsert) → purchases (POST; the contact and every product made
to exist first) → the cart event type (once) → abandoned carts (custom events).

Purchases have no update: a changed one is deleted and created again, one that stops
counting (refund, cancellation, status not counted) is deleted; the ledger makes both
idempotent (deleting twice is harmless, a create that may have happened is looked up)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ecom_sync.destinations.connectif.client import ConnectifClient, ConnectifError
from ecom_sync.destinations.connectif.config import ConnectifDestination
from ecom_sync.publish.freshness import is_fresh
from ecom_sync.publish.ledger import Ledger, OutboxRow, SendResult, Withdrawal
from ecom_sync.publish.payloads import without_nulls
from ecom_sync.sources.http import UnansweredRequest

log = logging.getLogger(__name__)

KINDS = ("contact", "product", "purchase", "cart_event_type", "cart")
# Skip reason under which a purchase sent earlier is deleted from Connectif.
NOT_COUNTED = "status_not_counted"
# The ledger hash of a product created from an order line (not from the catalog): the
# catalog's own version, when it comes, always differs and is sent.
FROM_ORDER_LINE = "from-order-line"
# The remote id of a cart event whose answer was lost (events cannot be read back).
UNCONFIRMED = "unconfirmed"


class ConnectifSender:
    """The :class:`ecom_sync.publish.driver.Sender` of one Connectif store."""

    kinds = KINDS

    def __init__(self, dest: ConnectifDestination, client: ConnectifClient, ledger: Ledger,
                 publish_time: datetime, fire_nothing: bool = False) -> None:
        self.dest = dest
        self.client = client
        self.ledger = ledger
        self.publish_time = publish_time
        self.fire_nothing = fire_nothing
        self._senders: dict[str, Callable[[list[OutboxRow]], list[SendResult]]] = {
            "contact": self._contacts, "product": self._products,
            "purchase": self._purchases, "cart_event_type": self._event_type,
            "cart": self._carts,
        }
        # Made to exist during this run by a purchase or a cart that needed them.
        self._contacts_made: set[str] = set()
        self._products_made: set[str] = set()
        self._from_lines = 0

    # -- the Sender protocol --------------------------------------------------------------
    def batch_size(self, kind: str) -> int:
        return self.dest.batch_size

    def send(self, kind: str, rows: list[OutboxRow]) -> list[SendResult]:
        return self._senders[kind](rows)

    def withdraw_reasons(self, kind: str) -> tuple[str, ...]:
        return (NOT_COUNTED,) if kind == "purchase" else ()

    def withdraw(self, kind: str, rows: list[Withdrawal]) -> list[SendResult]:
        """Delete the purchases of orders that no longer count (gone already: fine)."""
        def delete(row: Withdrawal) -> tuple[str, None, str]:
            self.client.delete_purchase(row.remote_id)
            return row.remote_id, None, "withdrawn"

        return self._each(rows, delete)

    def side_outcomes(self) -> dict[str, dict[str, int]]:
        return {"product": {"created_from_order_line": self._from_lines}} \
            if self._from_lines else {}

    def requests_made(self) -> int:
        return self.client.requests_made

    def throttled(self) -> int:
        return self.client.pacing.throttled

    # -- helpers --------------------------------------------------------------------------
    def _each(self, rows: list[Any],
              send_one: Callable[[Any], tuple[str | None, int | None, str | None]]
              ) -> list[SendResult]:
        """One request (or a few) per object: a refused one is recorded with Connectif's
        reason and never stops the rest. ``send_one`` answers (remote id, source,
        outcome)."""
        results = []
        for row in rows:
            hash_ = getattr(row, "hash", "")
            try:
                remote_id, source, outcome = send_one(row)
            except ConnectifError as exc:
                results.append(SendResult(row.kind, row.key, hash_, False, error=str(exc)))
                continue
            results.append(SendResult(row.kind, row.key, hash_, True, remote_id, source,
                                      withdrawn=outcome == "withdrawn", outcome=outcome))
        return results

    def _fresh(self, row: OutboxRow) -> bool:
        """M5: only the first send of an object placed within the window fires."""
        return row.is_new and is_fresh(row.placed_at, self.publish_time,
                                       self.dest.fresh_window_hours, self.fire_nothing)

    def _learn_sent(self, rows: list[OutboxRow]) -> None:
        """Which contacts and products this batch names the ledger holds as sent (two
        queries per batch, not per object)."""
        emails = [r.email_key for r in rows if r.email_key]
        products = [p["key"] for r in rows for p in r.payload.get("products", [])]
        self._contacts_made |= self.ledger.sent_among("contact", emails)
        self._products_made |= self.ledger.sent_among("product", products)

    def _ensure_contact(self, email_key: str | None, email: str, force: bool = False) -> None:
        """E0101 never: the contact exists in Connectif before anything names it. One the
        ledger holds as sent exists; any other is upserted bare first."""
        if email_key and (force or email_key not in self._contacts_made):
            self.client.patch_contact(email, {})
            self._contacts_made.add(email_key)

    def _ensure_product(self, entry: dict[str, Any], force: bool = False) -> None:
        """E0102 never: a product (an entry of the purchase payload) the ledger does not
        hold as sent is created from the order line first, and recorded."""
        if not force and entry["key"] in self._products_made:
            return
        self.client.patch_product(entry["productId"], without_nulls(entry["body"]))
        self._products_made.add(entry["key"])
        self._from_lines += 1
        log.info("%s: product %s was not in the catalog: created from an order line",
                 self.dest.name, entry["productId"])
        self.ledger.record([SendResult("product", entry["key"], FROM_ORDER_LINE, True,
                                       entry["productId"])])

    # -- kinds ----------------------------------------------------------------------------
    def _contacts(self, rows: list[OutboxRow]) -> list[SendResult]:
        def send(row: OutboxRow) -> tuple[str, None, None]:
            self.client.patch_contact(row.payload["email"], row.payload["fields"] or {})
            return row.key, None, None

        return self._each(rows, send)

    def _products(self, rows: list[OutboxRow]) -> list[SendResult]:
        def send(row: OutboxRow) -> tuple[str, None, None]:
            product_id = row.payload["productId"]
            self.client.patch_product(product_id, without_nulls(row.payload["body"]))
            return product_id, None, None

        return self._each(rows, send)

    def _purchases(self, rows: list[OutboxRow]) -> list[SendResult]:
        self._learn_sent(rows)
        return self._each(rows, self._purchase)

    def _purchase(self, row: OutboxRow) -> tuple[str, int, None]:
        """Its contact and products first; then create. A changed purchase is deleted
        first (Connectif has no update), and a create that may have gone out unanswered is
        looked up instead of repeated."""
        body = without_nulls(row.payload["purchase"])
        purchase_id = body["purchaseId"]
        self._ensure_contact(row.email_key, body["contactEmail"])
        for entry in row.payload["products"]:
            self._ensure_product(entry)
        fire = self._fresh(row)
        if not row.is_new:
            self.client.delete_purchase(purchase_id)
        elif row.attempted and self.client.purchase_exists(purchase_id):
            return purchase_id, 0, None
        try:
            self._create_purchase(row, body, fire)
        except ConnectifError as exc:
            if exc.status != 409:
                raise
            # Made by someone else (or before the ledger knew): replace it with ours.
            self.client.delete_purchase(purchase_id)
            fire = False
            self._create_purchase(row, body, fire)
        return purchase_id, 1 if fire else 0, None

    def _create_purchase(self, row: OutboxRow, body: dict[str, Any], fire: bool) -> None:
        """E0101/E0102 mean the contact or a product vanished from Connectif after the
        ledger saw it sent (deleted there by hand): make it again, once."""
        try:
            self._create_once(body, fire)
        except ConnectifError as exc:
            if exc.code == "E0101":
                self._ensure_contact(row.email_key, body["contactEmail"], force=True)
            elif exc.code == "E0102":
                named = set(exc.body.get("productIds") or [])
                for entry in row.payload["products"]:
                    if entry["productId"] in named:
                        self._ensure_product(entry, force=True)
            else:
                raise
            log.warning("%s: purchase %s: %s; made it and sent the purchase again",
                        self.dest.name, body["purchaseId"], exc.code)
            self._create_once(body, fire)

    def _create_once(self, body: dict[str, Any], fire: bool) -> None:
        """Create; when the answer was lost, look it up before creating it again."""
        try:
            self.client.create_purchase(body, fire)
        except UnansweredRequest:
            if not self.client.purchase_exists(body["purchaseId"]):
                self.client.create_purchase(body, fire)

    def _event_type(self, rows: list[OutboxRow]) -> list[SendResult]:
        def create(row: OutboxRow) -> None:
            try:
                self.client.create_event_type(row.payload["integration_id"],
                                              row.payload["body"])
            except ConnectifError as exc:
                if exc.status != 409:  # 409: it exists already (created once)
                    raise

        def send(row: OutboxRow) -> tuple[str, None, None]:
            try:
                create(row)
            except UnansweredRequest:
                create(row)  # made or not, a second create is harmless (409)
            return row.key, None, None

        return self._each(rows, send)

    def _carts(self, rows: list[OutboxRow]) -> list[SendResult]:
        """One custom event per abandoned cart, with its recovery URL (CN7). An event
        fires the merchant's workflows, so (M5) only a cart abandoned within the fresh
        window is sent, and only once; the others are recorded unsent."""
        assert self.dest.carts is not None  # carts_not_configured skips them otherwise
        alias = self.dest.carts.event_alias
        self._learn_sent(rows)

        def send(row: OutboxRow) -> tuple[str | None, int | None, str | None]:
            if row.remote_id is not None:
                return row.remote_id, None, "event_not_repeated"
            if not self._fresh_cart(row):
                return None, None, "not_sent_historical"
            self._ensure_contact(row.email_key, row.payload["email"])
            try:
                event = self.client.send_event(alias, without_nulls(row.payload))
            except UnansweredRequest:
                # An event fires workflows and cannot be looked up: sent at most once.
                log.warning("%s: cart %s: the event's answer was lost; not sent again",
                            self.dest.name, row.key)
                return UNCONFIRMED, None, "unconfirmed"
            return str(event["id"]), None, None

        return self._each(rows, send)

    def _fresh_cart(self, row: OutboxRow) -> bool:
        return is_fresh(row.placed_at, self.publish_time, self.dest.fresh_window_hours,
                        self.fire_nothing)

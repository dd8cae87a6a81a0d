"""Connectif: contacts and products by PATCH upsert, purchases by POST (deleted and
created again when they change), abandoned carts as custom events of a type the sync
creates once (Connectif has no cart endpoint). One destination entry is one Connectif
store: one API key, one currency, the storefronts it receives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from ecom_sync.destinations.connectif.client import ConnectifClient
from ecom_sync.destinations.connectif.config import ConnectifDestination
from ecom_sync.destinations.connectif.erase import erase
from ecom_sync.destinations.connectif.publisher import KINDS, ConnectifSender
from ecom_sync.destinations.connectif.readback import ConnectifReadBack
from ecom_sync.publish.driver import publish_outbox
from ecom_sync.publish.erasure import DestinationErasure, PersonObject
from ecom_sync.publish.ledger import Ledger
from ecom_sync.publish.report import PublishReport


class Connectif:
    type = "connectif"
    config_model = ConnectifDestination
    sql_dir = Path(__file__).parent / "sql"
    kinds = KINDS

    def outbox_params(self, dest: ConnectifDestination) -> dict[str, Any]:
        return dest.outbox_params()

    def publish(
        self,
        dest: ConnectifDestination,
        outbox: Path,
        ledger_path: Path,
        publish_time: datetime,
        *,
        dry_run: bool = False,
        fire_nothing: bool = False,
    ) -> PublishReport:
        with Ledger(ledger_path) as ledger:
            if dry_run:  # no client, no key needed: nothing is sent
                return publish_outbox(dest.name, outbox, ledger, None, dry_run=True,
                                      sample_kinds=KINDS)
            client = ConnectifClient(dest, dest.api_key().get_secret_value())
            try:
                sender = ConnectifSender(dest, client, ledger, publish_time, fire_nothing)
                report = publish_outbox(dest.name, outbox, ledger, sender)
            finally:
                client.close()
            ledger.record_run(publish_time, False, report.requests, report.text())
            return report

    @contextmanager
    def readback(self, dest: ConnectifDestination,
                 max_requests: int | None = None) -> Iterator[ConnectifReadBack]:
        """Reads the store back for ``ecom_sync.publish.reconcile`` (the publisher's client
        and pacing), within ``max_requests`` requests."""
        client = ConnectifClient(dest, dest.api_key().get_secret_value())
        try:
            yield ConnectifReadBack(client, max_requests)
        finally:
            client.close()

    def erase(self, dest: ConnectifDestination, email_key: str,
              objects: list[PersonObject]) -> DestinationErasure:
        """Delete the person (``ecom-sync forget``) as far as the API allows (erase.py)."""
        client = ConnectifClient(dest, dest.api_key().get_secret_value())
        try:
            return erase(client, objects)
        finally:
            client.close()


DESTINATION = Connectif()

"""Connectif: contacts and products by PATCH upsert, purchases by POST (deleted and
created again when they change), abandoned carts as custom events of a type the sync
creates once (Connectif has no cart endpoint). One destination entry is one Connectif
store: one API key, one currency, the storefronts it receives."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ecom_sync.destinations.base import Destination
from ecom_sync.destinations.connectif.client import ConnectifClient
from ecom_sync.destinations.connectif.config import ConnectifDestination
from ecom_sync.destinations.connectif.erase import erase
from ecom_sync.destinations.connectif.publisher import KINDS, ConnectifSender
from ecom_sync.destinations.connectif.readback import ConnectifReadBack
from ecom_sync.publish.driver import publish_outbox
from ecom_sync.publish.erasure import DestinationErasure, PersonObject
from ecom_sync.publish.ledger import Ledger
from ecom_sync.publish.report import PublishReport


class Connectif(Destination):
    type = "connectif"
    config_model = ConnectifDestination
    sql_dir = Path(__file__).parent / "sql"
    kinds = KINDS

    def client(self, dest: ConnectifDestination) -> ConnectifClient:
        return ConnectifClient(dest, dest.api_key().get_secret_value())

    def outbox_params(self, dest: ConnectifDestination) -> dict[str, Any]:
        return dest.outbox_params()

    def dry_run(self, dest: ConnectifDestination, outbox: Path, ledger: Ledger,
                publish_time: datetime) -> PublishReport:
        return publish_outbox(dest.name, outbox, ledger, None, dry_run=True,
                              sample_kinds=KINDS)

    def send(self, dest: ConnectifDestination, client: ConnectifClient, outbox: Path,
             ledger: Ledger, publish_time: datetime, fire_nothing: bool) -> PublishReport:
        sender = ConnectifSender(dest, client, ledger, publish_time, fire_nothing)
        return publish_outbox(dest.name, outbox, ledger, sender)

    def read_back(self, dest: ConnectifDestination, client: ConnectifClient,
                  max_requests: int | None) -> ConnectifReadBack:
        return ConnectifReadBack(client, max_requests)

    def erase_person(self, dest: ConnectifDestination, client: ConnectifClient,
                     email_key: str, objects: list[PersonObject]) -> DestinationErasure:
        return erase(client, objects)


DESTINATION = Connectif()

"""ActiveCampaign: Deep Data connections, customers and carts (v3 REST), contacts by bulk
import, orders by the Ecommerce GraphQL bulk upsert."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from ecom_sync.destinations.activecampaign.client import ActiveCampaignClient
from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination
from ecom_sync.destinations.activecampaign.erase import erase
from ecom_sync.destinations.activecampaign.publisher import KINDS, ActiveCampaignPublisher
from ecom_sync.destinations.activecampaign.readback import ActiveCampaignReadBack
from ecom_sync.publish.erasure import DestinationErasure, PersonObject
from ecom_sync.publish.ledger import Ledger
from ecom_sync.publish.report import PublishReport


class ActiveCampaign:
    type = "activecampaign"
    config_model = ActiveCampaignDestination
    sql_dir = Path(__file__).parent / "sql"
    kinds = KINDS

    def outbox_params(self, dest: ActiveCampaignDestination) -> dict[str, Any]:
        return {"logo_url": dest.logo_url, "connection_tags": json.dumps(dest.connection_tags)}

    def publish(
        self,
        dest: ActiveCampaignDestination,
        outbox: Path,
        ledger_path: Path,
        publish_time: datetime,
        *,
        dry_run: bool = False,
        fire_nothing: bool = False,
    ) -> PublishReport:
        with Ledger(ledger_path) as ledger:
            if dry_run:  # no client, no token needed: nothing is sent
                return ActiveCampaignPublisher(dest, None, ledger, publish_time).run(  # type: ignore[arg-type]
                    outbox, dry_run=True)
            client = ActiveCampaignClient(dest, dest.token().get_secret_value())
            try:
                report = ActiveCampaignPublisher(dest, client, ledger, publish_time,
                                                 fire_nothing).run(outbox)
            finally:
                client.close()
            ledger.record_run(publish_time, False, report.requests, report.text())
            return report

    @contextmanager
    def readback(self, dest: ActiveCampaignDestination,
                 max_requests: int | None = None) -> Iterator[ActiveCampaignReadBack]:
        """Reads the account back for ``ecom_sync.publish.reconcile`` (the publisher's
        client and pacing), within ``max_requests`` requests."""
        client = ActiveCampaignClient(dest, dest.token().get_secret_value())
        try:
            yield ActiveCampaignReadBack(dest, client, max_requests)
        finally:
            client.close()

    def erase(self, dest: ActiveCampaignDestination, email_key: str,
              objects: list[PersonObject]) -> DestinationErasure:
        """Delete the person (``ecom-sync forget``) as far as the API allows (erase.py)."""
        client = ActiveCampaignClient(dest, dest.token().get_secret_value())
        try:
            return erase(client, email_key)
        finally:
            client.close()


DESTINATION = ActiveCampaign()

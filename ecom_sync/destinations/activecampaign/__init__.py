"""ActiveCampaign: Deep Data connections, customers and carts (v3 REST), contacts by bulk
import, orders by the Ecommerce GraphQL bulk upsert."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ecom_sync.destinations.activecampaign.client import ActiveCampaignClient
from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination
from ecom_sync.destinations.activecampaign.erase import erase
from ecom_sync.destinations.activecampaign.publisher import KINDS, ActiveCampaignPublisher
from ecom_sync.destinations.activecampaign.readback import ActiveCampaignReadBack
from ecom_sync.destinations.base import Destination
from ecom_sync.publish.erasure import DestinationErasure, PersonObject
from ecom_sync.publish.ledger import Ledger
from ecom_sync.publish.report import PublishReport


class ActiveCampaign(Destination):
    type = "activecampaign"
    config_model = ActiveCampaignDestination
    sql_dir = Path(__file__).parent / "sql"
    kinds = KINDS

    def client(self, dest: ActiveCampaignDestination) -> ActiveCampaignClient:
        return ActiveCampaignClient(dest, dest.token().get_secret_value())

    def outbox_params(self, dest: ActiveCampaignDestination) -> dict[str, Any]:
        return {"logo_url": dest.logo_url, "connection_tags": json.dumps(dest.connection_tags)}

    def dry_run(self, dest: ActiveCampaignDestination, outbox: Path, ledger: Ledger,
                publish_time: datetime) -> PublishReport:
        return ActiveCampaignPublisher(dest, None, ledger, publish_time).run(  # type: ignore[arg-type]
            outbox, dry_run=True)

    def send(self, dest: ActiveCampaignDestination, client: ActiveCampaignClient,
             outbox: Path, ledger: Ledger, publish_time: datetime,
             fire_nothing: bool) -> PublishReport:
        return ActiveCampaignPublisher(dest, client, ledger, publish_time,
                                       fire_nothing).run(outbox)

    def read_back(self, dest: ActiveCampaignDestination, client: ActiveCampaignClient,
                  max_requests: int | None) -> ActiveCampaignReadBack:
        return ActiveCampaignReadBack(dest, client, max_requests)

    def erase_person(self, dest: ActiveCampaignDestination, client: ActiveCampaignClient,
                     email_key: str, objects: list[PersonObject]) -> DestinationErasure:
        return erase(client, email_key)


DESTINATION = ActiveCampaign()

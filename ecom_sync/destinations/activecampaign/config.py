"""The ``type: activecampaign`` destination model."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ecom_sync.config import DestinationConfig

# Kinds sent one request per object: their batch only sets how often the ledger records.
PER_OBJECT_BATCH = 50


class ActiveCampaignDestination(DestinationConfig):
    type: Literal["activecampaign"]
    # The account's API URL from Settings → Developer (e.g. https://acme.api-us1.com).
    api_url: str
    master_list_id: str = "1"
    # C4: contacts who accept marketing join this list; if it was deleted or renamed
    # (its name no longer matches), they join no list.
    master_list_name: str = "Master Contact List"
    # M5: orders placed this long before the publish fire "makes a purchase" automations.
    fresh_window_hours: float = Field(24.0, ge=0)
    rate_limit_per_second: float = Field(5.0, gt=0)
    bulk_imports_per_minute: int = Field(100, ge=1)
    order_batch_size: int = Field(50, ge=1, le=500)
    contact_batch_size: int = Field(250, ge=11, le=250)
    # Extra contact tags per connection name, beside the platform's own (BC4).
    connection_tags: dict[str, list[str]] = {}
    logo_url: str = "https://raw.githubusercontent.com/ecom-sync/ecom-sync/main/logo.png"

    def batch_sizes(self) -> dict[str, int]:
        """Objects per ledger batch, per kind (contacts and orders go in bulk requests)."""
        return {
            "connection": PER_OBJECT_BATCH,
            "contact": self.contact_batch_size,
            "subscription": self.contact_batch_size,
            "ecom_customer": PER_OBJECT_BATCH,
            "order": self.order_batch_size,
            "cart": PER_OBJECT_BATCH,
        }

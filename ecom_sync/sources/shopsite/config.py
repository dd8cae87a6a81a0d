"""The ``platform: shopsite`` connection model: a shop site (a Passweb-style web shop run
with a back office) speaking ecom_sync's shop-site API (specs/shopsite.md)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlparse

from pydantic import Field

from ecom_sync.config import ConnectionConfig, StrictModel


class ShopsiteStreams(StrictModel):
    """SS1: the two switches a merchant has, *orders* and *abandoned carts* (either may be
    off: its assets and its sensor disappear), plus the registered customers."""

    customers: bool = True
    orders: bool = True
    abandoned_carts: bool = True


class ShopsitePolling(StrictModel):
    """How often the sensors look at the site between scheduled syncs."""

    orders_every_s: int = Field(15, ge=5, le=3600)  # SS2: orders out within a minute
    sync_runs_every_s: int = Field(30, ge=5, le=3600)  # SS3: carts after each sync


class ShopsiteConnection(ConnectionConfig):
    platform: Literal["shopsite"]
    # The site's API root, e.g. https://shop.example.com/ecom-api/v1 (required).
    api_base_url: str = Field(pattern=r"^https?://")
    # The shop's public address (the destination links to it); default: the API's origin.
    site_url: str | None = Field(None, pattern=r"^https?://")
    page_size: int = Field(200, ge=1, le=200)  # per_page: the API's maximum is 200
    rate_limit_per_second: float = Field(10.0, gt=0)  # the API's limit per token
    # C5: a shop site owns no marketing consent; the sync never changes an existing
    # contact's lists or consent and creates new contacts with name and e-mail only.
    consent_policy: Literal["never_change"] = "never_change"
    streams: ShopsiteStreams = ShopsiteStreams()
    polling: ShopsitePolling = ShopsitePolling()

    @property
    def public_url(self) -> str:
        if self.site_url:
            return self.site_url.rstrip("/")
        parsed = urlparse(self.api_base_url)
        return f"{parsed.scheme}://{parsed.netloc}"

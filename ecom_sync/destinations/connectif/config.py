"""The ``type: connectif`` destination model: one entry is one Connectif store."""

from __future__ import annotations

import json
import os
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, field_validator, model_validator

from ecom_sync.config import ConfigError, DestinationConfig, StrictModel

ENV_VAR = r"^[A-Za-z_][A-Za-z0-9_]*$"
AddressPart = Literal["street", "city", "state", "country", "zip"]


class Storefront(StrictModel):
    """One store (connection) this Connectif store receives (CN6)."""

    connection: str
    # The storefront's public root (https://www.example.com): relative product URLs are
    # joined to it, and it must be one of the account's authorised domains.
    url: str = Field(pattern=r"^https?://[^/]+")
    # CN1: the platform's internal product id or the SKU as Connectif's product id.
    product_identifier: Literal["id", "sku"] = "id"
    # Put before product and purchase ids, so two storefronts in one Connectif store
    # can never collide (required to differ when there are several).
    id_prefix: str = ""


class PurchaseSettings(StrictModel):
    """CN3: ``online`` sends every placed order (pending included); ``offline`` only
    orders whose status is listed, by the store's own status name ("Shipped") or by
    group (paid, partially_refunded, pending, refunded, cancelled, failed). An order
    that stops counting (refunded, cancelled ...) is deleted from Connectif."""

    mode: Literal["online", "offline"] = "online"
    offline_statuses: tuple[str, ...] = ("paid", "partially_refunded")

    def counted_statuses(self) -> list[str]:
        if self.mode == "online":
            return ["paid", "partially_refunded", "pending"]
        return [s.strip().lower() for s in self.offline_statuses]


class CartSettings(StrictModel):
    """CN7: abandoned carts go as custom events of a type the sync creates once under
    this custom integration (Connectif has no cart endpoint)."""

    custom_integration_id: str = Field(min_length=1)
    event_alias: str = Field("ecom-sync-abandoned-cart", pattern=r"^[a-z0-9][a-z0-9-]*$")


class ConnectifDestination(DestinationConfig):
    type: Literal["connectif"]
    api_url: str = "https://api.connectif.cloud"
    # The API key is a Key Id and a Key Secret (Connectif UI); token_env holds the secret.
    key_id_env: str = Field(pattern=ENV_VAR)
    # A Connectif store has one currency (purchases carry none): orders and carts in
    # another currency are skipped with a reason; declare another store for them (CN6).
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    storefronts: tuple[Storefront, ...] = Field(min_length=1)
    # As in Connectif's settings: product URLs and images must be on these (E0201).
    authorised_domains: tuple[str, ...] = ()
    purchases: PurchaseSettings = PurchaseSettings()
    # CN4: _name, _surname and _mobilePhone always; address parts only when mapped here
    # to the Connectif custom field ids that hold them.
    address_fields: dict[AddressPart, str] = {}
    # CN2: catalog image and thumbnail sizes ("500x659", or "original"); None: as stored.
    image_size: str | None = Field(None, pattern=r"^(original|[0-9]+x[0-9]+)$")
    thumbnail_size: str | None = Field(None, pattern=r"^(original|[0-9]+x[0-9]+)$")
    carts: CartSettings | None = None
    fresh_window_hours: float = Field(24.0, ge=0)  # M5
    # Client-side pacing; the client also waits out X-RateLimit-Remaining: 0.
    rate_limit_per_second: float = Field(100.0, gt=0)
    batch_size: int = Field(50, ge=1, le=1000)  # objects per ledger batch

    @field_validator("authorised_domains")
    @classmethod
    def _domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for domain in value:
            if not (urlparse(domain).hostname or "." in domain):
                raise ValueError(f"'{domain}' is not a domain")
        return value

    @model_validator(mode="after")
    def _storefronts(self) -> ConnectifDestination:
        if self.connections is not None:
            raise ValueError("a connectif destination takes its connections from storefronts")
        names = [s.connection for s in self.storefronts]
        if len(set(names)) != len(names):
            raise ValueError("storefronts: each connection once")
        prefixes = [s.id_prefix for s in self.storefronts]
        if len(prefixes) > 1 and len(set(prefixes)) != len(prefixes):
            raise ValueError("storefronts: give each its own id_prefix (product and "
                             "purchase ids of two stores would collide)")
        return self

    def published_connections(self) -> tuple[str, ...]:
        return tuple(s.connection for s in self.storefronts)

    def secret_env_vars(self) -> dict[str, str]:
        return {"key_id_env": self.key_id_env, "token_env": self.token_env}

    def api_key(self) -> SecretStr:
        """``<key id>:<key secret>`` from the environment (S2: never logged)."""
        key_id = os.environ.get(self.key_id_env)
        if not key_id:
            raise ConfigError(f"destination '{self.name}': environment variable "
                              f"{self.key_id_env} is not set (it must hold the API Key Id)")
        return SecretStr(f"{key_id}:{self.token().get_secret_value()}")

    def allowed_hosts(self) -> list[str]:
        return sorted({(urlparse(d).hostname or d).lower() for d in self.authorised_domains})

    def outbox_params(self) -> dict[str, Any]:
        """What the outbox SQL reads (every value is folded into the fingerprints)."""
        return {
            "currency": self.currency,
            "storefronts": json.dumps([s.model_dump() for s in self.storefronts]),
            "allowed_hosts": json.dumps(self.allowed_hosts()),
            "counted_statuses": json.dumps(self.purchases.counted_statuses()),
            "address_fields": json.dumps(self.address_fields),
            "image_size": self.image_size or "",
            "thumbnail_size": self.thumbnail_size or "",
            "cart_event_alias": self.carts.event_alias if self.carts else "",
            "custom_integration_id": self.carts.custom_integration_id if self.carts else "",
        }

"""Config models: what every connection and destination in ``ecom_sync.yaml`` shares.

Each platform contributes its own connection model (``sources/<platform>/config.py``) and
each destination type its own (``destinations/<type>/config.py``); ``config_loader``
reads the file and picks them through the registries. This module is the bottom layer:
it imports nothing else of ecom_sync. Secrets never live in the file: an entry
names the environment variable that holds its token.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

_DAYS_AGO = re.compile(r"^-(\d+)d$")


class ConfigError(ValueError):
    """A config problem, worded for the merchant: names the field or variable, never a secret."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpSettings(StrictModel):
    """How politely a connection talks to its store API (M4)."""

    timeout_s: float = Field(30.0, gt=0)
    max_attempts: int = Field(6, ge=1, le=20)
    backoff_max_s: float = Field(60.0, gt=0)
    # Pause for the window reset once the shared quota drops to this many requests;
    # leaves room for the merchant's other apps (the quota is per store).
    min_requests_left: int = Field(5, ge=0)


class SecretFromEnv(StrictModel):
    """A model whose API token comes from the environment variable it names (S2)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    token_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    def token(self) -> SecretStr:
        """The API token from the environment; a missing variable is named, not guessed."""
        value = os.environ.get(self.token_env)
        if not value:
            raise ConfigError(
                f"{self.kind} '{self.name}': environment variable {self.token_env} is not set "
                "(it must hold the API token)"
            )
        return SecretStr(value)

    @property
    def kind(self) -> str:
        return "connection"

    def secret_env_vars(self) -> dict[str, str]:
        """Field → environment variable, for every secret this entry reads (``check``
        and the demo look them up; their values never go anywhere else)."""
        return {"token_env": self.token_env}


class ConnectionConfig(SecretFromEnv):
    """Fields every connection has, whatever its platform (S1, S2)."""

    platform: str
    store_name: str = Field(min_length=1)
    history_start: date
    api_base_url: str
    # The store's default currency (ISO 4217): catalog prices carry no currency of their own.
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    enabled: bool = True
    page_size: int = Field(250, ge=1, le=250)
    http: HttpSettings = HttpSettings()
    # How far the store's clock may run behind ours (or a record be committed after the
    # time it carries): each walk reaches back this far before its window, so a record
    # stamped just before a window that was already walked is not lost (issue 13).
    clock_skew_s: float = Field(300.0, ge=0, le=86_400)
    # What the store's marketing consent may do downstream. sync: it is synced (C3) and,
    # under the consent rules, puts contacts on the master list (C4). never_change (C5):
    # the sync never touches list membership or consent for this store's contacts; a
    # contact known only from it joins no list and gets no consent.
    consent_policy: Literal["sync", "never_change"] = "sync"

    @field_validator("history_start", mode="before")
    @classmethod
    def _days_ago(cls, value: Any) -> Any:
        """``-90d``: that many days before today (UTC), read when the config is loaded; for
        demos and trials whose stand-in history moves with the clock. A real store's first
        day is a date."""
        if isinstance(value, str) and value.strip().startswith("-"):
            match = _DAYS_AGO.match(value.strip())
            if not match:
                raise ValueError("give a date (2021-03-01) or days before today (-90d)")
            return datetime.now(UTC).date() - timedelta(days=int(match.group(1)))
        return value


class DestinationConfig(SecretFromEnv):
    """Fields every destination (marketing tool account) has."""

    type: str
    api_url: str
    enabled: bool = True
    # The connections this destination receives (none listed: every connection). Objects
    # of other stores, and contacts known only from other stores, are skipped with a
    # reason; so each store can go to one destination, another, or both.
    connections: tuple[str, ...] | None = None
    # After each publish the asset check reads this many sent objects per kind back
    # (within this many requests) and warns on drift; `ecom-sync reconcile` reads all.
    reconcile_sample: int = Field(20, ge=1)
    reconcile_max_requests: int = Field(150, ge=1)
    # How the destination's client retries (its pacing is the destination's own).
    timeout_s: float = Field(30.0, gt=0)
    max_attempts: int = Field(8, ge=1, le=20)
    backoff_max_s: float = Field(60.0, gt=0)  # the longest wait between two attempts

    @property
    def kind(self) -> str:
        return "destination"

    def http_settings(self) -> HttpSettings:
        return HttpSettings(timeout_s=self.timeout_s, max_attempts=self.max_attempts,
                            backoff_max_s=self.backoff_max_s)

    def published_connections(self) -> tuple[str, ...] | None:
        """The connections whose objects this destination receives (None: all)."""
        return self.connections


class EcomSyncConfig(StrictModel):
    connections: tuple[ConnectionConfig, ...] = ()
    destinations: tuple[DestinationConfig, ...] = ()
    source_path: Path | None = None

    @model_validator(mode="after")
    def _unique_names(self) -> EcomSyncConfig:
        for label, items in (("connection", self.connections), ("destination", self.destinations)):
            names = [c.name for c in items]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{label} names must be unique; repeated: {', '.join(dupes)}")
        known = {c.name for c in self.connections}
        for dest in self.destinations:
            unknown = sorted(set(dest.published_connections() or ()) - known)
            if unknown:
                raise ValueError(f"destination '{dest.name}' names unknown connection(s): "
                                 f"{', '.join(unknown)}")
        return self

    @property
    def enabled_destinations(self) -> tuple[DestinationConfig, ...]:
        return tuple(d for d in self.destinations if d.enabled)

    def destination(self, name: str) -> DestinationConfig:
        for dest in self.destinations:
            if dest.name == name:
                return dest
        known = ", ".join(d.name for d in self.destinations) or "none"
        raise ConfigError(f"no destination named '{name}' (known: {known})")

    def connection(self, name: str) -> ConnectionConfig:
        for conn in self.connections:
            if conn.name == name:
                return conn
        known = ", ".join(c.name for c in self.connections) or "none"
        raise ConfigError(f"no connection named '{name}' (known: {known})")

    @property
    def enabled_connections(self) -> tuple[ConnectionConfig, ...]:
        return tuple(c for c in self.connections if c.enabled)

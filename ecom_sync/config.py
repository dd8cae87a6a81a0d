"""Connection config: ``ecom_sync.yaml`` loaded into pydantic models.

Each platform contributes its own connection model (``sources/<platform>/config.py``);
this module holds what every connection shares and the loader. Secrets never live in
the file: a connection names the environment variable that holds its token.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from ecom_sync import paths


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


class ConnectionConfig(StrictModel):
    """Fields every connection has, whatever its platform (S1, S2)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    platform: str
    store_name: str = Field(min_length=1)
    history_start: date
    token_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    api_base_url: str
    # The store's default currency (ISO 4217): catalog prices carry no currency of their own.
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    enabled: bool = True
    page_size: int = Field(250, ge=1, le=250)
    http: HttpSettings = HttpSettings()

    def token(self) -> SecretStr:
        """The API token from the environment; a missing variable is named, not guessed."""
        value = os.environ.get(self.token_env)
        if not value:
            raise ConfigError(
                f"connection '{self.name}': environment variable {self.token_env} is not set "
                "(it must hold the store's API token)"
            )
        return SecretStr(value)


class EcomSyncConfig(StrictModel):
    connections: tuple[ConnectionConfig, ...] = ()
    source_path: Path | None = None

    @model_validator(mode="after")
    def _unique_names(self) -> EcomSyncConfig:
        names = [c.name for c in self.connections]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"connection names must be unique; repeated: {', '.join(dupes)}")
        return self

    def connection(self, name: str) -> ConnectionConfig:
        for conn in self.connections:
            if conn.name == name:
                return conn
        known = ", ".join(c.name for c in self.connections) or "none"
        raise ConfigError(f"no connection named '{name}' (known: {known})")

    @property
    def enabled_connections(self) -> tuple[ConnectionConfig, ...]:
        return tuple(c for c in self.connections if c.enabled)


def _describe(err: ValidationError) -> str:
    return "\n".join(
        f"  {'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in err.errors()
    )


def parse_config(data: dict[str, Any], source: Path | None = None) -> EcomSyncConfig:
    """Validate a loaded YAML mapping; each connection by its platform's model."""
    from ecom_sync.sources.registry import connection_model

    if not isinstance(data, dict):
        raise ConfigError(f"{source or 'config'}: expected a mapping with a 'connections' list")
    raw_connections = data.get("connections") or []
    if not isinstance(raw_connections, list):
        raise ConfigError(f"{source or 'config'}: 'connections' must be a list")
    connections = []
    problems = []
    for idx, raw in enumerate(raw_connections):
        label = raw.get("name", f"#{idx}") if isinstance(raw, dict) else f"#{idx}"
        if not isinstance(raw, dict) or "platform" not in raw:
            problems.append(f"  connections[{label}].platform: field required")
            continue
        try:
            model = connection_model(raw["platform"])
        except ConfigError as exc:
            problems.append(f"  connections[{label}].platform: {exc}")
            continue
        try:
            connections.append(model.model_validate(raw))
        except ValidationError as exc:
            problems.extend(
                f"  connections[{label}].{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                for e in exc.errors()
            )
    unknown = sorted(set(data) - {"connections"})
    if unknown:
        problems.append(f"  {', '.join(unknown)}: unknown top-level key")
    if problems:
        raise ConfigError(f"invalid config {source or ''}:\n" + "\n".join(problems))
    try:
        return EcomSyncConfig(connections=tuple(connections), source_path=source)
    except ValidationError as exc:
        raise ConfigError(f"invalid config {source or ''}:\n{_describe(exc)}") from None


def load_config(path: Path | None = None) -> EcomSyncConfig:
    path = path or paths.config_path()
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path} (set ECOM_SYNC_CONFIG)") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_config(data, path)

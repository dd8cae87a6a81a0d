"""Platforms are folders under ``ecom_sync/sources``; each exposes ``PLATFORM``.

Adding a platform adds a folder: nothing here or in another platform changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import ClassVar

from ecom_sync.config import ConfigError, ConnectionConfig
from ecom_sync.sources.landing import ExtractStats, LandingWriter, Window


@dataclass(frozen=True)
class StreamSpec:
    """One stream of a platform, declared as data (Airbyte/dlt style)."""

    name: str
    primary_key: tuple[str, ...]
    cursor_field: str
    staging_table: str
    description: str
    # Extra landed parts loaded into their own staging tables (e.g. categories).
    parts: tuple[tuple[str, str], ...] = ()


class Platform(ABC):
    """What a platform folder provides to the generic Dagster and warehouse code."""

    name: ClassVar[str]
    connection_model: ClassVar[type[ConnectionConfig]]
    streams: ClassVar[tuple[StreamSpec, ...]]
    sql_dir: ClassVar[Path]

    @abstractmethod
    def enabled_streams(self, conn: ConnectionConfig) -> tuple[StreamSpec, ...]: ...

    @abstractmethod
    def extract(
        self, conn: ConnectionConfig, stream: StreamSpec, window: Window, writer: LandingWriter
    ) -> ExtractStats:
        """Page the API for ``window`` and write every page through ``writer``."""

    def order_url_template(self, conn: ConnectionConfig) -> str | None:
        """Link to an order in the store's admin; ``{order_id}`` is filled in by SQL."""
        return None

    def register_webhooks(self, conn: ConnectionConfig, secret: str) -> int:
        """Register the receiver with the store; returns hooks registered (0: none needed)."""
        return 0

    def stream(self, name: str) -> StreamSpec:
        return next(s for s in self.streams if s.name == name)

    def sql(self, name: str) -> str:
        return (self.sql_dir / f"{name}.sql").read_text()

    def conformed_entities(self) -> list[str]:
        return sorted(p.stem.removeprefix("conform_") for p in self.sql_dir.glob("conform_*.sql"))


def available_platforms() -> list[str]:
    import ecom_sync.sources as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.ispkg)


@cache
def get_platform(name: str) -> Platform:
    if name not in available_platforms():
        raise ConfigError(
            f"unknown platform '{name}' (available: {', '.join(available_platforms())})"
        )
    module = importlib.import_module(f"ecom_sync.sources.{name}")
    return module.PLATFORM


def connection_model(platform: str) -> type[ConnectionConfig]:
    return get_platform(platform).connection_model

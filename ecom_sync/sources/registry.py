"""Platforms are folders under ``ecom_sync/sources``; each exposes ``PLATFORM``.

Adding a platform adds a folder: nothing here or in another platform changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import ClassVar

from ecom_sync.config import ConfigError, ConnectionConfig
from ecom_sync.sources.feeds import Feed, FeedPoll
from ecom_sync.sources.http import ApiClient
from ecom_sync.sources.landing import ExtractStats, LandingWriter, Window
from ecom_sync.sources.stream import Stream


class Platform(ABC):
    """What a platform folder provides to the generic Dagster and warehouse code: its
    connection model, its streams (declared as data, see ``sources/stream.py``), its SQL
    and how to open its API. The extract loop is the base stream's."""

    name: ClassVar[str]
    connection_model: ClassVar[type[ConnectionConfig]]
    streams: ClassVar[tuple[Stream, ...]]
    sql_dir: ClassVar[Path]

    @abstractmethod
    def api(self, conn: ConnectionConfig) -> ApiClient:
        """An API client for ``conn``: base URL, auth headers, the platform's pacing."""

    def enabled_streams(self, conn: ConnectionConfig) -> tuple[Stream, ...]:
        """The streams the connection's ``streams:`` switches leave on (all without any)."""
        switches = getattr(conn, "streams", None)
        return tuple(s for s in self.streams if getattr(switches, s.name, True))

    def extract(
        self, conn: ConnectionConfig, stream: Stream, window: Window, writer: LandingWriter
    ) -> ExtractStats:
        """Page the API for ``window`` and write every page through ``writer``."""
        with self.api(conn) as api:
            return stream.extract(api, conn, window, writer)

    def feeds(self, conn: ConnectionConfig) -> tuple[Feed, ...]:
        """What the connection's store can be watched for between scheduled syncs (see
        ``sources/feeds.py``); each becomes a sensor. None by default."""
        return ()

    def poll_feed(
        self, conn: ConnectionConfig, feed: Feed, cursor: str | None, now: datetime
    ) -> FeedPoll:
        """One poll of ``feed`` from ``cursor`` (None: the first)."""
        with self.api(conn) as api:
            return feed.poll(api, conn, cursor, now)

    def order_url_template(self, conn: ConnectionConfig) -> str | None:
        """Link to an order in the store's admin; ``{order_id}`` is filled in by SQL."""
        return None

    def check_connections(self, connections: Sequence[ConnectionConfig]) -> list[str]:
        """Problems seen only across the platform's connections together (two of them on
        one Square location, say), each naming the connections; none by default. The
        config loader calls it with every connection of the platform."""
        return []

    def register_webhooks(self, conn: ConnectionConfig, secret: str) -> int:
        """Register the receiver with the store; returns hooks registered (0: none needed)."""
        return 0

    def stream(self, name: str) -> Stream:
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

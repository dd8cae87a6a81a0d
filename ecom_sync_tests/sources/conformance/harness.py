"""What a platform gives the conformance suite: its stand-in, served with small seeded data,
and a few levers on it (change a record, inject faults, watch requests).

A harness lives beside its platform's tests (``ecom_sync_tests/sources/<platform>/``) and
joins the suite by one line in ``test_conformance.HARNESSES``. Its connections use
``FAST_HTTP`` (retries wait at most 0.2 s) and ``PAGE_SIZE``. Expected results come from
the stand-in's own records, never from what the client returned.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ecom_sandbox.faults import FaultList
from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.landing import ExtractStats, LandingWriter, Window
from ecom_sync.sources.registry import Platform, get_platform
from ecom_sync.sources.stream import Stream
from ecom_sync_tests.sources.conftest import landed_rows

PAGE_SIZE = 10  # small pages: every walk spans several

# (path, query or body) of one request the stand-in received
RequestHook = Callable[[str, dict[str, Any]], None]


class SourceHarness(ABC):
    """One platform's stand-in for the suite. ``streams``: the streams the suite walks;
    ``skipped_streams``: the others, each with the reason (and where it is tested)."""

    platform: ClassVar[str]
    fault_type: ClassVar[type[FaultList[Any]]]  # the stand-in's fault list (its catalogue)
    streams: ClassVar[tuple[str, ...]]
    skipped_streams: ClassVar[dict[str, str]] = {}
    # Streams walked in id order (keyset, cursor by id); the others in (cursor, id) order.
    id_ordered: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def __init__(self, stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> None:
        """Serve a fresh stand-in for one test (``stack`` stops it); put its token in the
        environment variable the connection names."""

    @abstractmethod
    def connection(self) -> ConnectionConfig:
        """A connection to the stand-in with ``FAST_HTTP`` and ``PAGE_SIZE``."""

    @abstractmethod
    def records(self, stream: str) -> dict[Any, datetime]:
        """The live records the stream lists, from the stand-in's data: id → cursor (UTC)."""

    @abstractmethod
    def touch(self, stream: str, record_id: Any, when: datetime | None) -> None:
        """Change a record as the merchant would; its cursor becomes ``when`` (None: the
        store's clock, skewed by a ``clock_skew`` fault)."""

    @abstractmethod
    def on_request(self, hook: RequestHook) -> Callable[[], None]:
        """Call ``hook`` on every request the stand-in serves; returns the unregister."""

    @abstractmethod
    def is_continuation(self, stream: str, path: str, params: dict[str, Any]) -> bool:
        """Whether a request asks for a later page of the stream's walk."""

    @abstractmethod
    def add_faults(self) -> int:
        """Inject a burst of 429s (with the platform's real rate-limit answer) and some
        5xx; returns how many failed responses the client will meet."""

    @abstractmethod
    def faults_left(self) -> int:
        """Injected faults not consumed yet."""

    @property
    def faults(self) -> FaultList[Any]:
        """The stand-in's fault list (the shared catalogue, ``ecom_sandbox/faults.py``)."""
        return self.sandbox.faults  # type: ignore[attr-defined]

    @property
    def api(self) -> Platform:
        return get_platform(self.platform)


@dataclass
class Landed:
    stats: ExtractStats
    folder: Path

    @property
    def rows(self) -> list[dict[str, Any]]:
        return landed_rows(self.folder)

    @property
    def ids(self) -> list[Any]:
        return [r["id"] for r in self.rows]


@dataclass
class Case:
    """One stream of one platform, with its stand-in served for the test."""

    harness: SourceHarness
    stream_name: str
    home: Path

    @property
    def stream(self) -> Stream:
        return self.harness.api.stream(self.stream_name)

    def full_window(self) -> Window:
        """Before every record to an hour ahead (the walk caps it at now)."""
        first = min(self.harness.records(self.stream_name).values())
        return Window(first - timedelta(days=1), datetime.now(UTC) + timedelta(hours=1))

    def walked(self, window: Window) -> Window:
        """What a walk of ``window`` lands: the window widened by the lookback."""
        return Window(self.stream.lower_bound(self.harness.connection(), window), window.end)

    def expected(self, window: Window) -> set[Any]:
        """The records a walk of ``window`` lands: the window widened by the lookback."""
        walked = self.walked(window)
        return {i for i, ts in self.harness.records(self.stream_name).items()
                if walked.contains(ts)}

    def first_read(self, window: Window, n: int = 3) -> list[Any]:
        """Ids of ``n`` records on the walk's first page."""
        records = self.harness.records(self.stream_name)
        in_window = [i for i in records if window.contains(records[i])]
        if self.stream_name in self.harness.id_ordered:
            return sorted(in_window)[:n]
        return sorted(in_window, key=lambda i: (records[i], i))[:n]

    def extract(self, window: Window, conn: ConnectionConfig | None = None) -> Landed:
        conn = conn or self.harness.connection()
        with LandingWriter(self.home / "landing", conn.name, self.stream_name, window) as w:
            stats = self.harness.api.extract(conn, self.stream, window, w)
            folder = w.commit(**stats.as_metadata())
        return Landed(stats, folder)

    def stage(self, window: Window) -> list[tuple[Any, ...]]:
        """Stage what is landed for ``window``; the staged rows, without ``_extracted_at``."""
        from ecom_sync.warehouse.db import connect
        from ecom_sync.warehouse.staging import ensure_schema, stage_stream

        conn = self.harness.connection()
        with connect(self.home / "warehouse.duckdb") as con:
            ensure_schema(con, self.harness.api)
            stage_stream(con, self.harness.api, conn, self.stream, window, self.home / "landing")
            return con.execute(
                f"select * exclude (_extracted_at) from staging.{self.stream.staging_table} "
                "order by all"
            ).fetchall()

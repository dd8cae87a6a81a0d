"""Fixtures for source tests: a small seeded BigCommerce stand-in served over loopback HTTP,
connection configs pointing at it, and helpers to run a stream and read what it landed."""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ecom_sandbox.bigcommerce.app import create_app
from ecom_sandbox.bigcommerce.sandbox import Sandbox, Settings
from ecom_sandbox.bigcommerce.store import StoreData
from ecom_sandbox.server import serve_in_thread
from ecom_sync.config import ConnectionConfig, EcomSyncConfig
from ecom_sync.config_loader import parse_config
from ecom_sync.sources.bigcommerce import PLATFORM
from ecom_sync.sources.landing import ExtractStats, LandingWriter, Window

US = "acmeoutdoor"
TOKEN_ENV = "ACME_OUTDOOR_BC_TOKEN"
CONN_NAME = "acme_outdoor"

# Fast, still polite: retries wait at most 0.2 s so fault tests stay quick.
FAST_HTTP: dict[str, Any] = {"timeout_s": 5.0, "max_attempts": 6, "backoff_max_s": 0.2}


def make_sandbox(settings: Settings | None = None, **sizes: int) -> Sandbox:
    """Small demo stores generated relative to the real clock (the extractor caps windows
    at ``datetime.now``), with a quota large enough not to matter unless a test sets one."""
    sizes = {"customers": 60, "orders": 120, "products": 30, "carts": 30, **sizes}
    return Sandbox.demo(7, rate_limit_quota=100_000, settings=settings, **sizes)


def read_ndjson(paths: list[Path]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            rows.extend(json.loads(line) for line in fh if line.strip())
    return rows


def landed_rows(folder: Path, part: str = "page") -> list[dict[str, Any]]:
    return read_ndjson(sorted(folder.glob(f"{part}-*.ndjson.gz")))


@dataclass
class Run:
    stats: ExtractStats
    folder: Path

    def rows(self, part: str = "page") -> list[dict[str, Any]]:
        return landed_rows(self.folder, part)

    def ids(self, part: str = "page") -> list[Any]:
        return [r["id"] for r in self.rows(part)]


class StatusRecorder:
    """ASGI wrapper that records the status of every HTTP response the app sends, so tests
    can count the 429s / 5xx the stand-in actually served."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.statuses: list[int] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.statuses.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, recording_send)

    def count(self, status: int) -> int:
        return self.statuses.count(status)


@dataclass
class BC:
    """A served stand-in plus what a test needs to extract from it."""

    sandbox: Sandbox
    base_url: str
    home: Path
    served: StatusRecorder
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    @property
    def store(self) -> StoreData:
        return self.sandbox.store(US)

    def raw_connection(self, **overrides: Any) -> dict[str, Any]:
        http = {**FAST_HTTP, **overrides.pop("http", {})}
        return {
            "name": CONN_NAME,
            "platform": "bigcommerce",
            "store_name": "Acme Outdoor",
            "store_hash": US,
            "token_env": TOKEN_ENV,
            "api_base_url": self.base_url,
            "history_start": "2023-01-01",
            "page_size": 10,
            "http": http,
            **overrides,
        }

    def config(self, **overrides: Any) -> EcomSyncConfig:
        return parse_config({"connections": [self.raw_connection(**overrides)]})

    def conn(self, **overrides: Any) -> ConnectionConfig:
        return self.config(**overrides).connections[0]

    def full_window(self) -> Window:
        """From before the store's first day to an hour ahead (capped at now by the client)."""
        now = datetime.now(UTC)
        return Window(self.store.history_start - timedelta(days=1), now + timedelta(hours=1))

    def extract(
        self, stream: str, window: Window | None = None, conn: ConnectionConfig | None = None,
        root: Path | None = None,
    ) -> Run:
        conn = conn or self.conn()
        window = window or self.full_window()
        root = root or self.home / "landing"
        with LandingWriter(root, conn.name, stream, window) as writer:
            stats = PLATFORM.extract(conn, PLATFORM.stream(stream), window, writer)
            folder = writer.commit(**stats.as_metadata())
        return Run(stats, folder)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ECOM_SYNC_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """Serve any ASGI app (stand-in, webhook receiver) for the test's duration."""
    with contextlib.ExitStack() as stack:
        yield lambda app: stack.enter_context(serve_in_thread(app))


@pytest.fixture
def bc_factory(
    home: Path, monkeypatch: pytest.MonkeyPatch, serve: Callable[[Any], str]
) -> Callable[..., BC]:
    def make(settings: Settings | None = None, **sizes: int) -> BC:
        sandbox = make_sandbox(settings, **sizes)
        recorder = StatusRecorder(create_app(sandbox))
        base_url = serve(recorder)
        monkeypatch.setenv(TOKEN_ENV, sandbox.store(US).token)
        bc = BC(sandbox, base_url, home, recorder)
        sandbox.on_request(
            lambda store_hash, path, params, _n: bc.requests.append((store_hash, path, params))
        )
        return bc

    return make


@pytest.fixture
def bc(bc_factory: Callable[..., BC]) -> BC:
    return bc_factory()

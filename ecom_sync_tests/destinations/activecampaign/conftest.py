"""A stand-in ActiveCampaign account served over loopback, and publishes into it from the
session's synced warehouse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ecom_sandbox.activecampaign.app import create_app
from ecom_sandbox.activecampaign.state import AcAccount
from ecom_sandbox.server import serve_in_thread
from ecom_sync.destinations.activecampaign import DESTINATION
from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination
from ecom_sync.publish.report import PublishReport
from ecom_sync_tests.conftest import SyncedDemo
from ecom_sync_tests.helpers import make_outbox

AC_TOKEN = "test-ac-token"


TAGS = {"acme_europe": ["acme-europe"]}


@dataclass
class AcTarget:
    account: AcAccount
    url: str
    outbox: Path
    ledger: Path
    tmp: Path

    def dest(self, **overrides: Any) -> ActiveCampaignDestination:
        return ActiveCampaignDestination(**{
            "name": "activecampaign", "type": "activecampaign", "api_url": self.url,
            "token_env": "TEST_AC_TOKEN", "rate_limit_per_second": 1000.0, **overrides})

    def publish(self, *, at: datetime | None = None, dry_run: bool = False,
                fire_nothing: bool = False, outbox: Path | None = None,
                **overrides: Any) -> PublishReport:
        return DESTINATION.publish(
            self.dest(**overrides), outbox or self.outbox, self.ledger,
            at or datetime.now(UTC), dry_run=dry_run, fire_nothing=fire_nothing)

    def warehouse(self, synced: SyncedDemo) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(synced.duckdb), read_only=True)
        con.execute("set TimeZone = 'UTC'")
        return con


@pytest.fixture(scope="session")
def session_outbox(synced_demo: SyncedDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_outbox(synced_demo, tmp_path_factory.mktemp("ac") / "outbox",
                       connection_tags=TAGS)


@pytest.fixture
def ac_factory(
    tmp_path: Path, session_outbox: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., AcTarget]]:
    monkeypatch.setenv("TEST_AC_TOKEN", AC_TOKEN)
    stops: list[Any] = []

    def make(rate_per_second: float = 1000.0, **kwargs: Any) -> AcTarget:
        account = AcAccount(AC_TOKEN, rate_per_second=rate_per_second, **kwargs)
        server = serve_in_thread(create_app(account))
        url = server.__enter__()
        stops.append(server)
        n = len(stops)
        return AcTarget(account, url, session_outbox, tmp_path / f"ledger{n}.duckdb", tmp_path)

    yield make
    for server in stops:
        server.__exit__(None, None, None)


@pytest.fixture
def ac(ac_factory: Callable[..., AcTarget]) -> AcTarget:
    return ac_factory()

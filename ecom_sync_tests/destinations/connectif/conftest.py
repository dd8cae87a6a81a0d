"""A Connectif stand-in served over loopback, and outboxes and publishes into it from the
session's synced warehouse (no second sync)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ecom_sandbox.connectif.app import create_app
from ecom_sandbox.connectif.faults import ConnectifFaults
from ecom_sandbox.connectif.state import ApiKey, ConnectifAccount, ConnectifCloud
from ecom_sandbox.server import serve_in_thread
from ecom_sync.destinations.connectif import DESTINATION
from ecom_sync.destinations.connectif.config import ConnectifDestination
from ecom_sync.publish.outbox import build_outbox
from ecom_sync.publish.report import PublishReport
from ecom_sync_tests.conftest import SyncedDemo

KEY_ID, KEY_SECRET = "test-cx-key-id", "test-cx-key-secret-7f3a"
STORE_URLS = {"acme_outdoor": "https://store-acmeoutdoor.mybigcommerce.com",
              "acme_europe": "https://store-acmeeu.mybigcommerce.com"}
DOMAINS = [*STORE_URLS.values(), "https://cdn11.bigcommerce.com"]


@dataclass
class CxTarget:
    """One Connectif store served over HTTP, with a ledger and outbox of its own."""

    account: ConnectifAccount
    url: str
    tmp: Path
    warehouse: Path
    faults: ConnectifFaults

    def dest(self, **overrides: Any) -> ConnectifDestination:
        storefronts = overrides.pop("storefronts", [
            {"connection": "acme_outdoor", "url": STORE_URLS["acme_outdoor"]}])
        return ConnectifDestination(**{
            "name": "connectif", "type": "connectif", "api_url": self.url,
            "key_id_env": "TEST_CX_KEY_ID", "token_env": "TEST_CX_KEY_SECRET",
            "currency": "USD", "storefronts": storefronts, "authorised_domains": DOMAINS,
            "carts": {"custom_integration_id": "integ-1"}, "rate_limit_per_second": 100_000,
            "max_attempts": 4, **overrides})

    @property
    def outbox(self) -> Path:
        return self.tmp / "outbox"

    @property
    def ledger(self) -> Path:
        return self.tmp / "ledger.duckdb"

    def build(self, dest: ConnectifDestination, warehouse: Path | None = None) -> None:
        con = duckdb.connect(str(warehouse or self.warehouse), read_only=True)
        try:
            build_outbox(con, DESTINATION.sql_dir, DESTINATION.kinds,
                         DESTINATION.outbox_params(dest), self.outbox,
                         connections=dest.published_connections())
        finally:
            con.close()

    def publish(self, dest: ConnectifDestination | None = None, *, at: datetime | None = None,
                build: bool = True, fire_nothing: bool = False,
                dry_run: bool = False) -> PublishReport:
        dest = dest or self.dest()
        if build:
            self.build(dest)
        return DESTINATION.publish(dest, self.outbox, self.ledger, at or datetime.now(UTC),
                                   fire_nothing=fire_nothing, dry_run=dry_run)

    def edited_warehouse(self, *statements: str) -> Path:
        """A copy of the synced warehouse with ``statements`` applied."""
        db = self.tmp / f"edited{len(list(self.tmp.glob('edited*.duckdb')))}.duckdb"
        shutil.copy(self.warehouse, db)
        con = duckdb.connect(str(db))
        con.execute("set TimeZone = 'UTC'")
        for sql in statements:
            con.execute(sql)
        con.close()
        return db

    def query(self, sql: str, warehouse: Path | None = None) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(warehouse or self.warehouse), read_only=True)
        try:
            con.execute("set TimeZone = 'UTC'")
            return con.execute(sql).fetchall()
        finally:
            con.close()


def cx_account(name: str = "store", **settings: Any) -> ConnectifAccount:
    return ConnectifAccount(name, [ApiKey(KEY_ID, KEY_SECRET)], authorised_domains=DOMAINS,
                            custom_fields={"city": "text", "country": "text"},
                            integrations=["integ-1"], **{"rate_limit": 100_000, **settings})


@pytest.fixture
def cx_factory(synced_demo: SyncedDemo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
               ) -> Iterator[Callable[..., CxTarget]]:
    """``cx_factory(**account settings)``: a fresh stand-in store, outbox and ledger."""
    monkeypatch.setenv("TEST_CX_KEY_ID", KEY_ID)
    monkeypatch.setenv("TEST_CX_KEY_SECRET", KEY_SECRET)
    with ExitStack() as stack:
        def make(**settings: Any) -> CxTarget:
            account = cx_account(**settings)
            cloud = ConnectifCloud([account])
            url = stack.enter_context(serve_in_thread(create_app(cloud)))
            folder = tmp_path / f"cx{len(list(tmp_path.glob('cx*')))}"
            folder.mkdir()
            return CxTarget(account, url, folder, synced_demo.duckdb, cloud.faults)

        yield make


@pytest.fixture
def cx(cx_factory: Callable[..., CxTarget]) -> CxTarget:
    return cx_factory()

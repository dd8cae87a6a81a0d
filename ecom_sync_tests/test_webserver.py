"""The Dagster webserver and daemon, started as a merchant would, driven through GraphQL and
the CLI. One set of services for the module: starting them is most of a test's cost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from bench.history import direct_historical_sync
from ecom_sandbox.bigcommerce.app import create_app
from ecom_sandbox.bigcommerce.sandbox import Sandbox, Settings
from ecom_sandbox.server import serve_in_thread
from ecom_sync.cli import main
from ecom_sync.config import EcomSyncConfig
from ecom_sync.defs.partitions import connection_partitions
from ecom_sync.orchestration import DagsterGraphQL, DagsterServices, free_port
from ecom_sync.sync_modes import SyncRange, connection_keys, launch_syncs
from ecom_sync_tests.conftest import use_state
from ecom_sync_tests.helpers import (
    make_config,
    today,
    warehouse_snapshot,
    write_config,
)

TEN_YEARS = 3653


@dataclass
class Running:
    services: DagsterServices
    config: EcomSyncConfig
    home: Path
    tmp: Path


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Two stand-in stores open ten years (a few records a month), a config whose stores
    start then, and the webserver and daemon over it."""
    tmp = tmp_path_factory.mktemp("webserver")
    sandbox = Sandbox.demo(11, rate_limit_quota=100_000, history_days=TEN_YEARS,
                           settings=Settings(cart_idle_seconds=0),
                           customers=30, orders=60, products=8, carts=4)
    start = {"history_start": (today() - timedelta(days=TEN_YEARS)).isoformat()}
    with pytest.MonkeyPatch.context() as mp, serve_in_thread(create_app(sandbox)) as url:
        home = use_state(mp, tmp / "state")
        overrides = {"acme_outdoor": start, "acme_europe": start}
        mp.setenv("ECOM_SYNC_CONFIG", str(write_config(tmp / "ecom_sync.yaml", url,
                                                       **overrides)))
        with DagsterServices(port=free_port()) as services:
            yield Running(services, make_config(url, **overrides), home, tmp)


def test_r_m3_ten_year_historical_sync_through_the_webserver(running: Running) -> None:
    """M3 at a real merchant's depth: ``ecom-sync sync <store> --historical`` for a store
    open ten years launches one backfill through the webserver; every partition of every
    landing and staging asset ends materialized, and the warehouse equals the one the same
    sync builds by direct calls."""
    url = running.services.url
    assert main(["sync", "acme_outdoor", "--historical", "--dagster-url", url]) == 0

    conn = running.config.connection("acme_outdoor")
    years = connection_partitions(conn).get_partition_keys()
    assert len(years) == 11
    with DagsterInstance.from_config(str(running.home / "dagster")) as instance:
        for key in connection_keys(conn):
            assert instance.get_materialized_partitions(AssetKey(key)) == set(years), key

    direct = running.tmp / "direct"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ECOM_SYNC_HOME", str(direct))
        direct_historical_sync(running.config.model_copy(
            update={"connections": (conn,)}))
    synced = warehouse_snapshot(running.home)
    assert synced["canonical.orders"] and synced["canonical.contacts"]
    assert synced == warehouse_snapshot(direct)


def test_r_m2_backfills_of_two_stores_at_once_through_the_webserver(running: Running) -> None:
    """The UI's API lists every asset; backfills of a date range for two connections run
    at the same time without tripping on DuckDB's single-writer lock; the CLI's
    ``sync --since last`` (M2) launches an ordinary backfill from the last synced day."""
    client = DagsterGraphQL(running.services.url)
    keys = {"/".join(n["assetKey"]["path"]) for n in client.asset_nodes()}
    assert {"landing/acme_outdoor/orders", "staging/acme_europe/customers",
            "canonical/contacts"} <= keys

    start, end = today() - timedelta(days=6), today() - timedelta(days=1)
    launched = launch_syncs(client, running.config, [
        SyncRange(c.name, "range", start, end) for c in running.config.connections])
    results = [client.wait_backfill(i, timeout=600) for i, _ in launched]
    assert all(r.succeeded for r in results), results

    con = duckdb.connect(str(running.home / "warehouse.duckdb"), read_only=True)
    per_store = dict(con.execute(
        "select connection, count(*) from canonical.orders group by 1").fetchall())
    con.close()
    assert set(per_store) == {"acme_outdoor", "acme_europe"}

    code = main(["sync", "acme_outdoor", "--since", "last", "--dagster-url",
                 running.services.url])
    assert code == 0

"""The Dagster webserver and daemon, started as a merchant would, driven through GraphQL."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from ecom_sync.cli import main
from ecom_sync.orchestration import DagsterGraphQL, DagsterServices
from ecom_sync.sync_modes import SyncRange, launch_sync
from ecom_sync_tests.conftest import Served
from ecom_sync_tests.helpers import make_config, today, write_config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dagster(ecom_home: Path, served: Served, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[DagsterServices]:
    monkeypatch.setenv("ECOM_SYNC_CONFIG", str(write_config(tmp_path / "ecom_sync.yaml",
                                                            served.url)))
    with DagsterServices(port=free_port()) as services:
        yield services


def test_r_m2_backfills_of_two_stores_at_once_through_the_webserver(
    dagster: DagsterServices, served: Served, ecom_home: Path
) -> None:
    """The UI's API lists every asset; backfills of a date range for two connections run
    at the same time without tripping on DuckDB's single-writer lock; the CLI's
    ``sync --since last`` (M2) launches an ordinary backfill from the last synced day."""
    client = DagsterGraphQL(dagster.url)
    keys = {"/".join(n["assetKey"]["path"]) for n in client.asset_nodes()}
    assert {"landing/acme_outdoor/orders", "staging/acme_europe/customers",
            "canonical/contacts"} <= keys

    config = make_config(served.url)
    start, end = today() - timedelta(days=6), today() - timedelta(days=1)
    ids = [launch_sync(client, config, SyncRange(c.name, "range", start, end))
           for c in config.connections]
    results = [client.wait_backfill(i, timeout=600) for i in ids]
    assert all(r.succeeded for r in results), results

    con = duckdb.connect(str(ecom_home / "warehouse.duckdb"), read_only=True)
    per_store = dict(con.execute(
        "select connection, count(*) from canonical.orders group by 1").fetchall())
    con.close()
    assert set(per_store) == {"acme_outdoor", "acme_europe"}

    code = main(["sync", "acme_outdoor", "--since", "last", "--dagster-url", dagster.url])
    assert code == 0

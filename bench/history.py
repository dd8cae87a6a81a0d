"""Figure 7: a historical sync of stores open ten years, through the webserver as the CLI
launches it, against the same sync by direct calls.

Both serve the same seeded BigCommerce stand-in (``stores`` stores, each open ``years``
years, ``orders`` orders spread over them) over loopback HTTP.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

TOKEN_ENV = "BENCH_HISTORY_TOKEN_{}"
DONE = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
_RUNS = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill { status runs { id status startTime endTime } }
  }
}"""


def _specs(stores: int, years: int, customers: int, orders: int, products: int) -> list[Any]:
    from ecom_sandbox.generator import DEMO_SPECS, StoreSpec

    base = DEMO_SPECS[0]
    return [
        StoreSpec(**{**base.__dict__, "store_hash": f"hist{i}", "name": f"History {i}",
                     "token": f"bench-history-token-{i}", "store_id": 2000 + i,
                     "history_days": round(years * 365.25), "customers": customers,
                     "orders": orders, "products": products, "carts": 0,
                     "rate_limit_quota": 1_000_000})
        for i in range(stores)
    ]


@contextmanager
def stand_in(stores: int, years: int, customers: int, orders: int,
             products: int) -> Iterator[tuple[str, list[Any]]]:
    """The stand-in served on a free port; yields its URL and the store specs."""
    from ecom_sandbox.bigcommerce.app import create_app
    from ecom_sandbox.bigcommerce.sandbox import Sandbox
    from ecom_sandbox.generator import default_now, generate_stores
    from ecom_sandbox.server import serve_in_thread

    specs = _specs(stores, years, customers, orders, products)
    sandbox = Sandbox(generate_stores(specs, seed=42, now=default_now()))
    for i, spec in enumerate(specs):
        os.environ[TOKEN_ENV.format(i)] = spec.token
    with serve_in_thread(create_app(sandbox)) as url:
        yield url, specs


def config_dict(url: str, specs: list[Any], years: int) -> dict[str, Any]:
    start = (datetime.now(UTC).date() - timedelta(days=round(years * 365.25))).isoformat()
    return {"connections": [
        {"name": spec.store_hash, "platform": "bigcommerce", "store_name": spec.name,
         "store_hash": spec.store_hash, "currency": spec.currency,
         "token_env": TOKEN_ENV.format(i), "history_start": start, "api_base_url": url,
         "streams": {"customers": True, "subscribers": True, "orders": True,
                     "products": True, "carts": False}}
        for i, spec in enumerate(specs)
    ]}


_SCHEDULES = """
query($repo: RepositorySelector!) {
  schedulesOrError(repositorySelector: $repo) {
    ... on Schedules { results { name scheduleState { id status } } }
  }
}"""
_STOP_SCHEDULE = """
mutation($id: String!) { stopRunningSchedule(id: $id) { __typename } }"""


def stop_schedules(client: Any) -> None:
    """The stores' active-sync schedules stopped: a tick at :00 or :30 would otherwise sync
    the current year beside the measured backfill."""
    from ecom_sync.orchestration import LOCATION, REPOSITORY

    repo = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}
    found = client.query(_SCHEDULES, {"repo": repo})["schedulesOrError"]["results"]
    for schedule in found:
        if schedule["scheduleState"]["status"] == "RUNNING":
            client.query(_STOP_SCHEDULE, {"id": schedule["scheduleState"]["id"]})


def _fresh_home(home: str) -> Path:
    root = Path(home)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    os.environ["ECOM_SYNC_HOME"] = str(root)
    os.environ.pop("ECOM_SYNC_DUCKDB", None)
    return root


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def history_launch(home: str, stores: int = 3, years: int = 10, customers: int = 2000,
                   orders: int = 10000, products: int = 200) -> dict[str, Any]:
    """``ecom-sync sync all --historical`` (its own process, as a merchant types it) against
    a running webserver and daemon: seconds from the command to the first run started and
    to the backfill done (the canonical tables built)."""
    from ecom_sync.orchestration import DagsterGraphQL, DagsterServices, free_port

    root = _fresh_home(home)
    with stand_in(stores, years, customers, orders, products) as (url, specs):
        config_path = root / "ecom_sync.yaml"
        config_path.write_text(yaml.safe_dump(config_dict(url, specs, years)))
        os.environ["ECOM_SYNC_CONFIG"] = str(config_path)
        with DagsterServices(port=free_port()) as services:
            client = DagsterGraphQL(services.url)
            stop_schedules(client)
            started = time.time()
            command = subprocess.run(
                [sys.executable, "-m", "ecom_sync.cli", "sync", "all", "--historical",
                 "--dagster-url", services.url, "--no-wait"],
                capture_output=True, text=True)
            if command.returncode:
                raise RuntimeError(f"sync failed: {command.stdout}{command.stderr}")
            launched = time.time() - started
            ids = sorted(set(re.findall(r"backfill (\w+)", command.stdout)))
            while True:
                backfills = [client.query(_RUNS, {"id": i})["partitionBackfillOrError"]
                             for i in ids]
                runs = [r for b in backfills for r in b["runs"]]
                if all(b["status"] in DONE for b in backfills) and all(
                        r["endTime"] for r in runs):
                    break
                time.sleep(0.25)
            done = time.time() - started
    first = min(r["startTime"] for r in runs if r["startTime"]) - started
    ok = all(b["status"] == "COMPLETED_SUCCESS" for b in backfills) and all(
        r["status"] == "SUCCESS" for r in runs)
    if not ok:
        raise RuntimeError(f"backfill failed: {backfills}")
    keys = len(_partitioned_keys(config_path))
    return {
        "seconds": done, "first_run_s": first, "launched_s": launched, "runs": len(runs),
        "backfills": len(ids), "partitions": years + 1, "asset_partitions": keys * (years + 1),
        "records": stores * (customers + orders + products),
        "disk_mb": {"landing": _size_mb(root / "landing"),
                    "warehouse": _size_mb(root / "warehouse.duckdb"),
                    "dagster": _size_mb(root / "dagster")},
    }


def _partitioned_keys(config_path: Path) -> list[list[str]]:
    from ecom_sync.config_loader import load_config
    from ecom_sync.sync_modes import connection_keys

    os.environ["ECOM_SYNC_CONFIG"] = str(config_path)
    return [k for c in load_config().connections for k in connection_keys(c)]


def history_direct(home: str, stores: int = 3, years: int = 10, customers: int = 2000,
                   orders: int = 10000, products: int = 200) -> dict[str, Any]:
    """The same historical sync by direct calls: each store's streams paged over its whole
    history, landed, staged, then the canonical tables built (one process, stores one after
    another)."""
    from ecom_sync.config_loader import parse_config

    _fresh_home(home)
    with stand_in(stores, years, customers, orders, products) as (url, specs):
        config = parse_config(config_dict(url, specs, years))
        started = time.perf_counter()
        direct_historical_sync(config)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": stores * (customers + orders + products)}


def direct_historical_sync(config: Any) -> None:
    """Every connection of ``config`` synced from its ``history_start`` to now by direct
    calls, no Dagster, into ``$ECOM_SYNC_HOME``: the reference a sync through Dagster is
    measured (and, in the tests, checked) against."""
    from ecom_sync import paths
    from ecom_sync.defs.partitions import day_start
    from ecom_sync.sources.landing import LandingWriter, Window
    from ecom_sync.sources.registry import get_platform
    from ecom_sync.warehouse.build import build_canonical
    from ecom_sync.warehouse.db import connect
    from ecom_sync.warehouse.staging import ensure_schema, register_connection, stage_stream

    platforms = {}
    tomorrow = day_start(datetime.now(UTC).date() + timedelta(days=1))
    for conn in config.connections:
        platform = platforms.setdefault(conn.platform, get_platform(conn.platform))
        window = Window(day_start(conn.history_start), tomorrow)
        for stream in platform.enabled_streams(conn):
            with LandingWriter(paths.landing_dir(), conn.name, stream.name, window) as writer:
                platform.extract(conn, stream, window, writer)
                writer.commit()
        with connect() as con:
            ensure_schema(con, platform)
            register_connection(con, platform, conn)
            for stream in platform.enabled_streams(conn):
                stage_stream(con, platform, conn, stream, window, paths.landing_dir())
    with connect() as con:
        assert build_canonical(con, list(platforms.values())).swapped

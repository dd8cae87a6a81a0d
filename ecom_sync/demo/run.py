"""``ecom-sync demo``: a historical sync of the demo stores, then an active sync after new
activity, all through real Dagster runs; prints what landed where."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime

from dagster import DagsterInstance

from ecom_sync import paths
from ecom_sync.config import EcomSyncConfig
from ecom_sync.config_loader import load_config
from ecom_sync.defs.automation import CANONICAL_JOB, active_sync_tags, sync_job_name
from ecom_sync.defs.feeds import feed_name
from ecom_sync.defs.publish import publish_job_name
from ecom_sync.demo.environment import DemoServices, demo_services
from ecom_sync.orchestration import (
    DONE_RUN,
    DagsterError,
    DagsterGraphQL,
    DagsterServices,
    prepare_dagster_home,
    wait_for_ctrl_c,
)
from ecom_sync.report import warehouse_summary
from ecom_sync.sources.registry import get_platform
from ecom_sync.sync_modes import launch_syncs, resolve_range


def _publish(client: DagsterGraphQL, config: EcomSyncConfig, services: DemoServices) -> None:
    """Publish every destination and show what the stand-in account now holds."""
    for dest in config.enabled_destinations:
        started = time.monotonic()
        run_id = client.launch_run(publish_job_name(dest))
        status = client.wait_run(run_id)
        _say(f"publish to {dest.name}: {status} in {time.monotonic() - started:.0f}s")
        if status != "SUCCESS":
            raise DagsterError(f"publish run {run_id} failed; see the UI")
    for summary in services.destination_summaries():
        print(summary)


def _await_feed_runs(client: DagsterGraphQL, config: EcomSyncConfig, since: float,
                     timeout: float = 240) -> None:
    """The sensors watching the stores (new orders, finished back-office syncs) launch
    runs of their own: wait for one per feed and say what each carried and how long it
    took from the store to the destinations."""
    jobs = [f"{feed_name(c, f)}_job" for c in config.enabled_connections
            for f in get_platform(c.platform).feeds(c)]
    deadline = time.monotonic() + timeout
    for job in jobs:
        while True:
            done = [r for r in client.runs(job, since) if r["status"] in DONE_RUN]
            if done or time.monotonic() > deadline:
                break
            time.sleep(2)
        if not done:
            _say(f"{job}: no run finished within {timeout:.0f}s; see the sensor in the UI")
            continue
        run = min(done, key=lambda r: r["creationTime"])
        tags = run["tags"]
        took = run["endTime"] - datetime.fromisoformat(tags["ecom_sync/store_time"]).timestamp()
        _say(f"sensor run {run['runId'][:8]} of {job}: {run['status']}, carried "
             f"{tags.get('ecom_sync/carried', '?')}; at the store → published in {took:.0f}s")


def _say(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def run_demo(port: int = 3000, keep_running: bool = False) -> int:
    home = paths.home()
    for sub in ("landing", "webhooks", "dagster", "warehouse.duckdb", "warehouse.duckdb.wal"):
        target = home / sub
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    started = time.monotonic()
    with demo_services(load_config()) as services, DagsterServices(port=port) as dagster:
        config = services.config
        client = DagsterGraphQL(dagster.url)
        _say(
            f"Dagster UI at {dagster.url}; stand-in stores: "
            + ", ".join(c.store_name for c in config.connections)
        )
        syncs = [resolve_range(conn, historical=True) for conn in config.enabled_connections]
        for sync in syncs:
            _say(f"launching {sync}")
        for backfill_id, _ in launch_syncs(client, config, syncs):
            result = client.wait_backfill(backfill_id)
            _say(f"backfill {backfill_id}: {result.status}, {len(result.runs)} runs")
            if not result.succeeded:
                raise DagsterError(f"historical backfill {backfill_id} failed; see the UI")
        print("\n== After the historical sync ==")
        print(warehouse_summary())
        _publish(client, config, services)

        activity_at = time.time()
        activity = services.add_activity()
        _say(
            "new store activity: "
            + "; ".join(
                f"{h}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
                for h, counts in activity.items()
            )
        )
        _await_feed_runs(client, config, activity_at)
        time.sleep(3)  # let the new carts go idle; the stand-in sends the webhooks
        services.after_activity()
        # What the active-sync schedule requests: this year, from the last sync's day.
        with DagsterInstance.from_config(str(prepare_dagster_home())) as instance:
            now = datetime.now(UTC)
            runs = [
                client.launch_run(sync_job_name(c.name), tags=tags)
                for c in config.enabled_connections
                if (tags := active_sync_tags(c, instance, now)) is not None
            ]
        for run_id in runs:
            _say(f"active sync run {run_id}: {client.wait_run(run_id)}")
        canonical = client.launch_run(CANONICAL_JOB)
        _say(f"canonical rebuild {canonical}: {client.wait_run(canonical)}")
        print("\n== After the active sync ==")
        print(warehouse_summary())
        _publish(client, config, services)
        print(f"\nStore API requests served by the stand-ins: {services.request_counts()}")
        _say(f"demo finished in {time.monotonic() - started:.0f}s")
        if keep_running:
            _say(f"browse the lineage at {dagster.url} (Ctrl-C to stop)")
            wait_for_ctrl_c()
    return 0

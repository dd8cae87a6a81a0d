"""Active sync (M1): a schedule per connection, and canonical following by automation."""
from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from ecom_sync.config import ConnectionConfig, EcomSyncConfig
from ecom_sync.defs.keys import CANONICAL_KEYS, landing_key, staging_key
from ecom_sync.defs.partitions import range_tags, resume_day, synced_through
from ecom_sync.sources.registry import get_platform

ACTIVE_SYNC_CRON = "*/30 * * * *"  # M1: Square needs 30 minutes; every store gets it
CANONICAL_JOB = "build_canonical_job"


def sync_job_name(connection: str) -> str:
    return f"sync_{connection}_job"


def connection_selection(conn: ConnectionConfig) -> dg.AssetSelection:
    streams = get_platform(conn.platform).enabled_streams(conn)
    keys = [k for s in streams for k in (landing_key(conn.name, s.name),
                                         staging_key(conn.name, s.name))]
    return dg.AssetSelection.assets(*keys)


def connection_staging_keys(conn: ConnectionConfig) -> list[dg.AssetKey]:
    streams = get_platform(conn.platform).enabled_streams(conn)
    return [staging_key(conn.name, s.name) for s in streams]


def active_sync_tags(
    conn: ConnectionConfig, instance: dg.DagsterInstance, now: datetime
) -> dict[str, str] | None:
    """Tags of an active sync run (M1): the partitions (years) from the last good sync to
    now, paged from that sync's day (the whole current year the first time). None before
    the store's first day.

    Starting where the last good sync ended (not at today's start) costs the same when
    every tick succeeds, and a tick after an outage catches up on its own."""
    today = now.astimezone(UTC).date()
    if today < conn.history_start:
        return None
    last = synced_through(instance, connection_staging_keys(conn))
    first = min(max(resume_day(last), conn.history_start), today) if last else today
    tags = range_tags(first, today, sync_from=first if last else None)
    return {**tags, "ecom_sync/sync_mode": "active"}


def sync_job(conn: ConnectionConfig) -> UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        sync_job_name(conn.name),
        selection=connection_selection(conn),
        description=f"Extract and stage {conn.store_name} for a date range",
        tags={"ecom_sync/connection": conn.name},
    )


def active_sync_schedule(
    conn: ConnectionConfig, job: UnresolvedAssetJobDefinition
) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"active_sync_{conn.name}",
        cron_schedule=ACTIVE_SYNC_CRON,
        job=job,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Active sync of {conn.store_name}: today's changes every 30 minutes",
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
        now = context.scheduled_execution_time or datetime.now(UTC)
        tags = active_sync_tags(conn, context.instance, now)
        if tags is None:
            return []
        return [dg.RunRequest(run_key=f"{conn.name}:{now:%Y%m%dT%H%M}", tags=tags)]

    return _schedule


def automation_definitions(config: EcomSyncConfig) -> dg.Definitions:
    jobs: list[UnresolvedAssetJobDefinition] = []
    schedules: list[dg.ScheduleDefinition] = []
    for conn in config.connections:
        job = sync_job(conn)
        jobs.append(job)
        if conn.enabled:  # S3: a disconnected store keeps its assets and history, no schedule
            schedules.append(active_sync_schedule(conn, job))
    jobs.append(
        dg.define_asset_job(
            CANONICAL_JOB,
            selection=dg.AssetSelection.assets(*CANONICAL_KEYS),
            description="Rebuild the canonical tables from staging",
        )
    )
    sensor = dg.AutomationConditionSensorDefinition(
        "canonical_automation",
        target=dg.AssetSelection.groups("canonical")
        | dg.AssetSelection.groups(*[d.name for d in config.destinations]),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
    )
    return dg.Definitions(jobs=jobs, schedules=schedules, sensors=[sensor])

"""Active sync (M1): a schedule per connection, and canonical following by automation."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from ecom_sync.config import ConnectionConfig, EcomSyncConfig
from ecom_sync.defs.keys import CANONICAL_KEYS, landing_key, staging_key
from ecom_sync.defs.partitions import connection_partitions
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
    partitions_def = connection_partitions(conn)

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
        today = now.astimezone(UTC).date()
        days = [today]
        # The first tick of a day also closes yesterday (changes after its last tick).
        if now.hour == 0 and now.minute < 30:
            days.insert(0, today - timedelta(days=1))
        keys = set(partitions_def.get_partition_keys(current_time=now))
        return [
            dg.RunRequest(
                partition_key=day.isoformat(),
                run_key=f"{conn.name}:{day.isoformat()}:{now:%Y%m%dT%H%M}",
                tags={"ecom_sync/sync_mode": "active"},
            )
            for day in days
            if day.isoformat() in keys
        ]

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

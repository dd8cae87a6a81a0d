"""Manual (M2) and historical (M3) syncs as ranges of a connection's monthly partitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from dagster import DagsterInstance

from ecom_sync.config import ConfigError, ConnectionConfig, EcomSyncConfig
from ecom_sync.defs.automation import connection_staging_keys
from ecom_sync.defs.keys import CANONICAL_KEYS
from ecom_sync.defs.partitions import (
    SYNC_FROM_TAG,
    SYNC_TO_TAG,
    partition_key,
    partitions_synced,
    range_tags,
    synced_through,
)
from ecom_sync.orchestration import DagsterGraphQL
from ecom_sync.sources.registry import get_platform


@dataclass(frozen=True)
class SyncRange:
    connection: str
    mode: str  # historical | manual | range
    start: date
    end: date  # inclusive: the last day
    # A range re-synced day-exactly inside its years (they were synced whole before);
    # otherwise its years are synced whole, so a year shown as synced in the UI is.
    narrowed: bool = False

    @property
    def years(self) -> tuple[str, str]:
        return partition_key(self.start), partition_key(self.end)

    @property
    def sync_from(self) -> date | None:
        """A manual sync pages from the day of the last one."""
        return self.start if self.mode == "manual" or self.narrowed else None

    @property
    def sync_to(self) -> date | None:
        return self.end if self.narrowed else None

    def run_tags(self) -> dict[str, str]:
        """Tags of the single run that syncs this range (what its backfill's run carries)."""
        return range_tags(self.start, self.end, self.sync_from, self.sync_to)

    def __str__(self) -> str:
        first, last = self.years
        years = first if first == last else f"{first}..{last}"
        if self.sync_from:
            return (f"{self.connection}: {self.mode} sync {self.start} .. "
                    f"{self.sync_to or 'now'} (partitions {years})")
        return f"{self.connection}: {self.mode} sync of {years} (whole years)"


def connection_keys(conn: ConnectionConfig) -> list[list[str]]:
    streams = get_platform(conn.platform).enabled_streams(conn)
    return [[layer, conn.name, s.name] for s in streams for layer in ("landing", "staging")]


def last_synced_day(instance: DagsterInstance, conn: ConnectionConfig) -> date | None:
    """The day of the last good sync: every staging stream of the connection holds every
    change made before some instant of that day."""
    through = synced_through(instance, connection_staging_keys(conn))
    return through.date() if through else None


def resolve_range(
    conn: ConnectionConfig,
    *,
    historical: bool = False,
    since_last: bool = False,
    start: date | None = None,
    end: date | None = None,
    instance: DagsterInstance | None = None,
    today: date | None = None,
) -> SyncRange:
    today = today or datetime.now(UTC).date()
    end = end or today
    if historical:
        return SyncRange(conn.name, "historical", conn.history_start, end)
    if since_last:
        last = last_synced_day(instance, conn) if instance is not None else None
        # Nothing synced yet: a manual sync from "last time" is the historical one.
        if last is None:
            return SyncRange(conn.name, "historical", conn.history_start, end)
        return SyncRange(conn.name, "manual", max(last, conn.history_start), end)
    if start is None:
        raise ConfigError("give --historical, --since last, or --from (and optionally --to)")
    if start < conn.history_start:
        raise ConfigError(
            f"--from {start} is before {conn.name}'s history_start {conn.history_start}"
        )
    if end < start or end > today:
        raise ConfigError(f"--to {end} must be between --from {start} and today {today}")
    synced = instance is not None and partitions_synced(
        instance, conn, connection_staging_keys(conn), start, end)
    return SyncRange(conn.name, "range", start, end, narrowed=synced)


def launch_sync(client: DagsterGraphQL, config: EcomSyncConfig, sync: SyncRange) -> str:
    """A backfill of the connection's partitions, canonical included: what the UI launches."""
    conn = config.connection(sync.connection)
    # The backfill's tags go on its runs: the partition range tags Dagster sets itself.
    tags = {k: v for k, v in sync.run_tags().items() if k in (SYNC_FROM_TAG, SYNC_TO_TAG)}
    tags.update({"ecom_sync/connection": conn.name, "ecom_sync/sync_mode": sync.mode})
    return client.launch_backfill(
        connection_keys(conn),
        *sync.years,
        unpartitioned=[list(k.path) for k in CANONICAL_KEYS],
        tags=tags,
        title=str(sync),
    )

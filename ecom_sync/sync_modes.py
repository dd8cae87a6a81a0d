"""Manual (M2) and historical (M3) syncs as ranges of a connection's yearly partitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from textwrap import shorten

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
    resume_day,
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
    """The day of the last good sync (every staging stream of the connection holds every
    change made before some instant of it), where a sync since then starts: the day
    before when that sync ended in the first hour of a day."""
    through = synced_through(instance, connection_staging_keys(conn))
    return resume_day(through) if through else None


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


def launch_syncs(
    client: DagsterGraphQL, config: EcomSyncConfig, syncs: list[SyncRange]
) -> list[tuple[str, list[SyncRange]]]:
    """Backfills of the connections' partitions with canonical built once after them: what
    the UI launches. Syncs that page alike (a historical sync of every store) share one
    backfill; a backfill's tags go on all its runs, so syncs from different days get one
    each. Returns (backfill id, its syncs) pairs."""
    groups: dict[tuple[tuple[str, str], ...], list[SyncRange]] = {}
    for sync in syncs:
        groups.setdefault(tuple(sorted(_paging_tags(sync).items())), []).append(sync)
    launched = []
    for paging, group in groups.items():
        partitioned = {
            tuple(key): sync.years
            for sync in group
            for key in connection_keys(config.connection(sync.connection))
        }
        modes = sorted({s.mode for s in group})
        tags = {**dict(paging), "ecom_sync/sync_mode": ",".join(modes)}
        if len(group) == 1:
            tags["ecom_sync/connection"] = group[0].connection
        backfill_id = client.launch_backfill(
            partitioned,
            unpartitioned=[list(k.path) for k in CANONICAL_KEYS],
            tags=tags,
            # Dagster takes titles of up to 100 characters; the runs' tags say the rest.
            title=shorten("; ".join(str(s) for s in group), 100, placeholder=" ..."),
        )
        launched.append((backfill_id, group))
    return launched


def _paging_tags(sync: SyncRange) -> dict[str, str]:
    """The run tags that set where pages start and end (the range tags Dagster sets)."""
    return {k: v for k, v in sync.run_tags().items() if k in (SYNC_FROM_TAG, SYNC_TO_TAG)}

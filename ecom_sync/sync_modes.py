"""Manual (M2) and historical (M3) syncs as date ranges of a connection's partitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from dagster import AssetKey, DagsterInstance

from ecom_sync.config import ConfigError, ConnectionConfig, EcomSyncConfig
from ecom_sync.defs.keys import CANONICAL_KEYS
from ecom_sync.orchestration import DagsterGraphQL
from ecom_sync.sources.registry import get_platform


@dataclass(frozen=True)
class SyncRange:
    connection: str
    mode: str  # historical | manual | range
    start: date
    end: date  # inclusive: the last partition

    def __str__(self) -> str:
        return f"{self.connection}: {self.mode} sync {self.start} .. {self.end}"


def connection_keys(conn: ConnectionConfig) -> list[list[str]]:
    streams = get_platform(conn.platform).enabled_streams(conn)
    return [[layer, conn.name, s.name] for s in streams for layer in ("landing", "staging")]


def last_synced_day(instance: DagsterInstance, conn: ConnectionConfig) -> date | None:
    """The newest day every staging stream of the connection has (the last good sync)."""
    latest: list[date] = []
    for s in get_platform(conn.platform).enabled_streams(conn):
        done = instance.get_materialized_partitions(AssetKey(["staging", conn.name, s.name]))
        if not done:
            return None
        latest.append(max(date.fromisoformat(k) for k in done))
    return min(latest) if latest else None


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
    return SyncRange(conn.name, "range", start, end)


def launch_sync(client: DagsterGraphQL, config: EcomSyncConfig, sync: SyncRange) -> str:
    """A backfill of the connection's partitions, canonical included: what the UI launches."""
    conn = config.connection(sync.connection)
    return client.launch_backfill(
        connection_keys(conn),
        sync.start.isoformat(),
        sync.end.isoformat(),
        unpartitioned=[list(k.path) for k in CANONICAL_KEYS],
        tags={"ecom_sync/connection": conn.name, "ecom_sync/sync_mode": sync.mode},
        title=str(sync),
    )

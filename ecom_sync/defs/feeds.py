"""Sensors over the platforms' feeds (``sources/feeds.py``): one per (connection, feed).

Each poll starts from the sensor's cursor (kept by the Dagster instance, so it survives
daemon restarts), and each new item launches one run of the feed's job with the item's
key as run key (an item never starts two runs). The job lands and stages the feed's
streams for the item's days, rebuilds canonical and publishes to every destination that
receives the connection; the run's tags say what it carried.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from ecom_sync.config import ConfigError, ConnectionConfig, EcomSyncConfig
from ecom_sync.defs.keys import CANONICAL_KEYS, landing_key, staging_key
from ecom_sync.defs.partitions import range_tags
from ecom_sync.defs.publish import outbox_key, published_key
from ecom_sync.sources.feeds import Feed, FeedItem
from ecom_sync.sources.http import SourceError
from ecom_sync.sources.registry import get_platform

CARRIED_TAG_CHARS = 1000  # the run's tag lists what it carried, up to this long
# Queued runs start highest priority first: a feed run (an order to send within a minute,
# SS2) goes ahead of the half-hourly schedule's runs when they fill the run slots.
FEED_RUN_PRIORITY = "10"


def feed_name(conn: ConnectionConfig, feed: Feed) -> str:
    return f"feed_{conn.name}_{feed.name}"


def feed_job(config: EcomSyncConfig, conn: ConnectionConfig,
             feed: Feed) -> UnresolvedAssetJobDefinition:
    streams = {s.name for s in get_platform(conn.platform).enabled_streams(conn)}
    keys = [k for s in feed.streams if s in streams
            for k in (landing_key(conn.name, s), staging_key(conn.name, s))]
    keys += CANONICAL_KEYS
    for dest in config.enabled_destinations:
        receives = dest.published_connections()
        if receives is None or conn.name in receives:
            keys += [outbox_key(dest), published_key(dest)]
    return dg.define_asset_job(
        f"{feed_name(conn, feed)}_job",
        selection=dg.AssetSelection.assets(*keys),
        description=f"{conn.store_name}: {feed.description}; then canonical and the publish",
        tags={"ecom_sync/connection": conn.name, "ecom_sync/feed": feed.name},
        # A feed run carries a few records and its steps follow each other: they run in
        # the run's own process (a process per step costs seconds each, and an order is
        # due at the destination within a minute, SS2). Pools still apply.
        executor_def=dg.in_process_executor,
    )


def _days(item: FeedItem, conn: ConnectionConfig, now: datetime) -> tuple[date, date]:
    """The days the item's run syncs, clipped to [the store's first day, today]."""
    first, last = conn.history_start, now.astimezone(UTC).date()
    start = min(max(item.start.astimezone(UTC).date(), first), last)
    end = min(max(item.end.astimezone(UTC).date(), start), last)
    return start, end


def run_request(conn: ConnectionConfig, feed: Feed, item: FeedItem,
                now: datetime) -> dg.RunRequest:
    start, end = _days(item, conn, now)
    carried = ", ".join(item.carried)
    tags = {
        "dagster/priority": FEED_RUN_PRIORITY,
        "ecom_sync/sync_mode": "active",
        "ecom_sync/feed_item": item.key,
        "ecom_sync/carried_count": str(len(item.carried)),
        "ecom_sync/carried": carried if len(carried) <= CARRIED_TAG_CHARS
        else carried[: CARRIED_TAG_CHARS - 1] + "…",
        # When it happened at the store: the UI (and the demo) tell how long it took to
        # publish.
        "ecom_sync/store_time": item.happened_at.astimezone(UTC).isoformat(),
        # The item's days only, inside their year's partition (the run leaves the
        # connection's watermark alone: it synced some streams, not the connection).
        **range_tags(start, end, sync_from=start, sync_to=end),
    }
    return dg.RunRequest(run_key=item.key, tags=tags)


def feed_sensor(conn: ConnectionConfig, feed: Feed,
                job: UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    platform = get_platform(conn.platform)

    @dg.sensor(
        name=feed_name(conn, feed),
        job=job,
        minimum_interval_seconds=feed.interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"{conn.store_name}: {feed.description}",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        now = datetime.now(UTC)
        try:
            poll = platform.poll_feed(conn, feed, context.cursor, now)
        except (SourceError, ConfigError) as exc:
            # A failed tick, with a secret-free reason; the cursor stays where it was.
            raise dg.Failure(description=str(exc)) from None
        requests = [run_request(conn, feed, item, now) for item in poll.items]
        if not requests:
            return dg.SensorResult(skip_reason=f"nothing new at {conn.store_name}",
                                   cursor=poll.cursor)
        return dg.SensorResult(run_requests=requests, cursor=poll.cursor)

    return _sensor


def feed_definitions(config: EcomSyncConfig) -> dg.Definitions:
    """A job and a sensor (RUNNING by default) per feed of every enabled connection (S3:
    a disconnected store is not watched)."""
    jobs, sensors = [], []
    for conn in config.enabled_connections:
        for feed in get_platform(conn.platform).feeds(conn):
            job = feed_job(config, conn, feed)
            jobs.append(job)
            sensors.append(feed_sensor(conn, feed, job))
    return dg.Definitions(jobs=jobs, sensors=sensors)

"""Yearly partitions per connection, the sync window of a run, and where the last sync ended.

Why years, not days: Dagster writes one ``ASSET_MATERIALIZATION_PLANNED`` event when it
creates a run and one ``ASSET_MATERIALIZATION`` event when the step ends, per partition and
asset of the run, each its own SQLite commit on two files (dagster-io/dagster#19829,
#31694). Ten years of days are 3,650 partitions × 10 assets per store, tens of minutes of
bookkeeping around a few minutes of work; ten years of months still 1,200 pairs; ten years
are 11 partitions, this one included (see ``bench/ANALYSIS.md``).

Why the active and manual syncs stay as cheap as with days: their runs carry
``ecom_sync/sync_from`` (a day) and the window starts there, not on 1 January: a run pages
only what changed since the day of the last good sync. ``ecom_sync/sync_to`` (a day, the
last one) ends a re-sync of a date range inside a year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import dagster as dg

from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.landing import Window

PERIOD_CRON = "0 0 1 1 *"  # a partition per calendar year (UTC)
KEY_FMT = "%Y"
SYNC_FROM_TAG = "ecom_sync/sync_from"  # ISO day: the run syncs from this day's start
SYNC_TO_TAG = "ecom_sync/sync_to"  # ISO day: ... through this day's end
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
SYNCED_THROUGH = "synced_through"  # metadata: every change before this instant is in
WATERMARK_LOOKBACK = 25  # materializations read to skip re-syncs of a range that set none
# A sync resumes from the start of the day this long before the last one ended: records
# that show up in the API a little late (or a store clock behind ours) are still paged,
# as the first tick of a day used to re-sync the day before.
RESUME_MARGIN = timedelta(hours=1)


def connection_partitions(conn: ConnectionConfig) -> dg.TimeWindowPartitionsDefinition:
    """Years from the one holding the store's first day; ``end_offset=1`` so the current
    year exists (M1)."""
    return dg.TimeWindowPartitionsDefinition(
        cron_schedule=PERIOD_CRON,
        start=partition_key(conn.history_start),
        fmt=KEY_FMT,
        end_offset=1,
        timezone="UTC",
    )


def partition_key(day: date) -> str:
    return day.strftime(KEY_FMT)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def range_tags(
    first_day: date, last_day: date, sync_from: date | None = None, sync_to: date | None = None
) -> dict[str, str]:
    """Run tags for one run over the partitions holding ``[first_day, last_day]``,
    narrowed to ``[sync_from, sync_to]`` if given (what a single-run backfill's run carries
    when its backfill has these tags)."""
    tags = {RANGE_START_TAG: partition_key(first_day), RANGE_END_TAG: partition_key(last_day)}
    if sync_from is not None:
        tags[SYNC_FROM_TAG] = sync_from.isoformat()
    if sync_to is not None:
        tags[SYNC_TO_TAG] = sync_to.isoformat()
    return tags


def _tag_day(context: dg.AssetExecutionContext, tag: str) -> datetime | None:
    value = context.run.tags.get(tag)
    return day_start(date.fromisoformat(value)) if value else None


def sync_window(
    context: dg.AssetExecutionContext, partitions_def: dg.TimeWindowPartitionsDefinition
) -> tuple[Window, bool]:
    """The run's half-open window: its partitions (one, or a single-run backfill's range;
    built from the key range, which direct invocation also has), narrowed by the run's
    ``sync_from`` / ``sync_to`` tags; and whether it reaches the end of its last partition
    (only such a run moves the connection's watermark)."""
    keys = context.partition_key_range
    first = partitions_def.time_window_for_partition_key(keys.start)
    last = partitions_def.time_window_for_partition_key(keys.end)
    start, end = first.start, last.end
    sync_from, sync_to = _tag_day(context, SYNC_FROM_TAG), _tag_day(context, SYNC_TO_TAG)
    if sync_to is not None and first.start < sync_to + timedelta(days=1) < end:
        end = sync_to + timedelta(days=1)
    if sync_from is not None and start < sync_from < end:
        start = sync_from
    return Window(start, end), end == last.end


def synced_through_metadata(until: datetime) -> dict[str, Any]:
    return {SYNCED_THROUGH: dg.MetadataValue.timestamp(until)}


def resume_day(through: datetime) -> date:
    """The day a sync after one that ended at ``through`` pages from."""
    return (through - RESUME_MARGIN).date()


def synced_through(instance: dg.DagsterInstance, keys: list[dg.AssetKey]) -> datetime | None:
    """The instant every change before which is in all of ``keys`` (a connection's staging
    assets): per asset, what the newest materialization of its newest materialized
    partition that recorded one says; the earliest of those. None until every asset has
    one (nothing synced yet)."""
    ends: list[datetime] = []
    for key in keys:
        # Keys of another partitioning (the days of an older ecom_sync) are left out.
        done = {k for k in instance.get_materialized_partitions(key) if _is_partition_key(k)}
        if not done:
            return None
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[max(done)]),
            limit=WATERMARK_LOOKBACK,
        ).records
        found = [
            r.asset_materialization.metadata[SYNCED_THROUGH].value
            for r in records
            if r.asset_materialization and SYNCED_THROUGH in r.asset_materialization.metadata
        ]
        if not found:
            return None
        ends.append(datetime.fromtimestamp(found[0], UTC))
    return min(ends) if ends else None


def _is_partition_key(key: str) -> bool:
    try:
        datetime.strptime(key, KEY_FMT)
    except ValueError:
        return False
    return True


def partitions_synced(
    instance: dg.DagsterInstance, conn: ConnectionConfig, keys: list[dg.AssetKey],
    first_day: date, last_day: date,
) -> bool:
    """Whether every partition holding ``[first_day, last_day]`` was synced before for all
    of ``keys``: then re-syncing part of it leaves each partition's status true."""
    wanted = connection_partitions(conn).get_partition_keys_in_range(
        dg.PartitionKeyRange(partition_key(first_day), partition_key(last_day))
    )
    return all(set(wanted) <= instance.get_materialized_partitions(key) for key in keys)

"""Daily partitions per connection and the sync window of a run."""

from __future__ import annotations

import dagster as dg

from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.landing import Window


def connection_partitions(conn: ConnectionConfig) -> dg.DailyPartitionsDefinition:
    """From the store's first day; ``end_offset=1`` so today's partition exists (M1)."""
    return dg.DailyPartitionsDefinition(
        start_date=conn.history_start.isoformat(), end_offset=1, timezone="UTC"
    )


def sync_window(
    context: dg.AssetExecutionContext, partitions_def: dg.DailyPartitionsDefinition
) -> Window:
    """The run's half-open window, built from the key range (works for single partitions,
    single-run backfills of a range, and direct invocation, where
    ``context.partition_time_window`` raises)."""
    keys = context.partition_key_range
    first = partitions_def.time_window_for_partition_key(keys.start)
    last = partitions_def.time_window_for_partition_key(keys.end)
    return Window(first.start, last.end)

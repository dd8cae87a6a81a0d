"""Per-connection assets: landing (API → files) and staging (files → DuckDB)."""


from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
from dagster import AssetExecutionContext

from ecom_sync import paths
from ecom_sync.config import ConfigError, ConnectionConfig
from ecom_sync.defs.keys import landing_key, staging_key
from ecom_sync.defs.partitions import (
    connection_partitions,
    sync_window,
    synced_through_metadata,
)
from ecom_sync.sources.http import SourceError
from ecom_sync.sources.landing import LandingWriter
from ecom_sync.sources.registry import Platform, get_platform
from ecom_sync.warehouse.db import connect, markdown_preview
from ecom_sync.warehouse.staging import ensure_schema, register_connection, stage_stream


def _tags(conn: ConnectionConfig) -> dict[str, str]:
    return {"ecom_sync/platform": conn.platform, "ecom_sync/connection": conn.name}


def build_landing_asset(conn: ConnectionConfig, platform: Platform) -> dg.AssetsDefinition:
    partitions_def = connection_partitions(conn)
    streams = {landing_key(conn.name, s.name): s for s in platform.enabled_streams(conn)}
    specs = [
        dg.AssetSpec(
            key,
            description=f"{conn.store_name}: raw API pages. {stream.description}.",
            group_name=conn.name,
            kinds={conn.platform, "json"},
            tags=_tags(conn),
            partitions_def=partitions_def,
            skippable=True,
            metadata={"primary_key": ",".join(stream.primary_key), "cursor": stream.cursor_field},
        )
        for key, stream in streams.items()
    ]

    @dg.multi_asset(
        name=f"landing_{conn.name}",
        specs=specs,
        can_subset=True,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=f"api_{conn.name}",
    )
    def _landing(context: AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        if not conn.enabled:
            raise dg.Failure(f"connection '{conn.name}' is disconnected (enabled: false)")
        window, _ = sync_window(context, partitions_def)
        for key in sorted(context.selected_asset_keys, key=lambda k: k.to_user_string()):
            stream = streams[key]
            # Taken before the walk, whose own upper bound is this or later: changes after
            # it are left to the next sync.
            until = min(window.end, datetime.now(UTC))
            try:
                with LandingWriter(paths.landing_dir(), conn.name, stream.name, window) as writer:
                    stats = platform.extract(conn, stream, window, writer)
                    folder = writer.commit(stream=stream.name, synced_through=until.isoformat(),
                                           **stats.as_metadata())
            except (SourceError, ConfigError) as exc:
                # Clear, secret-free message; the run fails rather than landing half a window.
                raise dg.Failure(description=str(exc)) from None
            context.log.info(
                f"{key.to_user_string()}: {stats.records} records in {stats.pages} pages, "
                f"{stats.requests} requests for {window.start:%Y-%m-%d}..{window.end:%Y-%m-%d}"
            )
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={
                    "dagster/row_count": stats.records,
                    "window": f"[{window.start.isoformat()}, {window.end.isoformat()})",
                    "landing_folder": dg.MetadataValue.path(str(folder)),
                    **synced_through_metadata(until),
                    **{k: v for k, v in stats.as_metadata().items() if k != "skipped"},
                    "skipped": dg.MetadataValue.json(stats.skipped or {}),
                    "preview": dg.MetadataValue.md(
                        f"{stats.records} records, {stats.pages} pages, "
                        f"{stats.requests} API requests ({stats.retries} retried)"
                    ),
                },
            )

    return _landing


def build_staging_asset(conn: ConnectionConfig, platform: Platform) -> dg.AssetsDefinition:
    partitions_def = connection_partitions(conn)
    streams = {staging_key(conn.name, s.name): s for s in platform.enabled_streams(conn)}
    specs = [
        dg.AssetSpec(
            key,
            deps=[landing_key(conn.name, stream.name)],
            description=f"{conn.store_name}: {stream.description}; newest version per key.",
            group_name=conn.name,
            kinds={conn.platform, "duckdb"},
            tags=_tags(conn),
            partitions_def=partitions_def,
            skippable=True,
            metadata={"dagster/table_name": f"staging.{stream.staging_table}"},
        )
        for key, stream in streams.items()
    ]

    @dg.multi_asset(
        name=f"staging_{conn.name}",
        specs=specs,
        can_subset=True,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool="duckdb_write",
    )
    def _staging(context: AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        window, to_the_end = sync_window(context, partitions_def)
        with connect() as con:
            ensure_schema(con, platform)
            register_connection(con, platform, conn)
            for key in sorted(context.selected_asset_keys, key=lambda k: k.to_user_string()):
                stream = streams[key]
                results = stage_stream(con, platform, conn, stream, window, paths.landing_dir())
                main = results[0]
                preview = markdown_preview(
                    con,
                    f"select * exclude (_extracted_at) from staging.{main.table} "
                    f"where connection = ? order by {stream.cursor_field} desc limit 5",
                    [conn.name],
                )
                yield dg.MaterializeResult(
                    asset_key=key,
                    metadata={
                        "dagster/row_count": main.table_rows,
                        "dagster/table_name": f"staging.{main.table}",
                        "files_loaded": main.files,
                        "rows_read": main.rows_read,
                        "rows_written": main.rows_written,
                        **{f"{r.table}_rows": r.table_rows for r in results[1:]},
                        "preview": dg.MetadataValue.md(preview),
                        # A re-sync ending inside its last partition leaves the
                        # watermark (where the next active sync starts) where it was.
                        **(synced_through_metadata(main.synced_through)
                           if main.synced_through and to_the_end else {}),
                    },
                )

    return _staging


def connection_assets(conn: ConnectionConfig) -> list[dg.AssetsDefinition]:
    platform = get_platform(conn.platform)
    return [build_landing_asset(conn, platform), build_staging_asset(conn, platform)]

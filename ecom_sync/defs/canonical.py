"""Canonical tables: built beside the live ones, checked, then swapped in."""


from collections.abc import Iterator

import dagster as dg
from dagster import AssetExecutionContext

from ecom_sync.config import EcomSyncConfig
from ecom_sync.defs.keys import canonical_key, staging_key
from ecom_sync.sources.registry import get_platform
from ecom_sync.warehouse.build import MODELS, build_canonical
from ecom_sync.warehouse.checks import CHECKS
from ecom_sync.warehouse.db import connect, markdown_preview

DESCRIPTIONS = {
    "products": "Catalog products of every store, prices in minor units",
    "customers": "One row per store customer with an e-mail (C1), consent kept (C3)",
    "orders": "Orders of every status; revenue only from paid ones; guests flagged (BC1, BC3)",
    "order_lines": "Order lines with catalog category, image and description (BC5, E3)",
    "abandoned_carts": "Abandoned carts with recovery URL; recovered when bought (BC6)",
    "contacts": "One contact per normalised e-mail across all stores (C1, C2)",
    "contact_segments": "Segment attributes per contact: revenue, orders, products, dates (E1, E4)",
    "skipped_records": "What could not be synced and why (C6, BC3)",
}

# Fire when any staging partition lands, without waiting for every historical partition
# (plain eager() on an unpartitioned child of partitioned assets waits for all of them).
CANONICAL_CONDITION = (
    dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())
)


def build_canonical_asset(config: EcomSyncConfig) -> dg.AssetsDefinition:
    platforms = sorted({c.platform for c in config.connections})
    deps = [
        staging_key(conn.name, stream.name)
        for conn in config.connections
        for stream in get_platform(conn.platform).enabled_streams(conn)
    ]
    specs = [
        dg.AssetSpec(
            canonical_key(model),
            deps=deps,
            description=DESCRIPTIONS[model],
            group_name="canonical",
            kinds={"duckdb", "sql"},
            metadata={"dagster/table_name": f"canonical.{model}"},
            automation_condition=CANONICAL_CONDITION,
            skippable=True,
        )
        for model in MODELS
    ]
    check_specs = [
        dg.AssetCheckSpec(c.name, asset=canonical_key(c.asset), description=c.description,
                          blocking=True)
        for c in CHECKS
    ]

    @dg.multi_asset(name="canonical_models", specs=specs, check_specs=check_specs,
                    pool="duckdb_write")
    def _canonical(
        context: AssetExecutionContext,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        with connect() as con:
            result = build_canonical(con, [get_platform(p) for p in platforms],
                                     {c.name: c.consent_policy for c in config.connections})
            previews = {
                m: markdown_preview(con, f"select * from canonical.{m} limit 5") for m in MODELS
            } if result.swapped else {}
        checks_by_asset: dict[str, list[dg.AssetCheckResult]] = {}
        for outcome in result.checks:
            checks_by_asset.setdefault(outcome.check.asset, []).append(
                dg.AssetCheckResult(
                    check_name=outcome.check.name,
                    asset_key=canonical_key(outcome.check.asset),
                    passed=outcome.passed,
                    severity=dg.AssetCheckSeverity.ERROR,
                    metadata={"failing_rows": outcome.failing_rows},
                )
            )
        if not result.swapped:
            # The live tables stay as they were: report the checks, materialise nothing.
            for results in checks_by_asset.values():
                yield from results
            failed = ", ".join(
                f"{o.check.name} ({o.failing_rows} rows)" for o in result.failed_checks
            )
            raise dg.Failure(
                description=f"canonical checks failed: {failed}; the live tables were kept"
            )
        for model in MODELS:
            metadata: dict[str, object] = {
                "dagster/row_count": result.row_counts[model],
                "preview": dg.MetadataValue.md(previews[model]),
            }
            if model == "skipped_records":
                metadata["skipped_by_reason"] = dg.MetadataValue.json(result.skipped)
            yield dg.MaterializeResult(
                asset_key=canonical_key(model),
                metadata=metadata,
                check_results=checks_by_asset.get(model, []),
            )

    return _canonical

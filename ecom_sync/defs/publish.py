"""Per destination: the outbox (canonical → desired objects) and the publish of its delta."""

import json
from datetime import UTC, datetime

import dagster as dg
from dagster import AssetExecutionContext

from ecom_sync import paths
from ecom_sync.config import ConfigError, DestinationConfig
from ecom_sync.defs.keys import CANONICAL_KEYS
from ecom_sync.destinations.registry import get_destination
from ecom_sync.publish.ledger import Ledger
from ecom_sync.publish.outbox import build_outbox
from ecom_sync.publish.reconcile import reconcile_destination
from ecom_sync.sources.erasure import mask_emails
from ecom_sync.sources.http import SourceError
from ecom_sync.warehouse.db import connect

FOLLOW_CANONICAL = dg.AutomationCondition.eager()


class PublishConfig(dg.Config):
    """Launchpad switches for a publish run."""

    dry_run: bool = False  # show what would be sent, send nothing
    fire_nothing: bool = False  # send every order as historical: no automations fire


def outbox_key(dest: DestinationConfig) -> dg.AssetKey:
    return dg.AssetKey([dest.name, "outbox"])


def published_key(dest: DestinationConfig) -> dg.AssetKey:
    return dg.AssetKey([dest.name, "published"])


def build_outbox_asset(dest: DestinationConfig) -> dg.AssetsDefinition:
    destination = get_destination(dest.type)

    @dg.asset(
        key=outbox_key(dest),
        deps=list(CANONICAL_KEYS),
        group_name=dest.name,
        kinds={"duckdb", "parquet", dest.type},
        pool="duckdb_write",
        automation_condition=FOLLOW_CANONICAL,
        description=(f"What {dest.name} should hold, one row per object with its payload hash; "
                     "only new and changed objects are rendered"),
    )
    def _outbox(context: AssetExecutionContext) -> dg.MaterializeResult:
        out = paths.outbox_path(dest.name)
        with connect() as con:
            built = build_outbox(con, destination.sql_dir, destination.kinds,
                                 destination.outbox_params(dest), out,
                                 connections=dest.published_connections(),
                                 opt_outs=Ledger.opt_outs_file(paths.ledger_path(dest.name)))
        rows = [f"| {k} | {n} | {built.to_send.get(k, 0)} | {built.rendered.get(k, 0)} |"
                for k, n in built.objects.items()]
        return dg.MaterializeResult(metadata={
            "dagster/row_count": sum(built.objects.values()),
            "objects_by_kind": dg.MetadataValue.json(built.objects),
            "rendered_by_kind": dg.MetadataValue.json(built.rendered),
            "removed": built.removed,
            "generation": built.generation,
            "generations_on_disk": built.generations,
            "compacted": built.compacted,
            "path": dg.MetadataValue.path(str(out)),
            "preview": dg.MetadataValue.md(
                "| kind | objects | to send | rendered this run |\n|---|---|---|---|\n"
                + "\n".join(rows)),
        })

    return _outbox


def build_publish_asset(dest: DestinationConfig) -> dg.AssetsDefinition:
    destination = get_destination(dest.type)

    @dg.asset(
        key=published_key(dest),
        deps=[outbox_key(dest)],
        group_name=dest.name,
        kinds={dest.type},
        pool=f"api_{dest.name}",
        automation_condition=FOLLOW_CANONICAL,
        check_specs=[dg.AssetCheckSpec("no_failed_rows", asset=published_key(dest),
                                       description="Rows the destination rejected (422)")],
        description=f"Sends only what changed to {dest.name}, at its rate limit",
    )
    def _published(context: AssetExecutionContext, config: PublishConfig):
        if not dest.enabled:
            raise dg.Failure(f"destination '{dest.name}' is disabled (enabled: false)")
        try:
            report = destination.publish(
                dest, paths.outbox_path(dest.name), paths.ledger_path(dest.name),
                datetime.now(UTC), dry_run=config.dry_run, fire_nothing=config.fire_nothing)
        except (SourceError, ConfigError) as exc:
            raise dg.Failure(description=str(exc)) from None
        context.log.info(mask_emails(report.text()))  # logs never show an address
        totals = report.totals()
        metadata = {
            "dry_run": report.dry_run,
            "requests": report.requests,
            "throttled_responses": report.throttled,
            "real_time_orders": report.fired_automations,
            "seconds": round(report.seconds, 1),
            "summary": dg.MetadataValue.md(
                "| object | to send | created | updated | unchanged | skipped | failed |\n"
                "|---|---|---|---|---|---|---|\n" + "\n".join(
                    f"| {k} | {t['to_send']} | {t['created']} | {t['updated']} | "
                    f"{t['unchanged']} | {t['skipped']} | {t['failed']} |"
                    for k, t in totals.items())),
            "skipped_by_reason": dg.MetadataValue.json(report.skipped),
            **{f"{k}_{what}": n for k, t in totals.items() for what, n in t.items()},
        }
        if report.dry_run:
            metadata["samples"] = dg.MetadataValue.json(
                json.loads(mask_emails(json.dumps(report.samples, default=str))))
        yield dg.MaterializeResult(
            metadata=metadata,
            check_results=[dg.AssetCheckResult(
                check_name="no_failed_rows",
                passed=report.failed == 0,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"failed": report.failed,
                          "reasons": dg.MetadataValue.json(
                              [mask_emails(f"{k} {key}: {e}") for k, key, e in
                               report.errors[:50]])},
            )],
        )

    return _published


def _was_dry_run(context: dg.AssetCheckExecutionContext, key: dg.AssetKey) -> bool:
    """The publish this check follows was a dry run (nothing sent: nothing to read back)."""
    event = context.instance.get_latest_materialization_event(key)
    if event is None or event.asset_materialization is None:
        return False
    flag = event.asset_materialization.metadata.get("dry_run")
    return bool(flag.value) if flag is not None else False


def build_reconcile_check(dest: DestinationConfig) -> dg.AssetChecksDefinition:
    """After each publish: read a sample of what was sent back from the destination, within
    a request budget, and warn on drift (``ecom-sync reconcile`` reads everything)."""
    destination = get_destination(dest.type)

    @dg.asset_check(
        asset=published_key(dest), name="matches_destination", pool=f"api_{dest.name}",
        description=(f"A sample of {dest.reconcile_sample} sent objects per kind read back "
                     f"from {dest.name} (≤ {dest.reconcile_max_requests} requests): missing, "
                     "extra or different objects warn"),
    )
    def _matches(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        if not dest.enabled:
            return dg.AssetCheckResult(passed=True, metadata={"skipped": "disabled"})
        if _was_dry_run(context, published_key(dest)):
            return dg.AssetCheckResult(passed=True, metadata={"skipped": "dry run"})
        try:
            report = reconcile_destination(
                destination, dest, paths.outbox_path(dest.name), paths.ledger_path(dest.name),
                sample=dest.reconcile_sample, max_requests=dest.reconcile_max_requests)
        except (SourceError, ConfigError) as exc:
            return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                                       metadata={"error": str(exc)})
        context.log.info(report.text(mask=True))
        return dg.AssetCheckResult(
            passed=report.drift == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "drift": report.drift,
                "requests": report.requests,
                "by_kind": dg.MetadataValue.json(report.totals()),
                "samples": dg.MetadataValue.json(report.samples(mask=True)),
                "not_read_back": dg.MetadataValue.json(report.unreadable),
                "budget_spent_on": dg.MetadataValue.json(
                    sorted(k for k, d in report.kinds.items() if not d.complete)),
            },
        )

    return _matches


def publish_job_name(dest: DestinationConfig) -> str:
    return f"publish_{dest.name}_job"


def destination_definitions(destinations: tuple[DestinationConfig, ...]) -> dg.Definitions:
    assets = []
    checks = []
    jobs = []
    for dest in destinations:
        assets += [build_outbox_asset(dest), build_publish_asset(dest)]
        checks.append(build_reconcile_check(dest))
        jobs.append(dg.define_asset_job(
            publish_job_name(dest),
            selection=dg.AssetSelection.assets(outbox_key(dest), published_key(dest)),
            description=f"Build the outbox and publish its delta to {dest.name}",
        ))
    return dg.Definitions(assets=assets, asset_checks=checks, jobs=jobs)

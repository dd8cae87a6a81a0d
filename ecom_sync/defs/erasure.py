"""The erasure job: ``forget_job`` with the e-mail as run config (what ``ecom-sync forget``
does, launched from the UI). The run's config holds the address in Dagster's run storage;
delete the run afterwards if that must not stay (the CLI leaves no such record)."""

import dagster as dg

from ecom_sync.config import ConfigError, EcomSyncConfig
from ecom_sync.erasure import forget

FORGET_JOB = "forget_job"


class ForgetConfig(dg.Config):
    email: str  # the person's e-mail address (any case)


def erasure_definitions(settings: EcomSyncConfig) -> dg.Definitions:
    @dg.op(pool="duckdb_write", out=dg.Out(dg.Nothing),
           description="Erase one person from the warehouse, landing files, outboxes, "
                       "ledgers and destinations; keep a tombstone")
    def forget_person(context: dg.OpExecutionContext, config: ForgetConfig) -> dg.Output:
        try:
            report = forget(settings, config.email)
        except ConfigError as exc:
            raise dg.Failure(description=str(exc)) from None
        context.log.info(report.text())
        return dg.Output(None, metadata={
            "tombstone": report.tombstone,
            "deleted": dg.MetadataValue.json(report.deleted),
            "records_deleted": report.total(),
            "notes": dg.MetadataValue.json(report.notes),
        })

    @dg.job(name=FORGET_JOB, description="Erase a person (GDPR): run config ops."
            "forget_person.config.email")
    def forget_job() -> None:
        forget_person()

    return dg.Definitions(jobs=[forget_job])

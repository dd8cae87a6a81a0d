"""The job the crash suite runs, loadable in a step process of its own (``reconstructable``):
every asset of the config in ``ECOM_SYNC_CONFIG``, as Dagster builds it for the UI."""

from __future__ import annotations

import dagster as dg

from ecom_sync.config_loader import load_config
from ecom_sync.defs import build_definitions


def pipeline_job() -> dg.JobDefinition:
    return build_definitions(load_config()).resolve_implicit_global_asset_job_def()

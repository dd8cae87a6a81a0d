"""The one ``Definitions`` object (workspace.yaml and the CLI point here)."""

from __future__ import annotations

import dagster as dg

from ecom_sync.config_loader import load_config
from ecom_sync.defs import build_definitions


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(load_config())

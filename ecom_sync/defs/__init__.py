"""Dagster definitions only: built from the connections in ``ecom_sync.yaml``."""

from __future__ import annotations

import dagster as dg

from ecom_sync.config import EcomSyncConfig
from ecom_sync.defs.automation import automation_definitions
from ecom_sync.defs.canonical import build_canonical_asset
from ecom_sync.defs.connections import connection_assets
from ecom_sync.defs.erasure import erasure_definitions
from ecom_sync.defs.feeds import feed_definitions
from ecom_sync.defs.publish import destination_definitions


def build_definitions(config: EcomSyncConfig) -> dg.Definitions:
    assets: list[dg.AssetsDefinition] = []
    for conn in config.connections:
        assets.extend(connection_assets(conn))
    assets.append(build_canonical_asset(config))
    return dg.Definitions.merge(
        dg.Definitions(assets=assets),
        destination_definitions(config.destinations),
        automation_definitions(config),
        erasure_definitions(config),
        feed_definitions(config),
    )

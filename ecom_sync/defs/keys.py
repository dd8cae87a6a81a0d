"""Asset keys: ``[layer, connection, stream]``; the lineage shows every store."""

from __future__ import annotations

import dagster as dg

from ecom_sync.warehouse.build import MODELS


def landing_key(connection: str, stream: str) -> dg.AssetKey:
    return dg.AssetKey(["landing", connection, stream])


def staging_key(connection: str, stream: str) -> dg.AssetKey:
    return dg.AssetKey(["staging", connection, stream])


def canonical_key(model: str) -> dg.AssetKey:
    return dg.AssetKey(["canonical", model])


CANONICAL_KEYS = tuple(canonical_key(m) for m in MODELS)

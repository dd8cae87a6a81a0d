"""Where ecom_sync keeps local state: one git-ignored folder (``ECOM_SYNC_HOME``)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def home() -> Path:
    """The state folder; defaults to ``.ecom_sync`` in the current directory."""
    return Path(os.environ.get("ECOM_SYNC_HOME", ".ecom_sync")).resolve()


def duckdb_path() -> Path:
    return Path(os.environ.get("ECOM_SYNC_DUCKDB", home() / "warehouse.duckdb")).resolve()


def landing_dir() -> Path:
    return home() / "landing"


def webhook_store_path() -> Path:
    return home() / "webhooks" / "events.sqlite"


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME", home() / "dagster")).resolve()


def config_path() -> Path:
    """The connections file: ``ECOM_SYNC_CONFIG`` or the bundled demo config."""
    configured = os.environ.get("ECOM_SYNC_CONFIG")
    return Path(configured).resolve() if configured else PACKAGE_DIR / "demo" / "ecom_sync.yaml"


def outbox_path(destination: str) -> Path:
    """The destination's outbox folder (generations of Parquet files and a manifest)."""
    return home() / "outbox" / destination


def ledger_path(destination: str) -> Path:
    return home() / "ledger" / f"{destination}.duckdb"


def erasure_dir() -> Path:
    """Erasure state: the installation's salt and the tombstones (salted hashes only)."""
    return home() / "erasure"

"""Shared test helpers: a stand-in with two stores, a config pointing at it, sync runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

from ecom_sandbox.bigcommerce.sandbox import Sandbox, Settings
from ecom_sync.config import EcomSyncConfig
from ecom_sync.config_loader import parse_config
from ecom_sync.defs import build_definitions
from ecom_sync.defs.automation import CANONICAL_JOB, sync_job_name
from ecom_sync.sync_modes import SyncRange

TOKENS = {"TEST_OUTDOOR_TOKEN": "sandbox-token-acmeoutdoor",
          "TEST_EUROPE_TOKEN": "sandbox-token-acmeeu",
          "TEST_WEBHOOK_SECRET": "test-webhook-secret"}
HISTORY_DAYS = 45


def today() -> date:
    return datetime.now(UTC).date()


def history_start() -> date:
    return today() - timedelta(days=HISTORY_DAYS)


def small_sandbox(seed: int = 11, **sizes: Any) -> Sandbox:
    sizes = {"customers": 50, "orders": 120, "products": 20, "carts": 12, **sizes}
    return Sandbox.demo(
        seed,
        rate_limit_quota=100_000,
        history_days=HISTORY_DAYS,
        settings=Settings(cart_idle_seconds=0, webhook_backfill=True),
        **sizes,
    )


def config_dict(base_url: str, receiver_url: str | None = None, **overrides: Any) -> dict:
    common = {"platform": "bigcommerce", "api_base_url": base_url,
              "history_start": history_start().isoformat(), "page_size": 50}
    if receiver_url:
        common["webhooks"] = {"public_url": receiver_url, "secret_env": "TEST_WEBHOOK_SECRET"}
    connections = [
        {"name": "acme_outdoor", "store_name": "Acme Outdoor", "store_hash": "acmeoutdoor",
         "currency": "USD", "token_env": "TEST_OUTDOOR_TOKEN", **common},
        {"name": "acme_europe", "store_name": "Acme Europe", "store_hash": "acmeeu",
         "currency": "EUR", "token_env": "TEST_EUROPE_TOKEN", **common},
    ]
    for conn in connections:
        conn.update(overrides.get(conn["name"], {}))
    return {"connections": connections}


def make_config(base_url: str, receiver_url: str | None = None, **overrides: Any) -> EcomSyncConfig:
    return parse_config(config_dict(base_url, receiver_url, **overrides))


def write_config(path: Path, base_url: str, **overrides: Any) -> Path:
    path.write_text(yaml.safe_dump(config_dict(base_url, **overrides)))
    return path


def sync(
    defs: dg.Definitions, connection: str, start: date, end: date, mode: str = "range",
    **kwargs: Any,
) -> dg.ExecuteInProcessResult:
    """What the single-run backfill of a sync of [start, end] runs, in process: the years
    holding those days (``mode="manual"``: paged from ``start``, as ``--since last``)."""
    job = defs.resolve_job_def(sync_job_name(connection))
    return job.execute_in_process(
        tags=SyncRange(connection, mode, start, end).run_tags(), **kwargs
    )


def build_canonical(defs: dg.Definitions, **kwargs: Any) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(CANONICAL_JOB).execute_in_process(**kwargs)


def historical_sync(config: EcomSyncConfig, **kwargs: Any) -> dg.Definitions:
    defs = build_definitions(config)
    for conn in config.connections:
        assert sync(defs, conn.name, conn.history_start, today(), "historical",
                    **kwargs).success
    assert build_canonical(defs, **kwargs).success
    return defs


CANONICAL_TABLES = ("customers", "orders", "order_lines", "products", "contacts",
                    "contact_segments", "abandoned_carts", "skipped_records")


def warehouse_snapshot(home: Path) -> dict[str, list[tuple]]:
    """The canonical tables and the BigCommerce staging tables (without extract times) of
    the warehouse under ``home``, sorted: two syncs of the same data compare equal."""
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        out = {f"canonical.{t}": con.execute(f"select * from canonical.{t} order by all").fetchall()
               for t in CANONICAL_TABLES}
        for t in ("customers", "orders", "subscribers", "products"):
            out[f"staging.{t}"] = con.execute(
                f"select * exclude (_extracted_at) from staging.bigcommerce_{t} order by all"
            ).fetchall()
        return out
    finally:
        con.close()


def make_outbox(synced: Any, out: Path, **dest_overrides: Any) -> Path:
    """The ActiveCampaign outbox (a folder) of a synced warehouse (``synced.duckdb``),
    built or brought up to date."""
    import duckdb

    from ecom_sync.destinations.activecampaign import DESTINATION
    from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination
    from ecom_sync.publish.outbox import build_outbox

    dest = ActiveCampaignDestination(name="activecampaign", type="activecampaign",
                                     api_url="http://unused", token_env="TEST_AC_TOKEN",
                                     **dest_overrides)
    con = duckdb.connect(str(synced.duckdb), read_only=True)
    try:
        build_outbox(con, DESTINATION.sql_dir, DESTINATION.kinds,
                     DESTINATION.outbox_params(dest), out)
    finally:
        con.close()
    return out


def outbox_rows(outbox: Path, where: str = "true") -> list[dict[str, Any]]:
    """The outbox's live objects (newest version of each), as dicts, in a stable order."""
    import duckdb

    from ecom_sync.publish.outbox import OutboxStore

    con = duckdb.connect()
    try:
        cur = con.execute(f"select * exclude (gen, deleted) from "
                          f"({OutboxStore(outbox).files().state_sql()}) where {where} "
                          "order by kind, key")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()

"""One benchmark step per process: ``python -m bench.steps STEP '<json args>'``.

Each step prints one JSON line (``BENCH_RESULT {...}``) with its in-process seconds (imports
and setup excluded), its phases and row counts. The driver (:mod:`bench.runner`) starts each
step in a fresh process and reads its peak RSS from ``wait4``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from bench.gen import STORES, WINDOW
from bench.history import history_direct, history_launch

STREAMS = ("customers", "orders", "products")
AC_TOKEN = "bench-ac-token"
PREFIX = "BENCH_RESULT "


def config_dict(ac_url: str = "http://127.0.0.1:9", history: date | None = None) -> dict:
    start = (history or WINDOW.start.date()).isoformat()
    return {
        "connections": [
            {"name": s.connection, "platform": "bigcommerce", "store_name": s.store_name,
             "store_hash": s.store_hash, "currency": s.currency, "token_env": "BENCH_BC_TOKEN",
             "history_start": start,
             "streams": {"customers": True, "subscribers": False, "orders": True,
                         "products": True, "carts": False}}
            for s in STORES
        ],
        "destinations": [
            {"name": "activecampaign", "type": "activecampaign", "api_url": ac_url,
             "token_env": "BENCH_AC_TOKEN"}
        ],
    }


def load_config(ac_url: str = "http://127.0.0.1:9") -> Any:
    from ecom_sync.config_loader import parse_config

    os.environ.setdefault("BENCH_BC_TOKEN", "unused")
    os.environ.setdefault("BENCH_AC_TOKEN", AC_TOKEN)
    return parse_config(config_dict(ac_url))


@contextmanager
def warehouse(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    from ecom_sync.warehouse.db import connect

    with connect(path) as con:
        yield con


class Clock:
    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.started = time.perf_counter()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - t

    @property
    def total(self) -> float:
        return time.perf_counter() - self.started


def _files(landing: Path, connection: str, stream: str) -> list[str]:
    from ecom_sync.sources.landing import landed_files

    return [str(f) for f in landed_files(landing, connection, stream, WINDOW)]


def _table_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        t: con.execute(f"select count(*) from staging.bigcommerce_{t}").fetchone()[0]
        for t in STREAMS
    }


# ----- 1. landing → staging -------------------------------------------------------------
def stage_ours(landing: str, db: str) -> dict[str, Any]:
    """Our staging: ``stage_stream`` per connection and stream (read_json → newest wins)."""
    from ecom_sync.sources.bigcommerce import PLATFORM
    from ecom_sync.warehouse.staging import ensure_schema, register_connection, stage_stream

    config = load_config()
    specs = {s.name: s for s in PLATFORM.streams}
    with warehouse(Path(db)) as con:
        clock = Clock()
        ensure_schema(con, PLATFORM)
        for conn in config.connections:
            register_connection(con, PLATFORM, conn)
            for stream in STREAMS:
                with clock.phase(stream):
                    stage_stream(con, PLATFORM, conn, specs[stream], WINDOW, Path(landing))
        seconds = clock.total
        rows = _table_rows(con)
    return {"seconds": seconds, "phases": clock.phases, "rows": rows,
            "records": sum(rows.values())}


def stage_bare(landing: str, db: str) -> dict[str, Any]:
    """Bare DuckDB: the same read_json selects inserted straight into the same tables."""
    from ecom_sync.sources.bigcommerce import PLATFORM
    from ecom_sync.warehouse.staging import ensure_schema

    config = load_config()
    with warehouse(Path(db)) as con:
        clock = Clock()
        ensure_schema(con, PLATFORM)
        for conn in config.connections:
            for stream in STREAMS:
                with clock.phase(stream):
                    con.execute(
                        f"insert into staging.bigcommerce_{stream} by name "
                        f"select * from ({PLATFORM.sql(f'stage_{stream}')})",
                        {"files": _files(Path(landing), conn.name, stream),
                         "connection": conn.name},
                    )
        seconds = clock.total
        rows = _table_rows(con)
    return {"seconds": seconds, "phases": clock.phases, "rows": rows,
            "records": sum(rows.values())}


def stage_dlt(landing: str, db: str) -> dict[str, Any]:
    """dlt (duckdb destination, parquet loader) loading the same pages."""
    import gzip

    import dlt

    Path(db).parent.mkdir(parents=True, exist_ok=True)
    pipelines_dir = Path(db).parent / "dlt_pipelines"
    os.environ["DLT_DATA_DIR"] = str(pipelines_dir)
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")

    def pages(stream: str) -> Callable[[], Iterator[list[dict[str, Any]]]]:
        def gen() -> Iterator[list[dict[str, Any]]]:
            for s in STORES:
                for path in _files(Path(landing), s.connection, stream):
                    with gzip.open(path, "rt", encoding="utf-8") as fh:
                        yield [{**json.loads(line), "connection": s.connection} for line in fh]
        return gen

    resources = [
        dlt.resource(pages(stream), name=f"bigcommerce_{stream}", primary_key="id",
                     write_disposition="append")
        for stream in STREAMS
    ]
    pipeline = dlt.pipeline(
        pipeline_name="bench_dlt", pipelines_dir=str(pipelines_dir),
        destination=dlt.destinations.duckdb(db), dataset_name="staging",
    )
    clock = Clock()
    with clock.phase("extract"):
        pipeline.extract(resources, loader_file_format="parquet")
    with clock.phase("normalize"):
        pipeline.normalize()
    with clock.phase("load"):
        pipeline.load()
    seconds = clock.total
    con = duckdb.connect(db, read_only=True)
    rows = {t: con.execute(f"select count(*) from staging.bigcommerce_{t}").fetchone()[0]
            for t in STREAMS}
    tables = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'staging'"
    ).fetchone()[0]
    con.close()
    return {"seconds": seconds, "phases": clock.phases, "rows": rows,
            "records": sum(rows.values()), "tables": tables}


# ----- 2. canonical build -------------------------------------------------------------
def _copy(src: str, db: str) -> None:
    shutil.copyfile(src, db)


def canonical_ours(src: str, db: str) -> dict[str, Any]:
    from ecom_sync.sources.bigcommerce import PLATFORM
    from ecom_sync.warehouse.build import build_canonical

    _copy(src, db)
    with warehouse(Path(db)) as con:
        clock = Clock()
        result = build_canonical(con, [PLATFORM])
        seconds = clock.total
    assert result.swapped, [c.check.name for c in result.failed_checks]
    return {"seconds": seconds, "rows": result.row_counts,
            "records": result.row_counts["contacts"]}


def canonical_bare(src: str, db: str) -> dict[str, Any]:
    """The SQL the build runs: conformed views, then each model's select into a table."""
    from ecom_sync.sources.bigcommerce import PLATFORM
    from ecom_sync.warehouse.build import MODELS, MODELS_DIR, create_conformed_views

    _copy(src, db)
    with warehouse(Path(db)) as con:
        clock = Clock()
        create_conformed_views(con, [PLATFORM])
        con.execute("create schema if not exists canonical_next")
        con.execute("set search_path = 'canonical_next'")
        for model in MODELS:
            with clock.phase(model):
                con.execute(f"create table canonical_next.{model} as "
                            f"{(MODELS_DIR / f'{model}.sql').read_text()}")
        seconds = clock.total
        contacts = con.execute("select count(*) from canonical_next.contacts").fetchone()[0]
    return {"seconds": seconds, "phases": clock.phases, "records": contacts}


# ----- 3. delta: outbox + ledger plan ------------------------------------------------
def _dest() -> Any:
    from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination

    return ActiveCampaignDestination(name="activecampaign", type="activecampaign",
                                     api_url="http://unused", token_env="BENCH_AC_TOKEN")


def delta(src: str, db: str, ledger: str, outbox: str, ledger_src: str = "",
          outbox_src: str = "") -> dict[str, Any]:
    """The outbox brought up to date + the publisher's plan + its delta iteration (what
    would be sent, payloads parsed): from nothing against an empty ledger (full), or from
    yesterday's outbox against yesterday's ledger (a day)."""
    from ecom_sync.destinations.activecampaign import DESTINATION
    from ecom_sync.publish.ledger import Ledger
    from ecom_sync.publish.outbox import OutboxStore, build_outbox

    _copy(src, db)
    shutil.rmtree(outbox, ignore_errors=True)
    if outbox_src:
        shutil.copytree(outbox_src, outbox)
    if ledger_src:
        _copy(ledger_src, ledger)
    else:
        Path(ledger).unlink(missing_ok=True)
    dest = _dest()
    batch = dest.batch_sizes()  # the publisher's batch per kind
    # opened before the clock starts, as the other steps do: the open (bootstrap, currency
    # check) is setup; the close stays in the step's time
    with warehouse(Path(db)) as con:
        clock = Clock()
        with clock.phase("outbox"):
            built = build_outbox(con, DESTINATION.sql_dir, DESTINATION.kinds,
                                 DESTINATION.outbox_params(dest), Path(outbox))
    to_send: dict[str, int] = {}
    with Ledger(Path(ledger)) as led, OutboxStore(Path(outbox)).snapshot() as files:
        with clock.phase("plan"):
            plan = led.plan(files)
        with clock.phase("delta_rows"):
            for kind in DESTINATION.kinds:
                to_send[kind] = sum(len(b) for b in led.delta(kind, batch[kind]))
    seconds = clock.total
    return {"seconds": seconds, "phases": clock.phases, "objects": built.objects,
            "rendered": built.rendered, "plan": plan, "to_send": to_send,
            "records": sum(to_send.values())}


def mark_published(outbox: str, ledger: str) -> dict[str, Any]:
    """Setup for the day: a ledger as a successful full publish of ``outbox`` leaves it."""
    from ecom_sync.publish.ledger import Ledger
    from ecom_sync.publish.outbox import OutboxStore

    Path(ledger).unlink(missing_ok=True)
    with Ledger(Path(ledger)) as led, OutboxStore(Path(outbox)).snapshot() as files:
        led.con.execute(
            f"insert into objects select kind, key, hash, 'r-' || key, 'sent', 0, 1, null, "
            f"now() from ({files.state_sql()}) where skip_reason is null"
        )
        led.mark_published(files)
        n = led.con.execute("select count(*) from objects").fetchone()[0]
    return {"seconds": 0.0, "records": n}


def make_day(src: str, db: str, changed: float = 0.01, new: float = 0.005) -> dict[str, Any]:
    """Setup: the next day's staging — ``changed`` of customers edited (company, phone, newer
    date_modified), ``new`` new customers (new e-mails) — then the canonical build."""
    from ecom_sync.sources.bigcommerce import PLATFORM
    from ecom_sync.warehouse.build import build_canonical

    _copy(src, db)
    mod = round(1 / changed)
    with warehouse(Path(db)) as con:
        con.execute(
            f"update staging.bigcommerce_customers set first_name = first_name || 'x', "
            f"company = coalesce(company, 'Co') || ' Ltd', phone = '555-000-0000', "
            f"date_modified = date_modified + interval 1 day, "
            f"_extracted_at = _extracted_at + interval 1 day where hash(id, connection) % {mod} = 0"
        )
        n = con.execute("select count(*) from staging.bigcommerce_customers").fetchone()[0]
        k = round(n * new)
        con.execute(
            f"insert into staging.bigcommerce_customers select * replace ("
            f"id + 10000000 as id, 'new.' || id || '@day.example' as email) "
            f"from staging.bigcommerce_customers where email is not null "
            f"order by connection, id limit {k}"
        )
        result = build_canonical(con, [PLATFORM])
    assert result.swapped
    return {"seconds": 0.0, "records": result.row_counts["contacts"]}


# ----- 5. whole sync through Dagster vs its parts -------------------------------------
def _home(landing: str, home: str) -> None:
    root = Path(home)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    (root / "landing").symlink_to(Path(landing).resolve())
    os.environ["ECOM_SYNC_HOME"] = str(root)
    os.environ.pop("ECOM_SYNC_DUCKDB", None)


def dagster_sync(landing: str, home: str) -> dict[str, Any]:
    """Staging (single-run backfill of every day), canonical and outbox assets materialised
    in process by Dagster jobs, over the landed files (no HTTP)."""
    import logging

    import dagster as dg

    from ecom_sync.defs import build_definitions
    from ecom_sync.defs.automation import CANONICAL_JOB
    from ecom_sync.defs.keys import staging_key
    from ecom_sync.defs.partitions import range_tags
    from ecom_sync.defs.publish import outbox_key
    from ecom_sync.orchestration import prepare_dagster_home

    _home(landing, home)
    logging.getLogger("dagster").setLevel(logging.WARNING)
    config = load_config()
    # One run stages every store, as the backfill of `ecom-sync sync all --historical`
    # does for stores that page alike.
    jobs = [dg.define_asset_job("bench_staging", selection=dg.AssetSelection.assets(
        *[staging_key(c.name, s) for c in config.connections for s in STREAMS]))]
    jobs.append(dg.define_asset_job("bench_outbox", selection=dg.AssetSelection.assets(
        outbox_key(config.destinations[0]))))
    defs = dg.Definitions.merge(build_definitions(config), dg.Definitions(jobs=jobs))
    # The run a historical backfill launches: every month of the window, in one run.
    tags = range_tags(WINDOW.start.date(), (WINDOW.end - timedelta(days=1)).date())
    # The instance a merchant's Dagster keeps: SQLite files under DAGSTER_HOME, this
    # repo's dagster.yaml (an in-memory one would hide the event log's per-commit cost).
    instance = dg.DagsterInstance.from_config(str(prepare_dagster_home()))
    clock = Clock()
    with clock.phase("staging"):
        res = defs.resolve_job_def("bench_staging").execute_in_process(
            tags=tags, instance=instance)
        assert res.success
    with clock.phase("canonical"):
        assert defs.resolve_job_def(CANONICAL_JOB).execute_in_process(
            instance=instance).success
    with clock.phase("outbox"):
        assert defs.resolve_job_def("bench_outbox").execute_in_process(
            instance=instance).success
    seconds = clock.total
    return {"seconds": seconds, "phases": clock.phases, "records": _contacts(home)}


def _contacts(home: str) -> int:
    con = duckdb.connect(str(Path(home) / "warehouse.duckdb"), read_only=True)
    n = con.execute("select count(*) from canonical.contacts").fetchone()[0]
    con.close()
    return n


def parts_sync(landing: str, home: str) -> dict[str, Any]:
    """The same work as :func:`dagster_sync` by direct calls (the sum of its parts)."""
    from ecom_sync import paths
    from ecom_sync.destinations.activecampaign import DESTINATION
    from ecom_sync.publish.outbox import build_outbox
    from ecom_sync.sources.bigcommerce import PLATFORM
    from ecom_sync.warehouse.build import build_canonical
    from ecom_sync.warehouse.db import connect
    from ecom_sync.warehouse.staging import ensure_schema, register_connection, stage_stream

    _home(landing, home)
    config = load_config()
    specs = {s.name: s for s in PLATFORM.streams}
    dest = config.destinations[0]
    clock = Clock()
    for conn in config.connections:
        with clock.phase("staging"), connect() as con:
            ensure_schema(con, PLATFORM)
            register_connection(con, PLATFORM, conn)
            for stream in STREAMS:
                stage_stream(con, PLATFORM, conn, specs[stream], WINDOW, paths.landing_dir())
    with clock.phase("canonical"), connect() as con:
        assert build_canonical(con, [PLATFORM]).swapped
    with clock.phase("outbox"), connect() as con:
        build_outbox(con, DESTINATION.sql_dir, DESTINATION.kinds,
                     DESTINATION.outbox_params(dest), paths.outbox_path(dest.name))
    seconds = clock.total
    return {"seconds": seconds, "phases": clock.phases, "records": _contacts(home)}


# ----- 6. publish against the stand-in at 5 req/s ----------------------------------------
def publish_slice(outbox: str, slice_path: str, ledger: str, contacts: int,
                  rate: float = 5.0) -> dict[str, Any]:
    """A slice of the outbox (``contacts`` contacts with their e-commerce customers and
    orders, every connection) published to the ActiveCampaign stand-in at ``rate``."""
    from ecom_sandbox.activecampaign.app import create_app
    from ecom_sandbox.activecampaign.state import AcAccount
    from ecom_sandbox.server import serve_in_thread
    from ecom_sync.destinations.activecampaign import DESTINATION
    from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination
    from ecom_sync.publish.outbox import OutboxStore

    shutil.rmtree(slice_path, ignore_errors=True)
    con = duckdb.connect()
    state = OutboxStore(Path(outbox)).files().state_sql()
    OutboxStore(Path(slice_path)).write_base(con, f"""
        with o as ({state}),
             picked as (select email_key from o where kind = 'contact'
                        and skip_reason is null order by key limit {int(contacts)})
        select * from o where kind = 'connection'
           or (kind in ('contact', 'ecom_customer', 'order')
               and email_key in (select email_key from picked))""")
    kinds = {k: c["objects"] for k, c in OutboxStore(Path(slice_path)).files().counts.items()}
    con.close()
    Path(ledger).unlink(missing_ok=True)
    os.environ["BENCH_AC_TOKEN"] = AC_TOKEN
    account = AcAccount(AC_TOKEN, rate_per_second=rate)
    with serve_in_thread(create_app(account)) as url:
        dest = ActiveCampaignDestination(
            name="activecampaign", type="activecampaign", api_url=url,
            token_env="BENCH_AC_TOKEN", rate_limit_per_second=rate)
        clock = Clock()
        report = DESTINATION.publish(dest, Path(slice_path), Path(ledger), datetime.now(UTC),
                                     fire_nothing=True)
        seconds = clock.total
    statuses = [status for _m, _p, status in account.requests]
    return {
        "seconds": seconds, "records": kinds.get("contact", 0), "objects": kinds,
        "requests": report.requests, "server_requests": len(statuses),
        "http_429": sum(1 for s in statuses if s == 429), "throttled": report.throttled,
        "failed": report.failed, "rate": len(statuses) / seconds if seconds else 0.0,
        "limit": rate,
    }


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    f.__name__: f for f in (
        stage_ours, stage_bare, stage_dlt, canonical_ours, canonical_bare, delta,
        mark_published, make_day, dagster_sync, parts_sync, publish_slice, history_launch,
        history_direct)
}


def main(argv: list[str]) -> None:
    name, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    profile = args.pop("_profile", None)
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    result = STEPS[name](**args)
    if profile:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=False, color=False,
                                                      show_all=True))
    print(PREFIX + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

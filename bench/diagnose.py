"""Profiles behind the missed targets: ``python -m bench.diagnose WHAT [--scale 1.0]``.

- ``outbox``: time and peak memory of the outbox build (from nothing, or a 1% day) and of
  the ledger plan, each alone.
- ``staging``: `merge_files`' statements timed one by one for the orders of the largest
  store (the same SQL, run outside the package), beside the bare insert, with peak RSS;
  then the same merge with a file batch of 200 files at a time, and with DuckDB's
  ``preserve_insertion_order = false``, to size the fixes.

Any step of :mod:`bench.steps` runs under pyinstrument with ``"_profile": "<file>"`` in its
JSON arguments.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import gen
from bench.steps import STORES, _files, warehouse


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def staging(scale: float, variant: str) -> dict[str, Any]:
    from ecom_sync.sources.bigcommerce import PLATFORM
    from ecom_sync.warehouse.staging import ensure_schema

    landing = gen.landing_root(Path(__file__).resolve().parent / ".cache", scale)
    conn = STORES[0].connection
    files = _files(landing, conn, "orders")
    select_sql = PLATFORM.sql("stage_orders")
    out: dict[str, Any] = {"variant": variant, "files": len(files)}
    with tempfile.TemporaryDirectory() as tmp, warehouse(Path(tmp) / "w.duckdb") as con:
        ensure_schema(con, PLATFORM)
        if variant == "no_insertion_order":
            con.execute("set preserve_insertion_order = false")
        t = time.perf_counter()
        if variant == "bare":
            con.execute(f"insert into staging.bigcommerce_orders by name select * from "
                        f"({select_sql})", {"files": files, "connection": conn})
            out["insert"] = time.perf_counter() - t
        else:
            step = 200 if variant == "chunks_200" else len(files)
            for i in range(0, len(files), step):
                params = {"files": files[i:i + step], "connection": conn}
                _merge(con, select_sql, params, out)
        out["seconds"] = time.perf_counter() - t
        out["rows"] = con.execute("select count(*) from staging.bigcommerce_orders").fetchone()[0]
    out["peak_rss_mb"] = _rss_mb()
    return out


def _merge(con: Any, select_sql: str, params: dict[str, Any], out: dict[str, Any]) -> None:
    """The statements of ``ecom_sync.warehouse.staging.merge_files``, timed one by one."""
    target, join = "staging.bigcommerce_orders", "t.connection = b.connection and t.id = b.id"
    statements = [
        ("read_json + newest-wins (temp _batch)",
         f"create or replace temp table _batch as select * from ({select_sql}) qualify "
         "row_number() over (partition by connection, id order by date_modified desc, "
         "_extracted_at desc) = 1", params),
        ("count", "select count(*) from _batch", None),
        ("delete older", f"delete from {target} t using _batch b where {join} "
                         "and t.date_modified <= b.date_modified", None),
        ("insert anti join", f"insert into {target} by name select b.* from _batch b "
                             f"anti join {target} t on {join}", None),
        ("drop", "drop table _batch", None),
    ]
    con.execute("begin transaction")
    for label, sql, args in statements:
        t = time.perf_counter()
        con.execute(sql, args) if args else con.execute(sql)
        out[label] = out.get(label, 0.0) + time.perf_counter() - t
    con.execute("commit")


def outbox(scale: float, variant: str) -> dict[str, Any]:
    """Peak RSS and time of the delta's parts, each alone in this process: ``build`` (the
    outbox from nothing), ``build_day`` (the kept full outbox brought up to date with the
    1% day's warehouse) or ``plan`` (the ledger plan + delta iteration of the kept full
    outbox against the kept full ledger)."""
    import shutil

    from bench.steps import _dest
    from ecom_sync.destinations.activecampaign import DESTINATION
    from ecom_sync.publish.ledger import Ledger
    from ecom_sync.publish.outbox import OutboxStore, build_outbox

    work = Path(__file__).resolve().parent / ".cache" / f"work-s{scale:g}" / f"s{scale:g}"
    out: dict[str, Any] = {"variant": variant}
    with tempfile.TemporaryDirectory() as tmp:
        box = Path(tmp) / "o.outbox"
        if variant == "build_day":
            shutil.copytree(work / "outbox_full.outbox", box)
        t = time.perf_counter()
        if variant.startswith("build"):
            db = work / ("day.duckdb" if variant == "build_day" else "built.duckdb")
            shutil.copyfile(db, Path(tmp) / "w.duckdb")
            t = time.perf_counter()
            with warehouse(Path(tmp) / "w.duckdb") as con:
                built = build_outbox(con, DESTINATION.sql_dir, DESTINATION.kinds,
                                     DESTINATION.outbox_params(_dest()), box)
            out["rendered"] = built.rendered
        else:
            shutil.copyfile(work / "ledger_full.duckdb", Path(tmp) / "l.duckdb")
            with Ledger(Path(tmp) / "l.duckdb") as led, \
                    OutboxStore(work / "outbox_full.outbox").snapshot() as files:
                led.con.execute("delete from published")  # compare every generation
                led.plan(files)
                out["rss_after_plan"] = _rss_mb()
                for kind in DESTINATION.kinds:
                    sum(len(b) for b in led.delta(kind, 250))
        out["seconds"] = time.perf_counter() - t
    out["peak_rss_mb"] = _rss_mb()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.diagnose")
    parser.add_argument("what", choices=["staging", "outbox"])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--variant", default="ours",
                        choices=["ours", "bare", "chunks_200", "no_insertion_order", "build",
                                 "build_day", "plan"])
    args = parser.parse_args()
    fn = staging if args.what == "staging" else outbox
    print(json.dumps(fn(args.scale, args.variant)), flush=True)


if __name__ == "__main__":
    main()

"""Profiles behind the missed targets: ``python -m bench.diagnose WHAT [--scale 1.0]``.

- ``outbox``: time and peak memory of the outbox build (from nothing, or a 1% day) and of
  the ledger plan, each alone.
- ``staging``: the package's `merge_files` for the orders of the largest store, its
  statements timed one by one, beside the bare insert, with peak RSS; then the same merge
  with a batch of 200 files, with every file in one batch (the merge before batching), and
  one batch with DuckDB's ``preserve_insertion_order = false``, to size the fixes.

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
from typing import Any, cast

import duckdb

from bench import gen
from bench.steps import STORES, _files, warehouse


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# A merge variant's file batch (None: the package's FILES_PER_MERGE) and insertion order.
MERGES: dict[str, tuple[int | None, bool]] = {
    "ours": (None, True),
    "chunks_200": (200, True),
    "whole_window": (0, True),  # 0: every file in one batch (the merge before batching)
    "no_insertion_order": (0, False),
}

# Statement → label, by the start of its SQL: the merge's statements timed one by one.
_LABELS: tuple[tuple[str, str], ...] = (
    ("create or replace temp table _batch", "read_json + newest-wins (temp _batch)"),
    ("select count(*) from _batch", "count"),
    ("delete from", "delete older"),
    ("insert into", "insert anti join"),
    ("drop table _batch", "drop"),
)


class _TimedConnection:
    """Passes statements to DuckDB, adding each one's time to ``out`` under its label, so
    the package's own ``merge_files`` is timed statement by statement."""

    def __init__(self, con: duckdb.DuckDBPyConnection, out: dict[str, Any]) -> None:
        self.con = con
        self.out = out

    def execute(self, sql: str, params: object = None) -> duckdb.DuckDBPyConnection:
        label = next((lb for start, lb in _LABELS if sql.lstrip().startswith(start)), "other")
        t = time.perf_counter()
        result = self.con.execute(sql, params)
        self.out[label] = self.out.get(label, 0.0) + time.perf_counter() - t
        return result


def staging(scale: float, variant: str) -> dict[str, Any]:
    from ecom_sync.sources.bigcommerce import PLATFORM
    from ecom_sync.warehouse import staging as package_staging
    from ecom_sync.warehouse.db import transaction

    landing = gen.landing_root(Path(__file__).resolve().parent / ".cache", scale)
    conn = STORES[0].connection
    files = _files(landing, conn, "orders")
    select_sql = PLATFORM.sql("stage_orders")
    out: dict[str, Any] = {"variant": variant, "files": len(files)}
    with tempfile.TemporaryDirectory() as tmp, warehouse(Path(tmp) / "w.duckdb") as con:
        package_staging.ensure_schema(con, PLATFORM)
        if variant == "bare":
            t = time.perf_counter()
            con.execute(f"insert into staging.bigcommerce_orders by name select * from "
                        f"({select_sql})", {"files": files, "connection": conn})
            out["insert"] = time.perf_counter() - t
        else:
            per_merge, insertion_order = MERGES[variant]
            if not insertion_order:
                con.execute("set preserve_insertion_order = false")
            if per_merge is None:
                per_merge = package_staging.FILES_PER_MERGE
            elif per_merge == 0:
                per_merge = max(1, len(files))
            out["files_per_merge"] = per_merge
            spec = next(x for x in PLATFORM.streams if x.name == "orders")
            t = time.perf_counter()
            with transaction(con):  # merge_files runs in its caller's transaction
                package_staging.merge_files(
                    cast(duckdb.DuckDBPyConnection, _TimedConnection(con, out)),
                    select_sql=select_sql, table=spec.staging_table, key=spec.primary_key,
                    cursor=spec.cursor_field, files=[Path(f) for f in files],
                    connection=conn, files_per_merge=per_merge)
        out["seconds"] = time.perf_counter() - t
        out["rows"] = con.execute("select count(*) from staging.bigcommerce_orders").fetchone()[0]
    out["peak_rss_mb"] = _rss_mb()
    return out


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
        building = variant.startswith("build")
        # the copies of the kept files are setup: made before the clock starts
        if variant == "build_day":
            shutil.copytree(work / "outbox_full.outbox", box)
        if building:
            db = work / ("day.duckdb" if variant == "build_day" else "built.duckdb")
            shutil.copyfile(db, Path(tmp) / "w.duckdb")
        else:
            shutil.copyfile(work / "ledger_full.duckdb", Path(tmp) / "l.duckdb")
        t = time.perf_counter()
        if building:
            with warehouse(Path(tmp) / "w.duckdb") as con:
                built = build_outbox(con, DESTINATION.sql_dir, DESTINATION.kinds,
                                     DESTINATION.outbox_params(_dest()), box)
            out["rendered"] = built.rendered
        else:
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
                        choices=[*MERGES, "bare", "build", "build_day", "plan"])
    args = parser.parse_args()
    if args.what == "staging" and args.variant not in (*MERGES, "bare"):
        parser.error(f"staging has no variant {args.variant}")
    fn = staging if args.what == "staging" else outbox
    print(json.dumps(fn(args.scale, args.variant)), flush=True)


if __name__ == "__main__":
    main()

"""``bench/RESULTS.md``: the table, the ratios against the targets, the machine, versions."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from bench.runner import (
    BULK_PER_MIN,
    CONTACTS_PER_BULK,
    ORDERS_PER_CALL,
    RATE,
    Figure,
    machine,
    min_wall,
    plan_requests,
    versions,
)

if TYPE_CHECKING:
    from bench.runner import Bench

ANALYSIS = Path(__file__).resolve().parent / "ANALYSIS.md"
GB = 1024.0
MAX_OVERHEAD = 1.3  # step 5: Dagster over the direct calls
MAX_FIRST_RUN_S = 10.0  # figure 7: command to the first run started


def _s(f: Figure) -> str:
    if not f.runs:
        return "not run"
    if not f.good:
        return "failed"
    return f"{f.median:.2f} ({f.lo:.2f}–{f.hi:.2f})"


def _n(x: float, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def render(b: Bench, elapsed: float) -> str:
    f = b.figs
    get = f.get
    empty = Figure()
    r, s = b.reduced, b.scale
    recs = b.meta[s]["records"]
    n_records = sum(recs.values())
    lines: list[str] = []
    add = lines.append
    add("# ecom_sync benchmark results\n")
    add(f"Written by `.venv/bin/python -m bench run --scale {s:g}` on {machine()['date']}; "
        f"whole run {elapsed / 60:.1f} min. Every figure is the median of "
        f"{b.reps} runs (min–max in brackets), each run a fresh process; peak RSS is "
        f"`ru_maxrss` from `wait4` of that process (max over its runs). Times are the "
        f"in-process step time (imports and setup excluded).\n")
    add(f"Merchant (seed {b.meta[s]['seed']}): scale {s:g} = "
        f"{recs['customers']:,} customer records over 3 stores, {recs['orders']:,} orders "
        f"(1–5 lines), {recs['products']:,} products; {b.meta[s]['files']:,} landing files, "
        f"{b.meta[s]['bytes_gz'] / 1e6:,.0f} MB gzip NDJSON. Reduced tier (dlt, Dagster, "
        f"publish slice): scale {r:g} = {sum(b.meta[r]['records'].values()):,} records.\n")

    # ----- targets ------------------------------------------------------------------
    ours, bare = get("stage_ours", empty), get("stage_bare", empty)
    r_ours, r_bare, r_dlt = (get("r.stage_ours", empty), get("r.stage_bare", empty),
                             get("r.stage_dlt", empty))
    can, can_bare = get("canonical_ours", empty), get("canonical_bare", empty)
    d_full, d_day = get("delta_full", empty), get("delta_day", empty)
    dag, parts = get("r.dagster_sync", empty), get("r.parts_sync", empty)
    dag_s, parts_s = get("dagster_sync", empty), get("parts_sync", empty)
    hist, hist_direct = get("history_launch", empty), get("history_direct", empty)
    pub = get("r.publish", empty)
    r_records = sum(b.meta[r]["records"].values())

    vs_bare = bare.median / ours.median if ours.good and bare.good else math.nan
    vs_dlt = r_dlt.median / r_ours.median if r_ours.good and r_dlt.good else math.nan
    can_ratio = can.median / can_bare.median if can.good and can_bare.good else math.nan
    full_req = plan_requests(d_full.last.get("to_send", {}))
    day_req = plan_requests(d_day.last.get("to_send", {}))
    day_time = d_day.median / d_full.median if d_full.good and d_day.good else math.nan
    req_ratio = (sum(day_req.values()) / sum(full_req.values())
                 if sum(full_req.values()) else math.nan)
    steps_rss = {k: v.rss for k, v in f.items() if v.good}
    worst = max(steps_rss.items(), key=lambda kv: kv[1]) if steps_rss else ("-", math.nan)
    flat = ours.rss / r_ours.rss if ours.good and r_ours.good else math.nan
    pres = pub.last
    pub_rate = pub.med(lambda x: x.get("rate", math.nan))
    pub_429 = sum(x.result.get("http_429", 0) for x in pub.good)
    pub_pct = pub_rate / RATE * 100 if pres else math.nan

    add("## Targets\n")
    add("| target | measured | result |")
    add("|---|---|---|")
    add(f"| staging ≥ 0.7× bare DuckDB `read_json` of the same files (scale {s:g}) | "
        f"{_n(vs_bare, 2)}× | {_met(vs_bare >= 0.7 if vs_bare == vs_bare else None)} |")
    add(f"| staging ≥ 8× dlt (parquet loader), same data at scale {r:g} | "
        f"{_n(vs_dlt, 1)}× | {_met(vs_dlt >= 8 if vs_dlt == vs_dlt else None)} |")
    add(f"| canonical build ≤ 2× the bare SQL it runs | {_n(can_ratio, 2)}× | "
        f"{_met(can_ratio <= 2 if can_ratio == can_ratio else None)} |")
    add(f"| 1% day's delta + plan ≤ 5% of the full one's time | {_n(day_time * 100, 1)}% | "
        f"{_met(day_time <= 0.05 if day_time == day_time else None)} |")
    add(f"| 1% day's publish requests ≤ 5% of the full one's | {_n(req_ratio * 100, 2)}% | "
        f"{_met(req_ratio <= 0.05 if req_ratio == req_ratio else None)} |")
    add(f"| peak RSS of every step ≤ 1.5 GB | max {_n(worst[1])} MB ({worst[0]}) | "
        f"{_met(worst[1] <= 1.5 * GB if worst[1] == worst[1] else None)} |")
    add(f"| staging memory: peak at {recs['orders']:,} orders no more than 5× the peak at "
        f"{b.meta[r]['records']['orders']:,} | {_n(ours.rss)} vs {_n(r_ours.rss)} "
        f"MB = {_n(flat, 2)}× | {_met(flat <= 5 if flat == flat else None)} |")
    for label, over in ((f"{r:g}", _ratio(dag, parts)), (f"{s:g}", _ratio(dag_s, parts_s))):
        add(f"| whole sync through Dagster ≤ {MAX_OVERHEAD}× the same by direct calls (5, scale "
            f"{label}) | {_n(over, 2)}× | {_met(over <= MAX_OVERHEAD if over == over else None)} |")
    first = hist.med(lambda x: x["first_run_s"])
    add(f"| 10 years × 3 stores: first run started ≤ {MAX_FIRST_RUN_S:g} s after "
        f"`ecom-sync sync all --historical` (7) | {_n(first, 1)} s | "
        f"{_met(first <= MAX_FIRST_RUN_S if first == first else None)} |")
    add(f"| publish ≥ 90% of 5 req/s, zero 429s ({pres.get('records', '?')}-contact slice) | "
        f"{_n(pub_pct, 1)}% (median of {len(pub.good)}), {pub_429} × 429 | "
        f"{_met(pub_pct >= 90 and pub_429 == 0 if pres else None)} |")
    add("")

    # ----- measured table -------------------------------------------------------------
    add("## Measurements\n")
    add("| # | step | scale | median s (min–max) | peak RSS MB | throughput | note |")
    add("|---|---|---|---|---|---|---|")

    def row(num: str, label: str, fig: Figure, scale: float | str, rate: str,
            note: str = "") -> None:
        shown = scale if isinstance(scale, str) else f"{scale:g}"
        add(f"| {num} | {label} | {shown} | {_s(fig)} | {_n(fig.rss)} | {rate} | {note} |")

    def rps(fig: Figure, n: int) -> str:
        return f"{_n(n / fig.median)} records/s" if fig.good else "n/a"

    row("1", "staging: our `stage_stream` (read_json → newest-wins merge)", ours, s,
        rps(ours, n_records), f"{n_records:,} records")
    row("1a", "staging: bare DuckDB `read_json` into the same tables", bare, s,
        rps(bare, n_records), f"ours at {_n(vs_bare, 2)}× its speed")
    row("1", "staging: ours", r_ours, r, rps(r_ours, r_records), "same data as dlt")
    row("1a", "staging: bare read_json", r_bare, r, rps(r_bare, r_records), "")
    dlt_ph = r_dlt.last.get("phases", {})
    row("1b", "staging: dlt (`dlt[duckdb]`, parquet loader)", r_dlt, r,
        rps(r_dlt, r_records),
        f"ours {_n(vs_dlt, 1)}× faster; " + ", ".join(f"{k} {v:.1f}s" for k, v in
                                                      dlt_ph.items()))
    row("2", "canonical: `build_canonical` (views → canonical_next → checks → swap)", can, s,
        f"{_n(can.last.get('records', 0) / can.median if can.good else math.nan)} contacts/s",
        f"{can.last.get('records', 0):,} contacts; {_n(can_ratio, 2)}× bare")
    row("2a", "canonical: bare model SQL (no checks, no swap)", can_bare, s, "", "")
    ph = d_full.last.get("phases", {})
    row("3", "delta, full: outbox built from nothing + ledger plan + delta rows (empty ledger)",
        d_full,
        s, f"{sum(d_full.last.get('to_send', {}).values()):,} objects to send",
        ", ".join(f"{k} {v:.2f}s" for k, v in ph.items()))
    ph = d_day.last.get("phases", {})
    rendered = sum(d_day.last.get("rendered", {}).values())
    row("3a", "delta, 1% day (1% customers changed, 0.5% new): yesterday's outbox brought up "
        "to date, plan against yesterday's ledger", d_day, s,
        f"{sum(d_day.last.get('to_send', {}).values()):,} objects to send",
        ", ".join(f"{k} {v:.2f}s" for k, v in ph.items())
        + f"; {rendered:,} payloads rendered; {_n(day_time * 100, 1)}% of full")
    for scale, d, p in ((r, dag, parts), (s, dag_s, parts_s)):
        row("5", "whole sync through Dagster (one staging run of every store over all "
            "their partitions, canonical, outbox; SQLite instance)", d, scale, "",
            _phases(d) + f"; {b.dagster_reps} run(s)")
        row("5a", "the same by direct calls (sum of the parts)", p, scale, "",
            _phases(p) + f"; Dagster = {_n(_ratio(d, p), 2)}× the parts")
    if hist.good:
        h = hist.last
        disk = ", ".join(f"{k} {v:,.1f} MB" for k, v in h["disk_mb"].items())
        row("7", "10 years × 3 stores: `ecom-sync sync all --historical` through the "
            "webserver, command → backfill done", hist, "—", f"first run started after "
            f"{_n(first, 1)} s (median; {_n(min(hist.values('first_run_s')), 1)}–"
            f"{_n(max(hist.values('first_run_s')), 1)})",
            f"{h['records']:,} records over HTTP; {h['backfills']} backfill, {h['runs']} runs, "
            f"{h['partitions']} partitions × {h['asset_partitions'] // h['partitions']} "
            f"assets; disk: {disk}")
        row("7a", "the same sync by direct calls (stores one after another)", hist_direct, "—",
            "", f"through the webserver = {_n(_ratio(hist, hist_direct), 2)}× direct")
    if pres:
        row("6", f"publish to the ActiveCampaign stand-in at {RATE:g} req/s", pub, r,
            f"{pub_rate:.2f} req/s ({_n(pub_pct, 1)}% of the limit)",
            f"{pres.get('server_requests')} requests, {pub_429} × 429 in all runs, "
            f"{pres.get('failed')} failed; objects {pres.get('objects')}; {len(pub.good)} "
            f"run(s), rate median {_n(pub.med(lambda x: x.get('rate', math.nan)), 2)}")
    add("")

    # ----- publish plan --------------------------------------------------------------
    add("## Publish plan (4)\n")
    add(f"Requests per object type from our batch sizes (contacts {CONTACTS_PER_BULK} per "
        f"bulk import, orders {ORDERS_PER_CALL} per GraphQL `bulkUpsertOrdersAsync`, e-commerce "
        "customers, carts and connections one REST request each) and the minimum wall time "
        f"at {RATE:g} req/s with bulk imports also ≤ {BULK_PER_MIN}/min. The API's lower bound "
        "uses the largest batches the API takes (250 contacts per bulk import; about 50 "
        "orders per call under the 15,000-token GraphQL cap; no bulk endpoint for e-commerce "
        "customers, carts, connections), so the fraction is our plan's wall time over that "
        "bound (1.00 = at the floor). 'one per object' is the wall time with no bulk "
        "endpoints.\n")
    add("| kind | full: objects | full: requests | 1% day: objects | 1% day: requests |")
    add("|---|---|---|---|---|")
    fs, ds = d_full.last.get("to_send", {}), d_day.last.get("to_send", {})
    for kind in fs:
        add(f"| {kind} | {fs.get(kind, 0):,} | {full_req.get(kind, 0):,} | {ds.get(kind, 0):,} "
            f"| {day_req.get(kind, 0):,} |")
    add(f"| **all** | {sum(fs.values()):,} | {sum(full_req.values()):,} | "
        f"{sum(ds.values()):,} | {sum(day_req.values()):,} |")
    add("")
    add("| plan | requests | min wall at the limit | API lower bound | fraction | "
        "one request per object |")
    add("|---|---|---|---|---|---|")
    for label, req, objs in (("full merchant", full_req, fs), ("1% day", day_req, ds)):
        wall = min_wall(req)
        bound = min_wall(plan_requests(objs))
        one = sum(objs.values()) / RATE
        add(f"| {label} | {sum(req.values()):,} | {_dur(wall)} | {_dur(bound)} | "
            f"{_n(wall / bound if bound else math.nan, 2)} | {_dur(one)} |")
    add("")

    # ----- memory ----------------------------------------------------------------------
    add("## Peak memory per step\n")
    add("| step | scale | peak RSS MB | process wall s (median) |")
    add("|---|---|---|---|")
    for name, fig in f.items():
        if fig.good:
            scale = "—" if name.startswith("history") else f"{r if name.startswith('r.') else s:g}"
            wall = sorted(x.wall for x in fig.good)[len(fig.good) // 2]
            shown = "n/a (ran in the background)" if name == "r.publish" else f"{wall:.1f}"
            add(f"| {name} | {scale} | {_n(fig.rss)} | {shown} |")
    add("")

    # ----- machine and versions ------------------------------------------------------------
    m, v = machine(), versions()
    add("## Machine and versions\n")
    add(f"- {m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, {m['os']}; shared with other "
        "work, so treat the figures as orders of magnitude and ratios.")
    add("- " + ", ".join(f"{k} {val}" for k, val in v.items()))
    add(f"- Data generated in {b.meta[s]['generate_s']} s with {b.meta[s]['workers']} "
        "processes (cached under `bench/.cache/`, git-ignored; reused by later runs).")
    add("")
    add("## Method\n")
    add(_METHOD.format(r=r, s=s, contacts=b.publish_contacts))
    if ANALYSIS.exists():
        add(ANALYSIS.read_text())
    return "\n".join(lines) + "\n"


def _ratio(a: Figure, b: Figure) -> float:
    return a.median / b.median if a.good and b.good else math.nan


def _phases(fig: Figure) -> str:
    return ", ".join(f"{k} {v:.1f}s" for k, v in fig.last.get("phases", {}).items())


def _dur(seconds: float) -> str:
    if seconds != seconds:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


_METHOD = """- Landing files: `bench/gen.py` builds records with the sandbox's own builders
  (`ecom_sandbox.records`) and BigCommerce renderers (v3 customers with addresses,
  v3 products with variants and images, v2 orders with products / shipping addresses /
  coupons inlined as the extract does) and writes them with `LandingWriter.write_page`
  (gzip NDJSON, 250 records a page, `_extracted_at`), one committed window folder per
  connection and stream. Each page has its own RNG, so the files do not depend on the
  number of worker processes.
- 1: `stage_ours` calls `stage_stream` for customers, orders and products of each of the
  3 connections into a fresh DuckDB file; `stage_bare` runs the same `stage_*.sql` selects
  as plain `insert … by name` (no dedupe, no delete/anti-join, no transaction);
  `stage_dlt` yields the same pages (`json.loads` per line, plus the connection) as 3 dlt
  resources into `dlt.destinations.duckdb` with `loader_file_format="parquet"` (extract →
  normalize → load). dlt ran at scale {r:g} only (a full-scale dlt run would take ~10×
  as long, 3 times); ours and bare were measured on the same data in the same round-robin.
- 2: both start from a copy of the staged database (copy not timed).
- 3: full = `build_outbox` into an empty outbox folder (every object fingerprinted and
  rendered), then the publisher's `Ledger.plan` and its `Ledger.delta` iteration (payloads
  parsed, the publisher's batch sizes) against an empty ledger. 1% day = the staged data
  with 1% of customer records changed (company, phone, newer `date_modified`) and 0.5% new
  customers, canonical rebuilt (not timed); then `build_outbox` brings a copy of the full
  run's outbox up to date (fingerprints every object, renders only the changed ones into a
  new generation) and the plan and delta run against the ledger a completed full publish
  leaves (which compares only the generations written since). Every DuckDB connection,
  ours and bare, runs with the package's `memory_limit` (1 GB).
- 5: `dagster_sync` materialises the staging assets of the three connections with one
  job run over all their partitions (the single run the backfill of `sync all --historical`
  launches: years 2021..2026), then the canonical job and the outbox asset, in process on a SQLite
  instance in a fresh `DAGSTER_HOME` with this repo's `dagster.yaml` (what a merchant's
  Dagster keeps; an in-memory one would hide the event log's per-commit cost);
  `parts_sync` makes the same calls directly. At scale {r:g} and {s:g}.
- 7: `history_launch` serves a BigCommerce stand-in with 3 stores open ten years (2,000
  customers, 10,000 orders, 200 products each, seeded), starts the webserver and daemon
  as `ecom-sync dev` does (not timed), then times `ecom-sync sync all --historical
  --no-wait` run as its own process: to the first run's start time (Dagster's record) and
  to every backfill completed (polled every 0.25 s). `history_direct` syncs the same
  stand-in by direct calls (`bench.history.direct_historical_sync`: each store's streams
  paged over its history, landed, staged; then the canonical build), one store after
  another. Disk: the state folder after the Dagster sync.
- 6: `publish_slice` takes the first {contacts} contacts of the scale-{r:g} outbox with their
  e-commerce customers and orders (and every connection) and publishes them through
  `ActiveCampaign.publish` to the stand-in (`AcAccount(rate_per_second=5.0)` served by
  `serve_in_thread`), `fire_nothing=True`, to a fresh account and ledger each run. Its
  runs go one after another in the background while the full-scale steps run (it is paced
  by the 5 req/s limit, not by the CPU; `python -m bench publish --add N` adds runs on an
  idle machine). The rate is the requests the stand-in received divided by the publish
  wall time.
"""

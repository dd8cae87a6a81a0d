"""``python -m bench run [--scale 1.0] [--reps 3]``: the benchmark; ``--smoke`` is a tiny run."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.runner import BENCH_DIR, Bench


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="generate (cached) data, measure, write RESULTS.md")
    run.add_argument("--scale", type=float, default=1.0,
                     help="1.0 = 200k customers, 1M orders, 5k products")
    run.add_argument("--reps", type=int, default=3, help="runs per figure (median)")
    run.add_argument("--dagster-reps", type=int, default=None,
                     help="runs of the Dagster sync (default: --reps)")
    run.add_argument("--publish-contacts", type=int, default=2000)
    run.add_argument("--workers", type=int, default=2, help="generator processes")
    run.add_argument("--results", type=Path, default=None,
                     help="default: bench/RESULTS.md (smoke: bench/.cache/RESULTS-smoke.md)")
    run.add_argument("--only", type=lambda v: set(v.split(",")), default=None,
                     help="figures to run, e.g. 5,7 (default: all; results then default to "
                          "bench/.cache/RESULTS-only.md)")
    run.add_argument("--smoke", action="store_true",
                     help="tiny run (scale 0.001, 1 rep, 20-contact publish, no Dagster step): CI")
    report = sub.add_parser("report", help="write RESULTS.md again from the last run's figures")
    report.add_argument("--scale", type=float, default=1.0)
    report.add_argument("--results", type=Path, default=BENCH_DIR / "RESULTS.md")
    more = sub.add_parser("publish", help="add publish runs (figure 6) to the last run's")
    more.add_argument("--scale", type=float, default=1.0)
    more.add_argument("--add", type=int, default=1)
    more.add_argument("--publish-contacts", type=int, default=2000)
    more.add_argument("--results", type=Path, default=BENCH_DIR / "RESULTS.md")
    args = parser.parse_args(argv)
    if args.command == "publish":
        Bench(args.scale, 3, args.publish_contacts, 3, 2, args.results).more_publishes(args.add)
        return args.results
    if args.command == "report":
        Bench(args.scale, 3, 2000, 3, 2, args.results).rewrite()
        return args.results
    if args.results is None:
        name = ("RESULTS.md" if not (args.smoke or args.only)
                else ".cache/RESULTS-smoke.md" if args.smoke else ".cache/RESULTS-only.md")
        args.results = BENCH_DIR / name
    if args.smoke:
        args.scale, args.reps, args.publish_contacts = 0.001, 1, min(args.publish_contacts, 20)
        # Dagster's steps start Dagster (the webserver too for 7): seconds CI can skip.
        args.dagster_reps = 0
    bench = Bench(args.scale, args.reps, args.publish_contacts,
                  args.reps if args.dagster_reps is None else args.dagster_reps,
                  args.workers, args.results, args.only)
    bench.run()
    return args.results


if __name__ == "__main__":
    main()

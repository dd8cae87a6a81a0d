"""The benchmark driver: generates (or reuses) the data, runs every step in a fresh process
round-robin, takes medians and peak RSS (``wait4``), and writes ``bench/RESULTS.md``."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import gen
from bench.steps import PREFIX

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
CACHE = BENCH_DIR / ".cache"
RATE = 5.0  # ActiveCampaign: requests per second per account
BULK_PER_MIN = 100  # bulk import: requests with more than one contact per minute
CONTACTS_PER_BULK = 250
ORDERS_PER_CALL = 50  # bulkUpsertOrdersAsync: the 15,000-token cap fits about 50 orders
PER_OBJECT = ("connection", "ecom_customer", "cart")


@dataclass
class Run:
    step: str
    ok: bool
    seconds: float
    wall: float
    rss_mb: float
    result: dict[str, Any]
    error: str = ""


@dataclass
class Figure:
    runs: list[Run] = field(default_factory=list)

    @property
    def good(self) -> list[Run]:
        return [r for r in self.runs if r.ok]

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.good) if self.good else math.nan

    @property
    def lo(self) -> float:
        return min((r.seconds for r in self.good), default=math.nan)

    @property
    def hi(self) -> float:
        return max((r.seconds for r in self.good), default=math.nan)

    @property
    def rss(self) -> float:
        return max((r.rss_mb for r in self.good), default=math.nan)

    @property
    def last(self) -> dict[str, Any]:
        return self.good[-1].result if self.good else {}

    def values(self, key: str) -> list[float]:
        return [r.result[key] for r in self.good]

    def med(self, key: Callable[[dict[str, Any]], float]) -> float:
        values = [key(r.result) for r in self.good]
        return statistics.median(values) if values else math.nan


def run_step(step: str, args: dict[str, Any], log_dir: Path, tag: str,
             background: bool = False) -> Run | subprocess.Popen[bytes]:
    log_dir.mkdir(parents=True, exist_ok=True)
    out = open(log_dir / f"{tag}.out", "wb")  # noqa: SIM115 - closed by wait_step
    err = open(log_dir / f"{tag}.err", "wb")  # noqa: SIM115
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "bench.steps", step, json.dumps(args)],
                            stdout=out, stderr=err, cwd=ROOT, env=env)
    proc.bench_meta = (step, log_dir, tag, started, out, err)  # type: ignore[attr-defined]
    if background:
        return proc
    return wait_step(proc)


def wait_step(proc: subprocess.Popen[bytes]) -> Run:
    step, log_dir, tag, started, out, err = proc.bench_meta  # type: ignore[attr-defined]
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    out.close()
    err.close()
    rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
    result: dict[str, Any] = {}
    for line in (log_dir / f"{tag}.out").read_text().splitlines():
        if line.startswith(PREFIX):
            result = json.loads(line[len(PREFIX):])
    ok = proc.returncode == 0 and bool(result)
    error = "" if ok else (log_dir / f"{tag}.err").read_text()[-2000:]
    if not ok:
        print(f"  ! {tag} failed: {error[-600:]}", flush=True)
    return Run(step, ok, float(result.get("seconds", math.nan)), wall, rss_mb, result, error)


class Bench:
    def __init__(self, scale: float, reps: int, publish_contacts: int, dagster_reps: int,
                 workers: int, results: Path, only: set[str] | None = None) -> None:
        self.scale = scale
        self.reduced = round(scale * 0.1, 6) if scale >= 0.01 else scale
        self.reps = reps
        self.dagster_reps = dagster_reps
        self.publish_contacts = publish_contacts
        self.workers = workers
        self.results = results
        self.only = only  # figure numbers to run (None: all)
        self.work = CACHE / f"work-s{scale:g}"
        self.figs: dict[str, Figure] = {}
        self.meta: dict[float, dict[str, Any]] = {}
        self.started = time.monotonic()

    # -- helpers ------------------------------------------------------------------------
    def log(self, msg: str) -> None:
        print(f"[{time.monotonic() - self.started:7.1f}s] {msg}", flush=True)

    def fig(self, name: str) -> Figure:
        return self.figs.setdefault(name, Figure())

    def tier(self, scale: float) -> Path:
        path = self.work / f"s{scale:g}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def landing(self, scale: float) -> str:
        return str(gen.landing_root(CACHE, scale))

    def once(self, name: str, step: str, args: dict[str, Any], scale: float) -> Run:
        run = run_step(step, args, self.tier(scale) / "logs", name)
        assert isinstance(run, Run)
        if not run.ok:
            raise SystemExit(f"setup step {name} failed:\n{run.error}")
        return run

    def round_robin(self, scale: float, methods: dict[str, tuple[str, Callable[[int], dict]]],
                    reps: int, keep: dict[str, str] | None = None) -> None:
        names = list(methods)
        for rep in range(reps):
            order = names[rep % len(names):] + names[:rep % len(names)]
            for name in order:
                step, make_args = methods[name]
                args = make_args(rep)
                run = run_step(step, args, self.tier(scale) / "logs", f"{name}-{rep}")
                assert isinstance(run, Run)
                self.fig(name).runs.append(run)
                self.log(f"{name} rep {rep}: {run.seconds:.2f} s, {run.rss_mb:.0f} MB"
                         + ("" if run.ok else " FAILED"))
                db = args.get("db")
                if keep and name in keep and run.ok and db:
                    Path(db).replace(keep[name])  # same filesystem: a rename, no copy
                for key in ("db",):
                    if args.get(key) and Path(args[key]).exists():
                        Path(args[key]).unlink()
                if step == "stage_dlt":
                    shutil.rmtree(Path(args["db"]).parent, ignore_errors=True)
                if args.get("home"):
                    shutil.rmtree(args["home"], ignore_errors=True)

    # -- the sequence -------------------------------------------------------------------
    def run(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        for scale in sorted({self.reduced, self.scale}):
            self.log(f"data at scale {scale:g} (cached under {gen.data_dir(CACHE, scale)})")
            self.meta[scale] = gen.generate(CACHE, scale, workers=self.workers, log=self.log)
        publish = self.staging_to_delta() if self.wants("1", "2", "3", "4", "6") else None
        if self.wants("5"):
            self.whole_sync()
        if self.wants("7"):
            self.history()
        if publish is not None:
            self.log("waiting for the publishes")
            publish.join()
            self.log("publishes done")
        keep = ("staged.duckdb", "built.duckdb", "day.duckdb", "ledger_full.duckdb",
                "outbox_full.outbox", "outbox.outbox")
        for path in [*self.work.rglob("*.duckdb"), *self.work.rglob("*.outbox")]:
            if path.name not in keep:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        self.write()

    def wants(self, *figures: str) -> bool:
        return self.only is None or bool(self.only & set(figures))

    def staging_to_delta(self) -> threading.Thread:
        """Figures 1-4, with 6 started in the background; returns the publish thread."""
        r, s = self.reduced, self.scale
        rt, st = self.tier(r), self.tier(s)

        # 1 at the reduced scale: ours, bare read_json and dlt side by side
        methods = {
            "r.stage_ours": ("stage_ours", lambda i: {"landing": self.landing(r),
                                                     "db": str(rt / f"ours{i}.duckdb")}),
            "r.stage_bare": ("stage_bare", lambda i: {"landing": self.landing(r),
                                                     "db": str(rt / f"bare{i}.duckdb")}),
            "r.stage_dlt": ("stage_dlt", lambda i: {"landing": self.landing(r),
                                                   "db": str(rt / f"dlt{i}" / "dlt.duckdb")}),
        }
        if importlib.util.find_spec("dlt") is None:
            self.log("dlt is not installed (pip install -e '.[bench]'): skipping it")
            del methods["r.stage_dlt"]
        self.round_robin(r, methods, self.reps, keep={"r.stage_ours": str(rt / "staged.duckdb")})

        # 6 in the background (paced at 5 req/s; needs the reduced tier's outbox)
        self.once("r.canonical", "canonical_ours",
                  {"src": str(rt / "staged.duckdb"), "db": str(rt / "built.duckdb")}, r)
        self.once("r.outbox", "delta", {"src": str(rt / "built.duckdb"),
                                        "db": str(rt / "tmp.duckdb"),
                                        "ledger": str(rt / "ledger.duckdb"),
                                        "outbox": str(rt / "outbox.outbox")}, r)
        publish = threading.Thread(target=self.publish_runs, args=(self.reps,), daemon=True)
        publish.start()
        self.log(f"{self.reps} publishes of a {self.publish_contacts}-contact slice started "
                 "(one after the other, in the background)")

        # 1 at full scale: ours and bare read_json
        self.round_robin(s, {
            "stage_ours": ("stage_ours", lambda i: {"landing": self.landing(s),
                                                   "db": str(st / f"ours{i}.duckdb")}),
            "stage_bare": ("stage_bare", lambda i: {"landing": self.landing(s),
                                                   "db": str(st / f"bare{i}.duckdb")}),
        }, self.reps, keep={"stage_ours": str(st / "staged.duckdb")})

        # 2 canonical build vs the bare SQL
        self.round_robin(s, {
            "canonical_ours": ("canonical_ours", lambda i: {
                "src": str(st / "staged.duckdb"), "db": str(st / f"can{i}.duckdb")}),
            "canonical_bare": ("canonical_bare", lambda i: {
                "src": str(st / "staged.duckdb"), "db": str(st / f"canb{i}.duckdb")}),
        }, self.reps, keep={"canonical_ours": str(st / "built.duckdb")})

        # 3 delta: full vs a 1% day
        self.once("outbox_full", "delta", {"src": str(st / "built.duckdb"),
                                           "db": str(st / "tmp.duckdb"),
                                           "ledger": str(st / "ledger0.duckdb"),
                                           "outbox": str(st / "outbox_full.outbox")}, s)
        self.once("mark_published", "mark_published", {
            "outbox": str(st / "outbox_full.outbox"), "ledger": str(st / "ledger_full.duckdb")},
            s)
        self.once("make_day", "make_day", {"src": str(st / "built.duckdb"),
                                           "db": str(st / "day.duckdb")}, s)
        self.round_robin(s, {
            "delta_full": ("delta", lambda i: {
                "src": str(st / "built.duckdb"), "db": str(st / f"df{i}.duckdb"),
                "ledger": str(st / f"lf{i}.duckdb"), "outbox": str(st / f"of{i}.outbox")}),
            "delta_day": ("delta", lambda i: {
                "src": str(st / "day.duckdb"), "db": str(st / f"dd{i}.duckdb"),
                "ledger": str(st / f"ld{i}.duckdb"), "outbox": str(st / f"od{i}.outbox"),
                "ledger_src": str(st / "ledger_full.duckdb"),
                "outbox_src": str(st / "outbox_full.outbox")}),
        }, self.reps)

        return publish

    def whole_sync(self) -> None:
        """Figure 5: the whole sync through Dagster vs its parts, at both scales."""
        r, s = self.reduced, self.scale
        rt, st = self.tier(r), self.tier(s)
        for scale, prefix, tier in ((r, "r.", rt), (s, "", st))[:1 if r == s else 2]:
            methods = {
                f"{prefix}parts_sync": ("parts_sync", lambda i, sc=scale, t=tier: {
                    "landing": self.landing(sc), "home": str(t / f"parts{i}")}),
                f"{prefix}dagster_sync": ("dagster_sync", lambda i, sc=scale, t=tier: {
                    "landing": self.landing(sc), "home": str(t / f"dagster{i}")}),
            }
            if not self.dagster_reps:
                del methods[f"{prefix}dagster_sync"]
            # One round-robin: the machine's load drifts alike for both sides of the ratio.
            self.round_robin(scale, methods, max(self.reps, self.dagster_reps))

    def history(self) -> None:
        """Figure 7: ten years x three stores, the CLI through the webserver vs direct calls."""
        rt = self.tier(self.reduced)
        self.round_robin(self.reduced, {
            "history_launch": ("history_launch", lambda i: {"home": str(rt / f"hl{i}")}),
            "history_direct": ("history_direct", lambda i: {"home": str(rt / f"hd{i}")}),
        }, self.dagster_reps)

    def publish_runs(self, reps: int) -> None:
        """Figure 6, one run after another (each is paced by the 5 req/s limit)."""
        rt = self.tier(self.reduced)
        start = len(self.fig("r.publish").runs)
        for i in range(start, start + reps):
            run = run_step("publish_slice", {
                "outbox": str(rt / "outbox.outbox"), "slice_path": str(rt / f"slice{i}.outbox"),
                "ledger": str(rt / f"publish_ledger{i}.duckdb"),
                "contacts": self.publish_contacts, "rate": RATE}, rt / "logs", f"publish-{i}")
            assert isinstance(run, Run)
            self.fig("r.publish").runs.append(run)
            self.log(f"publish rep {i}: {run.seconds:.1f} s, "
                     f"{run.result.get('rate', math.nan):.2f} req/s"
                     + ("" if run.ok else " FAILED"))

    def more_publishes(self, reps: int) -> None:
        """Add publish runs to the last run's saved figures, then write RESULTS.md again."""
        figures = json.loads((self.work / "figures.json").read_text())
        self.figs = {k: Figure([Run(**r) for r in runs]) for k, runs in figures.items()}
        self.publish_runs(reps)
        (self.work / "figures.json").write_text(json.dumps(
            {k: [r.__dict__ for r in f.runs] for k, f in self.figs.items()}, default=str,
            indent=1))
        self.rewrite()

    # -- report -------------------------------------------------------------------------
    def write(self, elapsed: float | None = None) -> None:
        from bench.report import render

        elapsed = time.monotonic() - self.started if elapsed is None else elapsed
        (self.work / "figures.json").write_text(json.dumps(
            {k: [r.__dict__ for r in f.runs] for k, f in self.figs.items()}, default=str,
            indent=1))
        (self.work / "elapsed.json").write_text(json.dumps({"elapsed": elapsed}))
        text = render(self, elapsed)
        self.results.write_text(text)
        self.log(f"wrote {self.results} ({elapsed:.0f} s in all)")

    def rewrite(self) -> None:
        """Render RESULTS.md again from the last run's saved figures (no measuring)."""
        figures = json.loads((self.work / "figures.json").read_text())
        self.figs = {k: Figure([Run(**r) for r in runs]) for k, runs in figures.items()}
        for scale in sorted({self.reduced, self.scale}):
            self.meta[scale] = gen.generate(CACHE, scale, workers=self.workers, log=self.log)
        saved = self.work / "elapsed.json"
        elapsed = json.loads(saved.read_text())["elapsed"] if saved.exists() else math.nan
        self.write(elapsed)


def plan_requests(to_send: dict[str, int]) -> dict[str, int]:
    """Requests our publisher makes for ``to_send`` objects per kind."""
    out = {}
    for kind, n in to_send.items():
        if kind == "contact":
            out[kind] = math.ceil(n / CONTACTS_PER_BULK)
        elif kind == "order":
            out[kind] = math.ceil(n / ORDERS_PER_CALL)
        else:
            out[kind] = n
    return out


def min_wall(requests: dict[str, int]) -> float:
    """Pacing floor: every request in the account's 5/s bucket, bulk imports also ≤100/min."""
    total = sum(requests.values())
    bulk = requests.get("contact", 0)
    return max(total / RATE, max(bulk - 1, 0) * 60 / BULK_PER_MIN)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("duckdb", "dagster", "dlt", "pyarrow", "pandas", "ecom-sync"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def machine() -> dict[str, str]:
    cpu = "?"
    mem = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram": mem,
            "os": f"{platform.system()} {platform.release()}",
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}

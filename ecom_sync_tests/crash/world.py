"""The crash suite's world (issue 13): a stand-in BigCommerce store, a real Dagster instance
(its ``dagster.yaml`` as shipped, pool slots of ended runs freed after a second instead of
five minutes), and per cycle a fresh state folder with fresh stand-in destinations
(an ActiveCampaign account and a Connectif store) published to over loopback HTTP.

Runs go through Dagster as the UI launches them: the code location ``ecom_sync.definitions``
and its asset job, steps in processes of their own (the default multiprocess executor,
``spawn``) for the run that is killed, so the run's coordinator survives the SIGKILL of a
step and reports the run failed. The recovery is Dagster's re-execution of that run from
its failure, in process.
"""

from __future__ import annotations

import json
import logging
import os
import time
import types
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._daemon.monitoring.concurrency import execute_concurrency_slots_iteration

from ecom_sandbox.activecampaign.app import create_app as create_ac_app
from ecom_sandbox.activecampaign.state import AcAccount
from ecom_sandbox.bigcommerce.app import create_app as create_bc_app
from ecom_sandbox.bigcommerce.sandbox import Sandbox
from ecom_sandbox.connectif.app import create_app as create_cx_app
from ecom_sandbox.connectif.state import ConnectifAccount, ConnectifCloud
from ecom_sandbox.server import serve_in_thread
from ecom_sync.crashpoints import ARM_ENV, TALLY_ENV
from ecom_sync.defs.partitions import range_tags
from ecom_sync.paths import PROJECT_DIR
from ecom_sync_tests.conftest import STATE_VARS
from ecom_sync_tests.destinations.connectif.conftest import DOMAINS, KEY_ID, KEY_SECRET, STORE_URLS

HISTORY_DAYS = 4
CONN = "acme_outdoor"
STORE = "acmeoutdoor"
DESTS = ("activecampaign", "connectif_us")
AC_TOKEN = "crash-ac-token"
ENV = {"TEST_OUTDOOR_TOKEN": "sandbox-token-acmeoutdoor", "TEST_AC_TOKEN": AC_TOKEN,
       "TEST_CX_KEY_ID": KEY_ID, "TEST_CX_KEY_SECRET": KEY_SECRET}
JOB = "__ASSET_JOB"  # every asset: what "Materialize all" in the UI runs
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}


def step_keys(step: str) -> list[dg.AssetKey]:
    """The assets a step materialises: ``landing``, ``staging``, ``canonical`` or a
    destination's outbox and publish."""
    if step in DESTS:
        return [dg.AssetKey([step, "outbox"]), dg.AssetKey([step, "published"])]
    from ecom_sync.defs.keys import CANONICAL_KEYS

    if step == "canonical":
        return list(CANONICAL_KEYS)
    streams = ("customers", "subscribers", "orders", "products", "carts")
    return [dg.AssetKey([step, CONN, s]) for s in streams]


# The steps from a killed one down to the end: what the killed run selects, so that its
# re-execution from failure runs the killed step and everything after it.
DOWNSTREAM = {"landing": ("landing", "staging", "canonical", *DESTS),
              "staging": ("staging", "canonical", *DESTS),
              "canonical": ("canonical", *DESTS)}


@dataclass
class Cycle:
    """One state folder, its destinations and its config, for one crash and recovery."""

    home: Path
    config: Path
    ac: AcAccount
    cx: ConnectifAccount
    env: dict[str, str]

    def warehouse(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every staging and canonical table, its rows sorted (the extract time left out)."""
        con = duckdb.connect(str(self.home / "warehouse.duckdb"), read_only=True)
        try:
            con.execute("set TimeZone = 'UTC'")
            tables = con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_schema in ('staging', 'canonical') order by 1").fetchall()
            return {t: con.execute(f"select * exclude (_extracted_at) from {t} order by all"
                                   if _has_column(con, t, "_extracted_at") else
                                   f"select * from {t} order by all").fetchall()
                    for (t,) in tables}
        finally:
            con.close()

    def landing_leftovers(self) -> list[str]:
        """Landing folders that are neither a committed window nor a writer's work folder:
        a window set aside by a swap that never finished (``recover_swaps`` undoes it)."""
        base = self.home / "landing" / CONN
        return sorted(f"{s.name}/{c.name}" for s in base.iterdir() for c in s.iterdir()
                      if not c.name.startswith(".tmp-") and not (c / "_manifest.json").exists())

    def destinations(self) -> dict[str, Any]:
        """What each destination holds, by natural key with multiplicities."""
        from ecom_sync_tests.destinations.activecampaign.test_resume import state as ac_state
        from ecom_sync_tests.destinations.connectif.test_resume import state as cx_state

        ac = ac_state(types.SimpleNamespace(account=self.ac))  # type: ignore[arg-type]
        cx = cx_state(types.SimpleNamespace(account=self.cx))  # type: ignore[arg-type]
        return {"activecampaign": ac, "connectif_us": cx}


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    schema, name = table.split(".")
    return bool(con.execute(
        "select count(*) from information_schema.columns where table_schema = ? and "
        "table_name = ? and column_name = ?", [schema, name, column]).fetchone()[0])


@dataclass
class CrashWorld:
    root: Path
    sandbox: Sandbox
    bc_url: str
    instance: dg.DagsterInstance
    fresh_window_hours: float
    stack: ExitStack
    cycles: int = 0
    passes: dict[str, Counter[str]] = field(default_factory=dict)
    expected: Cycle | None = None

    @property
    def job(self) -> Any:
        return ReconstructableRepository.for_module(
            "ecom_sync.definitions", "defs", working_directory=str(PROJECT_DIR)
        ).get_reconstructable_job(JOB)

    def tags(self) -> dict[str, str]:
        return range_tags(self.history_start(), datetime.now(UTC).date())

    @staticmethod
    def history_start() -> date:
        return datetime.now(UTC).date() - timedelta(days=HISTORY_DAYS)

    # -- cycles -----------------------------------------------------------------------------
    @contextmanager
    def cycle(self) -> Iterator[Cycle]:
        """A fresh state folder and destinations, the environment pointing at them."""
        self.cycles += 1
        folder = self.root / f"cycle{self.cycles:03d}"
        folder.mkdir()
        ac = AcAccount(AC_TOKEN, rate_per_second=1000.0)
        cx = ConnectifAccount("connectif_us", [_key()], authorised_domains=DOMAINS,
                              integrations=["integ-1"], rate_limit=100_000)
        with ExitStack() as stack:
            ac_url = stack.enter_context(serve_in_thread(create_ac_app(ac)))
            cx_url = stack.enter_context(serve_in_thread(create_cx_app(ConnectifCloud([cx]))))
            config = folder / "ecom_sync.yaml"
            config.write_text(json.dumps(self._config(ac_url, cx_url)))  # JSON is YAML
            env = {**ENV, "ECOM_SYNC_HOME": str(folder / "state"),
                   "ECOM_SYNC_CONFIG": str(config)}
            cycle = Cycle(folder / "state", config, ac, cx, env)
            with environment(env, state=True):
                yield cycle

    def _config(self, ac_url: str, cx_url: str) -> dict[str, Any]:
        return {
            "connections": [{
                "name": CONN, "platform": "bigcommerce", "store_name": "Acme Outdoor",
                "store_hash": STORE, "currency": "USD", "token_env": "TEST_OUTDOOR_TOKEN",
                "api_base_url": self.bc_url, "history_start": self.history_start().isoformat(),
                "page_size": 10, "http": {"timeout_s": 5.0, "backoff_max_s": 0.2}}],
            "destinations": [
                {"name": "activecampaign", "type": "activecampaign", "api_url": ac_url,
                 "token_env": "TEST_AC_TOKEN", "rate_limit_per_second": 1000,
                 "contact_batch_size": 11, "order_batch_size": 5,
                 "fresh_window_hours": self.fresh_window_hours},
                {"name": "connectif_us", "type": "connectif", "api_url": cx_url,
                 "key_id_env": "TEST_CX_KEY_ID", "token_env": "TEST_CX_KEY_SECRET",
                 "currency": "USD", "batch_size": 8, "rate_limit_per_second": 100_000,
                 "storefronts": [{"connection": CONN, "url": STORE_URLS[CONN]}],
                 "authorised_domains": DOMAINS, "fresh_window_hours": self.fresh_window_hours},
            ],
        }

    # -- runs -------------------------------------------------------------------------------
    def run(self, steps: tuple[str, ...], *, crash_at: str | None = None,
            tally: Path | None = None) -> dg.DagsterRun:
        """A run of the steps' assets. Killed runs execute each step in its own process
        (the default executor) so the coordinator outlives the SIGKILL; others in process."""
        keys = [k for s in steps for k in step_keys(s)]
        extra = {ARM_ENV: crash_at} if crash_at else {TALLY_ENV: str(tally)} if tally else {}
        with environment(extra), dg.execute_job(
                self.job, self.instance, tags=self.tags(), asset_selection=keys,
                run_config=None if crash_at else IN_PROCESS, raise_on_error=False) as result:
            return result.dagster_run

    def recover(self, failed: dg.DagsterRun) -> dg.DagsterRun:
        """Dagster's re-execution of ``failed`` from its failure, once the pool slots its
        killed step held are freed (the daemon's concurrency iteration: what
        ``free_slots_after_run_end_seconds`` sets)."""
        deadline = time.monotonic() + 30
        while self._held_by(failed.run_id) and time.monotonic() < deadline:
            time.sleep(0.3)
            list(execute_concurrency_slots_iteration(
                types.SimpleNamespace(instance=self.instance), logging.getLogger(__name__)))
        assert not self._held_by(failed.run_id), "the killed run's pool slots were not freed"
        options = dg.ReexecutionOptions.from_failure(failed.run_id, self.instance)
        with dg.execute_job(self.job, self.instance, reexecution_options=options,
                            tags=self.tags(), run_config=IN_PROCESS,
                            raise_on_error=False) as result:
            return result.dagster_run

    def _held_by(self, run_id: str) -> bool:
        storage = self.instance.event_log_storage
        return run_id in storage.get_concurrency_run_ids()

    def sigkilled_steps(self, run: dg.DagsterRun) -> list[str]:
        """Steps of ``run`` whose process the executor saw die of SIGKILL."""
        return [e.step_key or "" for e in self.instance.all_logs(run.run_id)
                if e.is_dagster_event and e.dagster_event.event_type_value == "ENGINE_EVENT"
                and "terminated by signal 9" in (e.message or "")]


def _key() -> Any:
    from ecom_sandbox.connectif.state import ApiKey

    return ApiKey(KEY_ID, KEY_SECRET)


@contextmanager
def environment(values: dict[str, str], *, state: bool = False) -> Iterator[None]:
    """``values`` in ``os.environ`` (spawned step processes inherit it), then as before;
    with ``state``, the other state variables (``STATE_VARS``) unset meanwhile."""
    saved = {k: os.environ.get(k) for k in {*values, *STATE_VARS}}
    for var in STATE_VARS if state else ():
        if var not in values:
            os.environ.pop(var, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def fresh_window_hours(sandbox: Sandbox, now: datetime) -> float:
    """A freshness window (M5) whose edge lies in the widest gap between two orders, so the
    orders that fire automations are the same in every publish of the session."""
    placed = sorted({o["date_created"] for o in sandbox.store(STORE).orders.values()
                     if o["date_created"] < now - timedelta(hours=1)})
    edges = [now - timedelta(hours=1), *reversed(placed)]
    gaps = [(a - b, a - (a - b) / 2) for a, b in zip(edges, edges[1:], strict=False)]
    _, middle = max(gaps)
    return (now - middle).total_seconds() / 3600


def make_world(root: Path, stack: ExitStack) -> CrashWorld:
    sandbox = Sandbox.demo(31, rate_limit_quota=100_000, history_days=HISTORY_DAYS,
                           customers=14, orders=24, products=8, carts=0)
    bc_url = stack.enter_context(serve_in_thread(create_bc_app(sandbox)))
    home = root / "dagster"
    home.mkdir(parents=True)
    shipped = (PROJECT_DIR / "dagster.yaml").read_text()
    assert "free_slots_after_run_end_seconds:" in shipped
    (home / "dagster.yaml").write_text(
        "\n".join("  free_slots_after_run_end_seconds: 1" if "free_slots_after_run_end" in line
                  else line for line in shipped.splitlines()))
    instance = stack.enter_context(dg.DagsterInstance.from_config(str(home)))
    return CrashWorld(root, sandbox, bc_url, instance,
                      fresh_window_hours(sandbox, datetime.now(UTC)), stack)

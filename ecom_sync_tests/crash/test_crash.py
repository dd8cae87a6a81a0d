"""The crash suite (issue 13): the landing, staging, canonical and publish steps are killed
(SIGKILL, from inside, at a point chosen by the seed: mid-walk, mid-merge, mid-swap,
mid-batch) in real Dagster runs; Dagster marks the run failed, its re-execution from the
failure succeeds, and then the warehouse and both destination stand-ins hold exactly what
a clean sync and publish of the same store give: nothing missing, nothing twice.

CI runs ``CI_SEEDS`` seeds per step; the others of the full run (20 seeds per step) are
behind the ``crash_full`` marker. All of them:
``.venv/bin/pytest -p no:cacheprovider -m '' ecom_sync_tests/crash``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import dagster as dg
import pytest

from ecom_sync_tests.crash.world import DESTS, DOWNSTREAM, CrashWorld, make_world
from ecom_sync_tests.tally import tally_crash

CI_SEEDS = 2
SEEDS = 20
STEPS = ("landing", "staging", "canonical", "publish")
# Where each step can be killed (crashpoints.py), by the group of runs that passes them.
POINTS = {
    "landing": ("landing.page", "api.answered"),
    "landing_again": ("landing.page", "api.answered", "landing.swap"),
    "staging": ("staging.merge",),
    "canonical": ("canonical.model", "canonical.swap"),
    "activecampaign": ("publish.batch", "publish.sent", "api.answered"),
    "connectif_us": ("publish.batch", "publish.sent", "api.answered"),
}
KILLED: list[str] = []  # the runs this module killed


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The world and what a clean sync and publish give, step by step, with how often
    each step passes each crash point (a seed picks one of those passes)."""
    with ExitStack() as stack:
        w = make_world(tmp_path_factory.mktemp("crash"), stack)
        with w.cycle() as clean:
            for group, steps in (("landing", ("landing",)), ("landing_again", ("landing",)),
                                 ("staging", ("staging",)), ("canonical", ("canonical",)),
                                 *((d, (d,)) for d in DESTS)):
                tally = w.root / f"tally-{group}.txt"
                run = w.run(steps, tally=tally)
                assert run.status == dg.DagsterRunStatus.SUCCESS, group
                w.passes[group] = Counter(tally.read_text().split())
                if group in DESTS:  # its own requests, not the read-back check's after it
                    w.passes[group]["api.answered"] = min(
                        w.passes[group]["api.answered"], published_requests(w, group))
            expected = {"warehouse": clean.warehouse(), "destinations": clean.destinations()}
        assert all(n == 1 for d in expected["destinations"].values() for c in d.values()
                   for n in (c.values() if isinstance(c, Counter) else [1]))
        yield {"world": w, "expected": expected}


def published_requests(w: CrashWorld, dest: str) -> int:
    event = w.instance.get_latest_materialization_event(dg.AssetKey([dest, "published"]))
    assert event is not None and event.asset_materialization is not None
    return int(event.asset_materialization.metadata["requests"].value)


def crash_cases() -> list[Any]:
    return [pytest.param(step, seed, id=f"{step}-{seed}",
                         marks=[] if seed < CI_SEEDS else [pytest.mark.crash_full])
            for step in STEPS for seed in range(SEEDS)]


@pytest.mark.parametrize(("step", "seed"), crash_cases())
def test_r_m6_a_step_killed_anywhere_recovers_to_exactly_the_clean_state(
    world: dict[str, Any], step: str, seed: int
) -> None:
    """M6 / S4 under SIGKILL: the seed picks the step's point and which pass of it (and,
    for the steps before publish, whether an earlier complete sync is there already); the
    killed run is failed in Dagster with the step's SIGKILL reported, its re-execution
    from the failure succeeds, and warehouse and destinations equal the clean result."""
    w: CrashWorld = world["world"]
    rng = random.Random(f"{step}:{seed}")
    prior = step != "publish" and rng.random() < 0.5
    with w.cycle() as cycle:
        if prior:  # an earlier sync and publish, complete: this is a re-sync killed
            assert w.run(("landing", "staging", "canonical", *DESTS)).status.name == "SUCCESS"
        if step == "publish":
            dest = rng.choice(DESTS)
            group, killed_steps, upstream = dest, (dest,), ("landing", "staging", "canonical")
        else:
            group = "landing_again" if prior and step == "landing" else step
            killed_steps = DOWNSTREAM[step]
            upstream = ("landing", "staging", "canonical")[: ("landing", "staging",
                                                              "canonical").index(step)]
        if upstream:
            assert w.run(upstream).status == dg.DagsterRunStatus.SUCCESS
        point = rng.choice([p for p in POINTS[group] if w.passes[group][p]])
        nth = rng.randint(1, w.passes[group][point])
        failed = w.run(killed_steps, crash_at=f"{point}:{nth}")

        assert failed.status == dg.DagsterRunStatus.FAILURE, f"{point}:{nth} never reached"
        assert w.sigkilled_steps(failed), "the run failed, but not by the SIGKILL"
        recovered = w.recover(failed)
        assert recovered.status == dg.DagsterRunStatus.SUCCESS
        assert recovered.parent_run_id == failed.run_id
        if step == "publish":  # the other destination publishes as usual
            assert w.run(tuple(d for d in DESTS if d != dest)).status.name == "SUCCESS"

        assert cycle.warehouse() == world["expected"]["warehouse"]
        assert not cycle.landing_leftovers()
        assert cycle.destinations() == world["expected"]["destinations"]
    KILLED.append(failed.run_id)
    tally_crash(step, seed)


def test_dagster_shows_every_killed_run_failed_and_its_recovery(world: dict[str, Any]
                                                                ) -> None:
    """The instance's run history: each killed run is FAILURE with its step's SIGKILL, and
    is the parent of a successful re-execution."""
    w: CrashWorld = world["world"]
    runs = w.instance.get_runs()
    failed = [r for r in runs if r.status == dg.DagsterRunStatus.FAILURE]
    children = {r.parent_run_id: r for r in runs if r.parent_run_id}
    for run in failed:
        assert w.sigkilled_steps(run)
        assert children[run.run_id].status == dg.DagsterRunStatus.SUCCESS
    assert {r.run_id for r in failed} == set(KILLED)


"""One conformance suite for every source, over real loopback HTTP against its stand-in:
per stream, a window extracted twice lands and stages each record once; a record changed
mid-walk loses nothing; a 429 burst and 5xx are recovered; window bounds are half-open.

A platform joins with one line in ``HARNESSES``: ``harness("<platform>")``, naming the
``HARNESS`` of ``ecom_sync_tests/sources/<platform>/harness.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

from ecom_sandbox.faults import TRANSPORT_KINDS
from ecom_sync.sources.landing import Window
from ecom_sync.sources.registry import available_platforms, get_platform
from ecom_sync_tests.sources.conformance.harness import PAGE_SIZE, Case, SourceHarness
from ecom_sync_tests.tally import tally_faults


def harness(platform: str) -> type[SourceHarness]:
    """``HARNESS`` of ``ecom_sync_tests/sources/<platform>/harness.py``."""
    return import_module(f"ecom_sync_tests.sources.{platform}.harness").HARNESS


HARNESSES = [
    harness("bigcommerce"),
    harness("shopify"),
    harness("square"),
    harness("shopsite"),
]

CASES = [(h, stream) for h in HARNESSES for stream in h.streams]


@pytest.fixture(params=CASES, ids=[f"{h.platform}-{s}" for h, s in CASES])
def case(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Case]:
    harness_type, stream = request.param
    monkeypatch.setenv("ECOM_SYNC_HOME", str(tmp_path))
    with ExitStack() as stack:
        yield Case(harness_type(stack, monkeypatch), stream, tmp_path)


def assert_once(ids: list[Any]) -> None:
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"landed more than once: {dupes}"


def test_every_platform_joins_the_suite_with_every_stream() -> None:
    """A new platform needs a harness; each of its streams is walked or says why not."""
    assert sorted(h.platform for h in HARNESSES) == available_platforms()
    for h in HARNESSES:
        declared = {s.name for s in get_platform(h.platform).streams}
        assert set(h.streams) | set(h.skipped_streams) == declared, h.platform
        assert not set(h.streams) & set(h.skipped_streams)


def test_r_m6_a_window_extracted_twice_lands_and_stages_each_record_once(case: Case) -> None:
    """M3 / M6: every record of the window once, over several pages; extracting the
    window again replaces its landing folder and leaves the staged rows as they were."""
    window = case.full_window()
    first = case.extract(window)
    staged = case.stage(window)
    second = case.extract(window)
    assert first.folder == second.folder
    assert [p.name for p in second.folder.parent.iterdir()] == [window.folder], "no leftovers"

    expected = case.expected(window)
    assert len(expected) > 2 * PAGE_SIZE, "the window must span several pages"
    assert second.stats.pages >= 3
    assert_once(second.ids)
    assert set(second.ids) == expected
    assert second.stats.records == first.stats.records == len(expected)
    assert case.stage(window) == staged
    assert len(staged) == len(expected)


def test_r_m6_a_record_changed_mid_walk_is_not_lost(case: Case) -> None:
    """M6: when a later page is asked for, records on pages already read change (their
    cursor moves past the walk's upper bound, ``now``); nothing still in the window is
    skipped, whatever the paginator."""
    window = case.full_window()
    victims = case.first_read(window)
    touched: list[Any] = []

    def on_request(path: str, params: dict[str, Any]) -> None:
        if not touched and case.harness.is_continuation(case.stream_name, path, params):
            when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
            for record_id in victims:
                case.harness.touch(case.stream_name, record_id, when)
            touched.extend(victims)

    remove = case.harness.on_request(on_request)
    try:
        landed = set(case.extract(window).ids)
    finally:
        remove()
    assert touched, "the walk never asked for a second page"
    now = datetime.now(UTC)
    still_in_window = {i for i, ts in case.harness.records(case.stream_name).items()
                       if window.contains(ts) and ts <= now}
    missing = still_in_window - landed
    assert not missing, f"records skipped by pagination: {sorted(missing)}"
    assert landed <= still_in_window | set(touched)


def test_r_m4_a_429_burst_and_5xx_are_retried_to_a_complete_extract(case: Case) -> None:
    """M4: 429s (the platform's rate-limit answer) and 5xx are waited out and retried;
    the extract is complete and counts its retries."""
    failures = case.harness.add_faults()
    window = case.full_window()
    run = case.extract(window)
    assert case.harness.faults_left() == 0
    assert run.stats.retries == failures
    assert_once(run.ids)
    assert set(run.ids) == case.expected(window)


def test_r_m2_window_bounds_are_half_open(case: Case) -> None:
    """M2: a window ``[start, end)`` takes a record stamped exactly ``start`` and leaves
    one stamped exactly ``end`` to the next window (API bounds are inclusive)."""
    records = case.harness.records(case.stream_name)
    stamps = sorted(set(records.values()))
    window = Window(stamps[len(stamps) // 5], stamps[(len(stamps) * 3) // 5])
    ids = case.extract(window).ids
    assert_once(ids)
    assert set(ids) == case.expected(window)
    on_start = {i for i, ts in records.items() if ts == window.start}
    on_end = {i for i, ts in records.items() if ts == window.end}
    assert on_start and on_start <= set(ids)
    assert on_end and not on_end & set(ids)


# ----- the fault catalogue (issue 13), one short test per kind per platform --------------
def exhibits(platform: str) -> set[str]:
    """The catalogue kinds a platform's API can show us, read from its streams: every API
    can fail on the wire, rate-limit with its own headers and run a clock of its own; one
    that pages lists can repeat or change records between pages; one whose walks restart
    can expire a cursor."""
    streams = [s for s in get_platform(platform).streams if s.paginator is not None]
    kinds = set(TRANSPORT_KINDS) | {"rate_limited", "clock_skew"}
    if streams:
        kinds |= {"repeat_page", "modified_while_paging"}
    if any(s.restarts for s in streams):
        kinds.add("expired_cursor")
    return kinds


def test_every_stand_in_can_inject_what_its_api_can_exhibit() -> None:
    """Issue 13: a stand-in lacking a fault its API can exhibit fails here."""
    for h in HARNESSES:
        missing = exhibits(h.platform) - set(h.fault_type.catalogue())
        assert not missing, f"{h.platform} stand-in cannot inject {sorted(missing)}"


# The spec of each kind: what goes wrong, enough to matter and short to run.
FAULT_SPECS: dict[str, dict[str, Any]] = {
    "http_429": {"count": 3, "skip": 1},
    "http_5xx": {"count": 2, "status": 502, "skip": 1},
    "slow": {"count": 1, "seconds": 0.6, "skip": 1},
    "drop": {"count": 2, "skip": 1},
    "truncated_json": {"count": 2, "skip": 1},
    "invalid_json": {"count": 2, "skip": 1},
    "rate_limited": {"count": 3, "every": 1, "skip": 1},
    "repeat_page": {"count": 2, "records": 3},
    "expired_cursor": {"count": 1},
    "modified_while_paging": {"count": 1, "records": 3},
}
RETRIED = ("http_429", "http_5xx", "slow", "drop", "truncated_json", "invalid_json",
           "rate_limited")
FAULT_CASES = [(h, kind) for h in HARNESSES for kind in h.fault_type.catalogue()]


def fault_stream(harness_type: type[SourceHarness], kind: str) -> str:
    """The stream a kind is tried on: one whose walk restarts for an expired cursor."""
    if kind == "expired_cursor":
        platform = get_platform(harness_type.platform)
        return next(s for s in harness_type.streams if platform.stream(s).restarts)
    return harness_type.streams[0]


@pytest.fixture(params=FAULT_CASES, ids=[f"{h.platform}-{k}" for h, k in FAULT_CASES])
def fault_case(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Case, str]]:
    harness_type, kind = request.param
    monkeypatch.setenv("ECOM_SYNC_HOME", str(tmp_path))
    with ExitStack() as stack:
        case = Case(harness_type(stack, monkeypatch), fault_stream(harness_type, kind),
                    tmp_path)
        yield case, kind
        tally_faults(case.harness.faults.injected)


def test_r_m6_every_fault_of_the_catalogue_loses_nothing_and_lands_nothing_twice(
    fault_case: tuple[Case, str],
) -> None:
    """M4 / M6 under each fault the stand-in can inject: transport failures and rate
    limits are retried (a lost answer to a read is asked again), a repeated page lands its
    records once, an expired cursor restarts the walk, records changed mid-walk lose
    nothing; the extract is the window's records, each once."""
    case, kind = fault_case
    if kind == "clock_skew":
        return check_clock_skew(case)
    conn = case.harness.connection()
    if kind == "slow":  # past the client's timeout
        conn = conn.model_copy(update={"http": conn.http.model_copy(update={"timeout_s": 0.3})})
    window = case.full_window()
    before = case.harness.records(case.stream_name)
    case.harness.faults.add_spec({"kind": kind, **FAULT_SPECS[kind]})
    run = case.extract(window, conn)
    assert case.harness.faults.pending([kind]) == 0, f"{kind} was never met"
    assert case.harness.faults.injected.get(kind), kind
    if kind == "modified_while_paging":
        # A record changed within the walk's last second may come again, as its newer
        # version (staging keeps the newest); never the same version twice.
        assert_once([(r["id"], r[case.stream.cursor_field]) for r in run.rows])
        now = datetime.now(UTC)
        after = case.harness.records(case.stream_name)
        changed = {i for i in after if after[i] != before[i]}
        assert changed, "nothing was changed mid-walk"
        still = {i for i, ts in after.items() if case.walked(window).contains(ts) and ts <= now}
        assert not still - set(run.ids), "records skipped by pagination"
        assert set(run.ids) <= still | changed
        return
    assert_once(run.ids)
    assert set(run.ids) == case.expected(window)
    assert run.stats.records == len(run.ids)
    if kind in RETRIED:
        assert run.stats.retries >= FAULT_SPECS[kind]["count"]
    if kind == "repeat_page":
        assert run.stats.repeated >= FAULT_SPECS[kind]["records"]


def check_clock_skew(case: Case) -> None:
    """The store's clock runs 2 minutes behind ours: a record it changes right after a
    window was walked is stamped before that window's end. The next window's walk reaches
    back (the lookback, ``clock_skew_s``) and lands it: nothing falls between windows."""
    boundary = datetime.now(UTC)
    first = case.extract(Window(case.full_window().start, boundary))
    case.harness.faults.add_spec({"kind": "clock_skew", "seconds": -120})
    victim = sorted(first.ids, key=str)[len(first.ids) // 2]
    case.harness.touch(case.stream_name, victim, None)  # stamped by the skewed clock
    stamp = case.harness.records(case.stream_name)[victim]
    assert stamp < boundary, "the skewed clock stamps the change in the walked window"
    second = case.extract(Window(boundary, datetime.now(UTC) + timedelta(hours=1)))
    assert victim in second.ids, "a change stamped before the window was lost"
    assert case.harness.faults.injected.get("clock_skew")

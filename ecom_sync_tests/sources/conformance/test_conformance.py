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

from ecom_sync.sources.landing import Window
from ecom_sync.sources.registry import available_platforms, get_platform
from ecom_sync_tests.sources.conformance.harness import PAGE_SIZE, Case, SourceHarness


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

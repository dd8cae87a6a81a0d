"""Connectif under every fault of the catalogue its API can exhibit (issue 13): the
publish completes and the store holds exactly what a clean publish gives."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ecom_sandbox.connectif.faults import ConnectifFaults
from ecom_sync_tests.destinations.connectif.conftest import CxTarget
from ecom_sync_tests.destinations.connectif.test_resume import state
from ecom_sync_tests.destinations.faults import (
    FAST_RETRIES,
    SLOW_CLIENT,
    SPECS,
    inject,
    missing_kinds,
)
from ecom_sync_tests.tally import tally_faults


@pytest.fixture(scope="module")
def clean_state() -> dict[str, object]:
    return {}


def test_the_stand_in_can_inject_what_the_api_can_exhibit() -> None:
    assert not missing_kinds(ConnectifFaults)


@pytest.mark.parametrize("kind", list(ConnectifFaults.catalogue()))
def test_r_m6_a_publish_under_each_fault_sends_everything_once(
    cx_factory: Callable[..., CxTarget], clean_state: dict[str, object], kind: str
) -> None:
    """M6: faults on the wire (a purchase whose create went unanswered is looked up, not
    posted twice) and 429s with the account window's headers; the store ends as a clean
    publish leaves it, each purchase and cart event once."""
    if "state" not in clean_state:
        clean = cx_factory()
        (at,) = clean.query("select max(placed_at) from canonical.orders")[0]
        clean_state["at"] = at  # some orders and carts fresh: which fired must match too
        assert clean.publish(at=at).failed == 0
        clean_state["state"] = state(clean)
    target = cx_factory()
    faults = target.faults
    inject(faults, kind, "/purchases")
    if clean_state["state"]["events"]:  # cart events fire workflows: never two
        faults.add_spec({"kind": kind, **SPECS[kind], "path": "/custom-events/"})
    dest = target.dest(**FAST_RETRIES, **(SLOW_CLIENT if kind == "slow" else {}))
    report = target.publish(dest, at=clean_state["at"])
    tally_faults(faults.injected)
    assert faults.pending([kind]) == 0, f"{kind} was never met"
    assert report.failed == 0, report.text()
    assert state(target) == clean_state["state"]
    assert all(n == 1 for n in state(target)["events"].values())
    # A purchase whose create went unanswered was looked up, never posted twice (409).
    assert not [r for r in target.account.requests if r[2] == 409]

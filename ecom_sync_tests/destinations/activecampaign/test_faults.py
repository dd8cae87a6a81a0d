"""ActiveCampaign under every fault of the catalogue its API can exhibit (issue 13): the
publish completes and the account holds exactly what a clean publish gives."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ecom_sandbox.activecampaign.faults import AcFaults
from ecom_sync_tests.destinations.activecampaign.conftest import AcTarget
from ecom_sync_tests.destinations.activecampaign.test_resume import state
from ecom_sync_tests.destinations.faults import (
    FAST_RETRIES,
    SLOW_CLIENT,
    inject,
    missing_kinds,
)
from ecom_sync_tests.tally import tally_faults

AT = datetime.now(UTC)  # one publish time: the same orders are fresh in every publish


@pytest.fixture(scope="module")
def clean_state() -> dict[str, object]:
    return {}


def test_the_stand_in_can_inject_what_the_api_can_exhibit() -> None:
    assert not missing_kinds(AcFaults)


@pytest.mark.parametrize("kind", [k for k in AcFaults.catalogue()])
def test_r_m6_a_publish_under_each_fault_sends_everything_once(
    ac_factory: Callable[..., AcTarget], clean_state: dict[str, object], kind: str
) -> None:
    """M6: faults on the wire (lost answers included: a create whose answer was lost is
    looked up, not made twice) and 429s with the account's headers; the account ends as
    a clean publish leaves it."""
    if "state" not in clean_state:
        clean = ac_factory()
        assert clean.publish(at=AT).failed == 0
        clean_state["state"] = state(clean)
        clean_state["refused"] = refused_creates(clean)
    target = ac_factory()
    extra = {"retry_after": 0} if kind == "rate_limited" else {}
    inject(target.account.faults, kind, "/api/3/ecomCustomers", **extra)
    report = target.publish(at=AT, **FAST_RETRIES, **(SLOW_CLIENT if kind == "slow" else {}))
    tally_faults(target.account.faults.injected)
    assert target.account.faults.pending([kind]) == 0, f"{kind} was never met"
    assert report.failed == 0, report.text()
    assert state(target) == clean_state["state"]
    assert all(n == 1 for counter in state(target).values() for n in counter.values())
    # A create whose answer was lost was looked up, never sent again (and refused as a
    # duplicate: this stand-in's choice, the real API may just make a second one).
    assert refused_creates(target) == clean_state["refused"]


def refused_creates(target: AcTarget) -> int:
    return sum(1 for method, _, status in target.account.requests
               if method == "POST" and status == 422)

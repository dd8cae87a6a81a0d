"""The fault catalogue (issue 13) as the destination tests use it: what each kind does to
a publish, and what a destination's API can exhibit. A publish under any of them ends
with the destination holding exactly what a clean publish gives: nothing missing,
nothing twice (a create whose answer was lost is looked up, never sent again)."""

from __future__ import annotations

from typing import Any

from ecom_sandbox.faults import TRANSPORT_KINDS, FaultList

# Destinations' APIs fail on the wire and rate-limit with their own headers; the
# sync reads no lists and keeps no cursors there while it publishes.
EXHIBITS = frozenset({*TRANSPORT_KINDS, "rate_limited"})

SPECS: dict[str, dict[str, Any]] = {
    "http_429": {"count": 2},
    "http_5xx": {"count": 2, "status": 502},
    "slow": {"count": 2, "seconds": 0.4},
    "drop": {"count": 2},
    "truncated_json": {"count": 2},
    "invalid_json": {"count": 2},
    "rate_limited": {"count": 2},
}
FAST_RETRIES = {"backoff_max_s": 0.05}  # retries wait at most this long in these tests
SLOW_CLIENT = {"timeout_s": 0.2}  # the destination's client timeout under ``slow``


def inject(faults: FaultList[Any], kind: str, create_path: str, **extra: Any) -> None:
    """Two faults of ``kind``: one on the requests of ``create_path`` (look-ups and the
    creates themselves, where a lost answer matters), one later in the publish."""
    faults.add_spec({"kind": kind, **SPECS[kind], "path": create_path, "skip": 1, **extra})
    faults.add_spec({"kind": kind, **SPECS[kind], "skip": 15, **extra})


def missing_kinds(fault_type: type[FaultList[Any]]) -> set[str]:
    return set(EXHIBITS) - set(fault_type.catalogue())

"""A Connectif publish killed mid-way resumes without duplicates; the client keeps to the
account's rate window."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from ecom_sync_tests.destinations.connectif.conftest import KEY_ID, KEY_SECRET, CxTarget

PUBLISH_SCRIPT = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from ecom_sync.destinations.connectif import DESTINATION
from ecom_sync.destinations.connectif.config import ConnectifDestination
dest = ConnectifDestination.model_validate_json(sys.argv[1])
DESTINATION.publish(dest, Path(sys.argv[2]), Path(sys.argv[3]), datetime.fromisoformat(sys.argv[4]))
"""


def state(cx: CxTarget) -> dict[str, Any]:
    """What the store holds, by natural key (a duplicate would show as a count > 1)."""
    events: dict[str, int] = {}
    for event in cx.account.data["events"].values():
        events[event["data"]["cart_id"]] = events.get(event["data"]["cart_id"], 0) + 1
    return {
        "contacts": sorted(cx.account.data["contacts"]),
        "products": {k: v["unitPrice"] for k, v in cx.account.data["products"].items()},
        "purchases": {k: (v["totalPrice"], v["triggerPurchaseEvent"])
                      for k, v in cx.account.data["purchases"].items()},
        "event_types": sorted(cx.account.data["event_types"]),
        "events": events,
    }


def test_r_m6_killed_publish_resumes_without_duplicates_or_gaps(
        cx_factory: Callable[..., CxTarget]) -> None:
    """M6: kill the publishing process mid-way (purchases half sent), run it again: the
    store holds exactly what one clean publish gives; the purchase create that went out
    unanswered is looked up, never posted twice (no 409)."""
    clean, killed = cx_factory(), cx_factory()
    (newest,) = clean.query("select max(placed_at) from canonical.orders")[0]
    at = newest  # some orders and carts fresh: which fired must match too
    clean.publish(at=at)
    dest = killed.dest(rate_limit_per_second=60.0, batch_size=10)
    killed.build(dest)
    env = {**os.environ, "TEST_CX_KEY_ID": KEY_ID, "TEST_CX_KEY_SECRET": KEY_SECRET}
    proc = subprocess.Popen([sys.executable, "-c", PUBLISH_SCRIPT, dest.model_dump_json(),
                             str(killed.outbox), str(killed.ledger), at.isoformat()], env=env)
    deadline = time.monotonic() + 60
    while len(killed.account.data["purchases"]) < 20 and time.monotonic() < deadline:
        assert proc.poll() is None, "publish finished before it could be killed"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < len(killed.account.data["purchases"]) < len(clean.account.data["purchases"])
    report = killed.publish(dest, at=at, build=False)
    assert report.failed == 0
    assert state(killed) == state(clean)
    assert all(n == 1 for n in state(killed)["events"].values())
    assert not [r for r in killed.account.requests if r[2] == 409]


def test_client_waits_out_the_rate_window_and_retries_a_429(
        cx_factory: Callable[..., CxTarget]) -> None:
    """B.1: with a small window the client reads ``X-RateLimit-Remaining: 0`` and waits for
    ``X-RateLimit-Reset`` instead of provoking 429s; a 429 (here: the budget spent by
    another app) is retried after the reset, with no Retry-After to go by."""
    cx = cx_factory(rate_limit=100, window_s=2.0)
    dest = cx.dest(storefronts=[{"connection": "acme_europe",
                                 "url": "https://store-acmeeu.mybigcommerce.com"}],
                   currency="EUR")
    cx.build(dest)
    while True:  # spend a window that has well over a second left, so the publish meets it
        decision = cx.account.limiter.acquire()
        if not decision.allowed and int(decision.headers["X-RateLimit-Reset"]) - time.time() > 1.2:
            break
    report = cx.publish(dest, build=False)
    assert report.failed == 0 and report.requests > 100
    served_429 = sum(1 for r in cx.account.requests if r[2] == 429)
    assert report.throttled == served_429 == 1

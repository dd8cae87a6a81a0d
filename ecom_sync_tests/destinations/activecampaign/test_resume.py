"""A publish killed mid-way and re-run; only what changed is sent; a rotated API key."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from ecom_sync.sources.http import ReconnectRequired
from ecom_sync_tests.conftest import SyncedDemo
from ecom_sync_tests.destinations.activecampaign.conftest import AC_TOKEN, TAGS, AcTarget
from ecom_sync_tests.helpers import make_outbox

PUBLISH_SCRIPT = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from ecom_sync.destinations.activecampaign import DESTINATION
from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination
dest = ActiveCampaignDestination(name="activecampaign", type="activecampaign",
    api_url=sys.argv[1], token_env="TEST_AC_TOKEN", rate_limit_per_second=40.0,
    order_batch_size=10, contact_batch_size=50)
DESTINATION.publish(dest, Path(sys.argv[2]), Path(sys.argv[3]), datetime.now(UTC))
"""


def state(ac: AcTarget) -> dict[str, Counter]:
    """What the account holds, by natural key, with multiplicities (duplicates show)."""
    return {
        "contacts": Counter(c["email"].lower() for c in ac.account.records("contacts")),
        "customers": Counter((c["connectionid"], c["email"].lower())
                             for c in ac.account.records("ecom_customers")),
        "orders": Counter((o["connectionid"], o.get("externalid"), o.get("externalcheckoutid"))
                          for o in ac.account.records("ecom_orders")),
        "gql_orders": Counter((o["legacyConnectionId"], o["storeOrderId"])
                              for o in ac.account.records("gql_orders")),
        "connections": Counter(c["externalid"] for c in ac.account.records("connections")),
    }


def test_r_m6_killed_publish_resumes_without_duplicates_or_gaps(
    ac_factory: Callable[..., AcTarget], tmp_path: Path
) -> None:
    """M6: kill the publishing process after some batches, run it again: the account holds
    exactly what one clean publish gives, nothing twice, nothing missing."""
    clean = ac_factory()
    clean.publish()
    killed = ac_factory()
    env = {**os.environ, "TEST_AC_TOKEN": AC_TOKEN}
    proc = subprocess.Popen([sys.executable, "-c", PUBLISH_SCRIPT, killed.url,
                             str(killed.outbox), str(killed.ledger)], env=env)
    deadline = time.monotonic() + 60
    while killed.account.write_requests() < 12 and time.monotonic() < deadline:
        assert proc.poll() is None, "publish finished before it could be killed"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = sum(len(v) for v in state(killed).values())
    assert 0 < partial < sum(len(v) for v in state(clean).values())
    report = killed.publish()
    assert report.failed == 0
    assert state(killed) == state(clean)
    assert all(n == 1 for counter in state(killed).values() for n in counter.values())


def test_r_m6_a_one_percent_change_sends_only_that(
    ac: AcTarget, synced_demo: SyncedDemo, tmp_path: Path
) -> None:
    """M6: after a full publish, 1% of the orders change in the warehouse; the outbox is
    brought up to date (rendering those only) and the publish sends those orders and
    nothing else."""
    ac.publish()
    db = tmp_path / "changed.duckdb"
    shutil.copy(synced_demo.duckdb, db)
    con = duckdb.connect(str(db))
    edited = "contact_eligible and email_key is not null and hash(connection, order_id) % 100 = 0"
    con.execute(f"update canonical.orders set status = status || ' (changed)' where {edited}")
    n_changed = con.execute(f"select count(*) from canonical.orders where {edited} "
                            "and status_group <> 'incomplete'").fetchone()[0]
    con.close()
    assert n_changed > 0
    outbox = tmp_path / "outbox"
    shutil.copytree(ac.outbox, outbox)
    make_outbox(SimpleNamespace(duckdb=db), outbox, connection_tags=TAGS)
    writes = ac.account.write_requests()
    report = ac.publish(outbox=outbox)
    assert report.plan["order"]["changed"] == n_changed
    totals = report.totals()
    assert totals["order"]["updated"] == n_changed
    assert sum(t["created"] + t["updated"] for t in totals.values()) == n_changed
    # orders go 50 to a GraphQL call
    assert ac.account.write_requests() - writes == -(-n_changed // 50)


def test_rotated_api_key_asks_to_reconnect_then_resumes(
    ac_factory: Callable[..., AcTarget], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revoked key fails with a reconnect message naming the variable (never the key);
    with the new key in place the publish resumes with no duplicates (S4)."""
    clean = ac_factory()
    clean.publish()
    ac = ac_factory()
    ac.account.token = "new-key"
    with pytest.raises(ReconnectRequired) as info:
        ac.publish()
    assert "TEST_AC_TOKEN" in str(info.value) and AC_TOKEN not in str(info.value)
    monkeypatch.setenv("TEST_AC_TOKEN", "new-key")
    assert ac.publish().failed == 0
    assert state(ac) == state(clean)


def test_objects_sent_without_a_recorded_answer_are_looked_up_not_recreated(
    ac: AcTarget,
) -> None:
    """The v3 API has no idempotency key: a cart or customer whose create went out but
    whose answer was never recorded (the process died) is looked up first, so no second
    create is even attempted."""
    ac.publish()
    con = duckdb.connect(str(ac.ledger))
    con.execute("update objects set status = 'sending', remote_id = null, hash = null "
                "where kind in ('cart', 'ecom_customer')")
    con.close()
    before = len(ac.account.requests)
    ac.publish()
    rerun = ac.account.requests[before:]
    assert not [r for r in rerun if r[0] == "POST" and "ecom" in r[1]]
    assert not [r for r in rerun if r[2] == 422]
    assert any(r[0] == "GET" and "ecomOrders" in r[1] for r in rerun)
    assert all(n == 1 for counter in state(ac).values() for n in counter.values())

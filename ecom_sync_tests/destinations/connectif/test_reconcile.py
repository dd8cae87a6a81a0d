"""Reading a stand-in Connectif store back: its API reads objects one by one (no lists),
so reconcile looks each sent object up; carts cannot be read back and say so."""

from __future__ import annotations

from ecom_sync.destinations.connectif import DESTINATION
from ecom_sync.publish.reconcile import reconcile_destination
from ecom_sync_tests.destinations.connectif.conftest import CxTarget


def test_r_m6_connectif_drift_found_and_repaired(cx: CxTarget) -> None:
    """M6: a purchase deleted in Connectif and a contact renamed there are found by key
    look-ups (missing, different name); repair re-sends just those two; carts and the
    event type are reported as not readable."""
    dest = cx.dest()
    assert cx.publish(dest).failed == 0
    clean = reconcile_destination(DESTINATION, dest, cx.outbox, cx.ledger)
    assert clean.drift == 0, clean.text()
    assert set(clean.unreadable) == {"cart", "cart_event_type"}
    assert clean.requests == sum(d.checked + d.counts["missing"] for d in clean.kinds.values())

    purchase_id = sorted(cx.account.data["purchases"])[0]
    del cx.account.data["purchases"][purchase_id]
    email, contact = sorted(cx.account.data["contacts"].items())[0]
    contact["_name"] = "Renamed Elsewhere"

    found = reconcile_destination(DESTINATION, dest, cx.outbox, cx.ledger, repair=True)
    assert found.kinds["purchase"].counts["missing"] == 1, found.text()
    assert found.kinds["contact"].fields == {"name": 1}, found.text()
    assert found.requeued == {"purchase": 1, "contact": 1}

    again = cx.publish(dest, build=False)
    sent = {k: t["created"] + t["updated"] for k, t in again.totals().items()
            if t["created"] + t["updated"]}
    assert sent == {"purchase": 1, "contact": 1}, again.text()
    assert purchase_id in cx.account.data["purchases"]
    assert cx.account.data["contacts"][email]["_name"] != "Renamed Elsewhere"
    assert reconcile_destination(DESTINATION, dest, cx.outbox, cx.ledger).drift == 0

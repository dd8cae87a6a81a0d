"""Reading the stand-in ActiveCampaign account back after a publish: drift made behind the
sync's back (over the account's own REST API and its people's actions) is found, and a
repaired ledger makes the next publish send exactly those objects again."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ecom_sandbox.activecampaign.admin import remove_from_list, unsubscribe
from ecom_sync.cli import main
from ecom_sync.destinations.activecampaign import DESTINATION
from ecom_sync.publish.reconcile import ReconcileReport, reconcile_destination
from ecom_sync_tests.destinations.activecampaign.conftest import AC_TOKEN, AcTarget
from ecom_sync_tests.live_world import World


def run_reconcile(ac: AcTarget, **kwargs: Any) -> ReconcileReport:
    return reconcile_destination(DESTINATION, ac.dest(), ac.outbox, ac.ledger, **kwargs)


def rest(ac: AcTarget, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Another tool of the merchant's, writing to the account over its v3 API."""
    answer = httpx.request(method, f"{ac.url}/api/3{path}", json=body,
                           headers={"Api-Token": AC_TOKEN})
    answer.raise_for_status()
    return answer.json()


def subscribed_contacts(ac: AcTarget, n: int) -> list[str]:
    return ac.account.list_members("1")[:n]


def test_r_m6_drift_is_found_and_repair_sends_only_what_drifted(ac: AcTarget) -> None:
    """M6/C4: after a publish the account matches (no drift). An order deleted, a total
    changed and a contact removed from the master list are found (missing, different
    total, missing membership); an unsubscribe is an opt-out, not drift. ``repair``
    re-queues those objects; the next publish sends exactly them (no automation fires),
    the account matches again, and the unsubscribed contact stays unsubscribed."""
    assert ac.publish().failed == 0
    clean = run_reconcile(ac)
    assert clean.drift == 0, clean.text()
    checked = {k: d.checked for k, d in clean.kinds.items()}
    assert all(checked[k] > 0 for k in ("connection", "contact", "list_membership",
                                         "ecom_customer", "order", "cart")), checked

    orders = [o for o in ac.account.records("ecom_orders") if o["externalid"]]
    deleted, changed = orders[0], orders[1]
    rest(ac, "DELETE", f"/ecomOrders/{deleted['id']}")
    rest(ac, "PUT", f"/ecomOrders/{changed['id']}",
         {"ecomOrder": {"totalPrice": changed["totalPrice"] + 500}})
    removed, opted_out = subscribed_contacts(ac, 2)
    remove_from_list(ac.account, removed)
    unsubscribe(ac.account, opted_out)

    found = run_reconcile(ac)
    order = found.kinds["order"]
    assert (order.counts["missing"], order.counts["different"]) == (1, 1), found.text()
    assert order.fields == {"total_minor": 1}
    members = found.kinds["list_membership"]
    assert members.counts["missing"] == 1 and members.counts["opted_out"] == 1, found.text()
    assert found.opt_outs == [opted_out.lower()]
    assert found.drift == 3
    assert order.samples["different"][0]["diffs"] == [
        ("total_minor", str(changed["totalPrice"]), str(changed["totalPrice"] + 500))]

    repaired = run_reconcile(ac, repair=True)
    assert repaired.requeued == {"order": 2, "subscription": 1}

    writes = ac.account.write_requests()
    again = ac.publish()
    assert again.failed == 0 and again.fired_automations == 0
    sent = {k: t["created"] + t["updated"] for k, t in again.totals().items()
            if t["created"] + t["updated"]}
    assert sent == {"order": 2, "subscription": 1}, again.text()
    assert ac.account.write_requests() - writes == 2  # one bulk import, one GraphQL call
    assert removed in ac.account.list_members("1")
    assert opted_out in ac.account.list_members("1", status=2)  # C4: never re-subscribed
    after = run_reconcile(ac)
    assert after.drift == 0, after.text()


def test_r_m6_a_sampled_reconcile_stays_within_its_request_budget(ac: AcTarget) -> None:
    """The sampled reconcile (the asset check's) looks objects up by key, or walks a kind
    whole where that takes fewer requests, and stops at its request budget; the kinds it
    could not finish say so."""
    assert ac.publish().failed == 0
    before = len(ac.account.requests)
    sampled = run_reconcile(ac, sample=1)
    assert sampled.drift == 0
    assert sampled.kinds["contact"].checked == sampled.kinds["order"].checked == 1
    assert len(ac.account.requests) - before == sampled.requests
    whole = run_reconcile(ac, sample=50)  # walking is cheaper than 50 look-ups per kind
    assert whole.kinds["order"].checked > 50 and whole.requests < 50
    bounded = run_reconcile(ac, sample=1, max_requests=4)
    assert bounded.requests <= 4 and bounded.drift == 0
    assert any(not d.complete for d in bounded.kinds.values())


def test_r_m6_reconcile_command_reads_each_destination_back(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ecom-sync reconcile`` reads every destination back from the state folder and
    config and reports per kind, with what Connectif cannot read back."""
    assert main(["reconcile", "--sample", "3"]) == 0
    out = capsys.readouterr().out
    assert "activecampaign: reconcile (sample of 3)" in out
    assert "connectif_us: reconcile (sample of 3)" in out
    assert "cart: not read back: Connectif has no read endpoint" in out
    assert "drift 0" in out

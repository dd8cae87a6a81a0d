"""Consent reaching ActiveCampaign: a store's opt-out outweighs another's opt-in, a
never_change connection (C5) touches no list and sets no consent, and every subscription
the sync holds back says why (the outbox's skip reason, the publish report)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import duckdb

from ecom_sandbox.activecampaign.admin import unsubscribe
from ecom_sync import paths
from ecom_sync.publish.ledger import Ledger
from ecom_sync.sources.registry import get_platform
from ecom_sync.warehouse.build import build_canonical
from ecom_sync.warehouse.db import connect
from ecom_sync_tests.conftest import SyncedDemo
from ecom_sync_tests.destinations.activecampaign.conftest import TAGS, AcTarget
from ecom_sync_tests.helpers import historical_sync, make_outbox, outbox_rows
from ecom_sync_tests.live_world import World


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_r_c3_c4_declined_in_one_store_is_not_subscribed_for_another(
    ac: AcTarget, synced_demo: SyncedDemo
) -> None:
    """C3/C4: a person opted in at one store and not at the other is not put on the master
    list (any opt-out wins); the subscription is held back with the reason, and each
    store's e-commerce customer keeps its own consent (C3)."""
    split = [email for (email,) in query(synced_demo.duckdb, """
        select email from canonical.contacts
        where list_bool_or([c.accepts_marketing for c in consents])
          and not list_bool_and([c.accepts_marketing for c in consents])""")]
    assert split
    report = ac.publish()
    assert report.failed == 0
    assert report.skipped["subscription"]["declined_in_another_store"] == len(split)
    members = {e.lower() for e in ac.account.list_members("1")}
    assert members and not members & {e.lower() for e in split}
    ids = {c["id"]: c["externalid"] for c in ac.account.records("connections")}
    accepts = {(ids[c["connectionid"]], c["email"].lower()): c["acceptsMarketing"]
               for c in ac.account.records("ecom_customers")}
    for email in split:
        assert {v for (_, e), v in accepts.items() if e == email.lower()} == {"0", "1"}


def test_r_c5_a_never_change_connection_touches_no_list_and_no_consent(
    ac: AcTarget, synced_demo: SyncedDemo, tmp_path: Path
) -> None:
    """C5 as a per-connection policy: with acme_europe on never_change, a contact known
    only from it joins no list however it consented there (held back with the reason),
    and no consent is sent for its e-commerce customers or orders; acme_outdoor's
    contacts are unaffected."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(synced_demo.duckdb, db)
    with connect(db) as con:
        assert build_canonical(con, [get_platform("bigcommerce")],
                               {"acme_outdoor": "sync", "acme_europe": "never_change"}).swapped
    outbox = make_outbox(SimpleNamespace(duckdb=db), tmp_path / "outbox", connection_tags=TAGS)
    held = {r["key"] for r in outbox_rows(
        outbox, "kind = 'subscription' and skip_reason = 'consent_policy_never_change'")}
    europe_opt_ins = {e for (e,) in query(db, """
        select email_key from canonical.contacts where connections = ['acme_europe']
          and list_bool_or([c.accepts_marketing for c in consents])""")}
    assert europe_opt_ins and europe_opt_ins <= held

    report = ac.publish(outbox=outbox)
    assert report.failed == 0
    members = {e.lower() for e in ac.account.list_members("1")}
    assert members and not members & europe_opt_ins
    europe = next(c["id"] for c in ac.account.records("connections")
                  if c["externalid"] == "acme_europe")
    gql = [o for o in ac.account.records("gql_orders")
           if str(o["legacyConnectionId"]) == europe]
    assert gql and all("acceptsMarketing" not in o for o in gql)
    outdoor = [o for o in ac.account.records("gql_orders")
               if str(o["legacyConnectionId"]) != europe]
    assert outdoor and all("acceptsMarketing" in o for o in outdoor)


def test_r_c4_an_unsubscribe_in_the_account_survives_a_historical_resync(
    world: World,
) -> None:
    """C4: someone who unsubscribed in ActiveCampaign and then opts in at the store is not
    put back on the list by a full historical re-sync: the publisher finds them among the
    list's unsubscribed members and holds the subscription back (never sent), the ledger
    keeps the opt-out, and from then on the outbox holds it back with the reason."""
    store = world.sandbox.store("acmeoutdoor")
    email, subscriber_id = world.query("""
        select c.email_key, s.id from canonical.contacts c
        join staging.bigcommerce_subscribers s
          on s.connection = 'acme_outdoor' and lower(trim(s.email)) = c.email_key
        where c.connections = ['acme_outdoor'] and c.consent_status = 'not_opted_in'
        order by c.email_key limit 1""")[0]
    unsubscribe(world.ac, email)  # e.g. signed up through a form, then left
    world.sandbox.touch("acmeoutdoor", "subscribers", subscriber_id,
                        consents=["marketing_newsletter"])
    assert "marketing_newsletter" in store.subscribers[subscriber_id]["consents"]

    historical_sync(world.config)
    assert world.query("select consent_status from canonical.contacts where email_key = ?",
                       email) == [("opted_in",)]
    batches_before = set(world.ac.data["bulk_batches"])
    report = world.publish()["activecampaign"]
    assert report.totals()["subscription"]["held_unsubscribed_in_destination"] == 1
    assert email in world.ac.list_members("1", status=2)
    assert email not in world.ac.list_members("1")
    sent = [c for b in set(world.ac.data["bulk_batches"]) - batches_before
            for c in world.ac.data["bulk_batches"][b]["contacts"]]
    assert not [c for c in sent if c["email"].lower() == email and c.get("subscribe")]
    with Ledger(paths.ledger_path("activecampaign")) as ledger:
        assert email in [k for k, _, _ in ledger.opt_outs()]

    again = world.publish()["activecampaign"]
    assert again.skipped["subscription"]["unsubscribed_in_destination"] >= 1
    assert sum(t["created"] + t["updated"] for t in again.totals().values()) == 0

"""The consent rules of canonical.contacts (models/contacts.sql), over hand-made customer
records of one person in two stores, in a scratch database shaped like the demo's."""

from __future__ import annotations

from typing import Any

import duckdb

from ecom_sync.warehouse.build import MODELS_DIR
from ecom_sync_tests.conftest import SyncedDemo

OLDER, NEWER = "2026-10-01 10:00:00+00", "2026-11-01 10:00:00+00"


def contact_over(demo: SyncedDemo, records: list[tuple[str, bool | None, str]],
                 policies: dict[str, str] | None = None) -> dict[str, Any]:
    """The contacts model over customer records ``(connection, accepts, updated_at)`` of
    ann@example.org, with these connection consent policies."""
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{demo.duckdb}' as demo (read_only)")
        con.execute("create schema ref")
        con.execute("create table ref.connections as select * from demo.ref.connections")
        con.execute("create table ref.consent_policies (connection varchar, "
                    "consent_policy varchar)")
        for item in (policies or {}).items():
            con.execute("insert into ref.consent_policies values (?, ?)", list(item))
        for table in ("customers", "orders", "abandoned_carts"):
            con.execute(f"create table {table} as select * from demo.canonical.{table} limit 0")
        for n, (conn, accepts, at) in enumerate(records):
            con.execute(
                "insert into customers select * replace (? as connection, ? as customer_id, "
                "'Ann@Example.org' as email, 'ann@example.org' as email_key, "
                "? as accepts_marketing, ?::timestamptz as updated_at, "
                "(select store_name from ref.connections where connection = ?) as store_name)"
                " from demo.canonical.customers limit 1", [conn, f"c{n}", accepts, at, conn])
        cur = con.execute((MODELS_DIR / "contacts.sql").read_text())
        names = [d[0] for d in cur.description]
        (row,) = cur.fetchall()
        return dict(zip(names, row, strict=True))
    finally:
        con.close()


def test_r_c3_an_opt_out_in_any_store_wins_whatever_the_times(synced_demo: SyncedDemo) -> None:
    """C3: each store's consent is kept with where and when it came from; a "no" in one
    store outweighs a "yes" in another, older or newer, and is what decided."""
    for no_at, yes_at in ((NEWER, OLDER), (OLDER, NEWER)):
        contact = contact_over(synced_demo, [("acme_outdoor", True, yes_at),
                                             ("acme_europe", False, no_at)])
        assert contact["consent_status"] == "not_opted_in"
        assert contact["accepts_marketing"] is False
        assert contact["consent_source"]["connection"] == "acme_europe"
        assert contact["consent_source"]["store"] == "Acme Europe"
        assert [(c["connection"], c["accepts_marketing"], c["record"], c["policy"])
                for c in contact["consents"]] == [
            ("acme_europe", False, "c1", "sync"), ("acme_outdoor", True, "c0", "sync")]
        assert {str(c["at"])[:10] for c in contact["consents"]} == {OLDER[:10], NEWER[:10]}


def test_r_c3_opted_in_when_every_store_with_a_value_says_yes(synced_demo: SyncedDemo) -> None:
    """C3: opted in when at least one store says yes and none says no; the newest yes is
    the source; a store with no value (none) is not a no."""
    contact = contact_over(synced_demo, [("acme_outdoor", True, OLDER),
                                         ("acme_europe", True, NEWER)])
    assert (contact["consent_status"], contact["accepts_marketing"]) == ("opted_in", True)
    assert contact["consent_source"]["record"] == "c1"
    alone = contact_over(synced_demo, [("acme_outdoor", True, OLDER),
                                       ("acme_europe", None, NEWER)])
    assert alone["consent_status"] == "opted_in" and len(alone["consents"]) == 1


def test_r_c5_a_never_change_connection_gives_no_consent(synced_demo: SyncedDemo) -> None:
    """C5 as a per-connection policy: the values of a never_change connection are kept
    (with their policy) but decide nothing; known only from it, the contact has none."""
    policies = {"acme_europe": "never_change"}
    only = contact_over(synced_demo, [("acme_europe", True, NEWER)], policies)
    assert (only["consent_status"], only["accepts_marketing"]) == ("none", False)
    assert only["consent_source"] is None
    assert only["consents"][0]["policy"] == "never_change"
    both = contact_over(synced_demo, [("acme_outdoor", True, OLDER),
                                      ("acme_europe", False, NEWER)], policies)
    assert both["consent_status"] == "opted_in"
    assert both["consent_source"]["connection"] == "acme_outdoor"

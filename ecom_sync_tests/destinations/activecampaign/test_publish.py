"""Publishing the synced demo stores into a stand-in ActiveCampaign account over loopback
HTTP, checked against the canonical tables and the stand-in's own state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import duckdb

from ecom_sync_tests.conftest import SyncedDemo
from ecom_sync_tests.destinations.activecampaign.conftest import AcTarget


def canonical(synced: SyncedDemo, sql: str, *params: object) -> list[tuple]:
    con = duckdb.connect(str(synced.duckdb), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def connection_ids(ac: AcTarget) -> dict[str, str]:
    return {c["externalid"]: c["id"] for c in ac.account.records("connections")}


def test_r_s1_one_connection_per_store_and_everything_lands(
    ac: AcTarget, synced_demo: SyncedDemo
) -> None:
    """S1: one AC connection per store, named after it; contacts, customers, orders and
    carts all land."""
    report = ac.publish()
    assert report.failed == 0, report.errors
    conns = {c["externalid"]: c["name"] for c in ac.account.records("connections")}
    assert conns == {"acme_outdoor": "Acme Outdoor", "acme_europe": "Acme Europe"}
    n_contacts = canonical(synced_demo, "select count(*) from canonical.contacts")[0][0]
    assert len(ac.account.records("contacts")) == n_contacts
    sent_orders = canonical(synced_demo, "select count(*) from canonical.orders "
                            "where contact_eligible and status_group <> 'incomplete' "
                            "and email_key is not null")[0][0]
    gql = ac.account.records("gql_orders")
    assert len(gql) == sent_orders
    assert report.totals()["order"]["created"] == sent_orders


def test_r_c1_c2_one_contact_named_from_the_newest_order(ac: AcTarget, synced_demo) -> None:
    """C1: one contact per e-mail, one e-commerce customer per store; C2: its names are
    those of the newest order or cart."""
    ac.publish()
    ids = connection_ids(ac)
    both = canonical(synced_demo, "select email, first_name, last_name from "
                     "canonical.contacts where len(connections) = 2")
    assert both
    for email, first, last in both:
        contact = ac.account.contact_by_email(email)
        assert contact is not None
        assert (contact["firstName"], contact["lastName"]) == (first, last)
        assert ac.account.ecom_customer(ids["acme_outdoor"], email) is not None
        assert ac.account.ecom_customer(ids["acme_europe"], email) is not None
    emails = [c["email"].lower() for c in ac.account.records("contacts")]
    assert len(emails) == len(set(emails))


def test_r_c3_bc2_consent_synced_for_every_customer(ac: AcTarget, synced_demo) -> None:
    """C3/BC2: every customer is sent, ticked or not; consent is the e-commerce customer's
    acceptsMarketing."""
    ac.publish()
    ids = connection_ids(ac)
    customers = canonical(synced_demo, "select connection, email, accepts_marketing "
                          "from canonical.customers")
    got = {}
    for conn, email, accepts in customers:
        customer = ac.account.ecom_customer(ids[conn], email)
        assert customer is not None, email
        got[(conn, email)] = str(customer["acceptsMarketing"]) == "1"
        assert got[(conn, email)] == accepts
    assert set(got.values()) == {True, False}


def test_r_c4_opted_in_contacts_join_the_master_list(ac: AcTarget, synced_demo) -> None:
    """C4: contacts who accept marketing are on the master list; the others are not."""
    ac.publish()
    opted = {e.lower() for (e,) in canonical(
        synced_demo, "select email from canonical.contacts where accepts_marketing")}
    members = {e.lower() for e in ac.account.list_members("1")}
    assert opted and members == opted


def test_r_c4_deleted_or_renamed_master_list_means_no_list(
    ac_factory: Callable[..., AcTarget]
) -> None:
    """C4: if the master list was deleted or renamed, contacts are added to no list."""
    deleted = ac_factory()
    deleted.account.delete_list("1")
    assert deleted.publish().failed == 0
    assert not deleted.account.records("contact_lists")
    renamed = ac_factory()
    renamed.account.rename_list("1", "Old newsletter")
    assert renamed.publish().failed == 0
    assert not renamed.account.records("contact_lists")
    assert renamed.account.records("contacts")


def test_r_bc3_bc4_guests_left_out_and_contacts_tagged(ac: AcTarget, synced_demo) -> None:
    """BC3: no guest checkout reaches AC; BC4: contacts carry bigcommerce-customer."""
    ac.publish()
    guests = canonical(synced_demo, "select connection, order_id from canonical.orders "
                       "where is_guest")
    ids = connection_ids(ac)
    assert guests
    assert all(ac.account.gql_order(ids[c], o) is None for c, o in guests)
    emails = [e for (e,) in canonical(synced_demo, "select email from canonical.contacts")]
    assert all("bigcommerce-customer" in ac.account.contact_tags_of(e) for e in emails)
    europe_only = canonical(synced_demo, "select email from canonical.contacts "
                            "where connections = ['acme_europe'] limit 3")
    assert all("acme-europe" in ac.account.contact_tags_of(e) for (e,) in europe_only)


def test_r_bc5_e2_e3_order_fields_and_products(ac: AcTarget, synced_demo) -> None:
    """BC5/E2/E3: total, currency, date, shipping method, order link, status, store; each
    product's name, category, SKU, quantity, price and image."""
    ac.publish()
    ids = connection_ids(ac)
    order_id, total, currency, method, url = canonical(
        synced_demo, "select order_id, total_minor, currency, shipping_method, order_url "
        "from canonical.orders where connection = 'acme_outdoor' and status_group = 'paid' "
        "and contact_eligible and email is not null and currency = 'USD' "
        "order by order_id limit 1")[0]
    v3 = ac.account.orders(connectionid=ids["acme_outdoor"], externalid=order_id)
    assert len(v3) == 1
    order = v3[0]
    assert int(order["totalPrice"]) == total
    assert order["currency"].upper() == currency
    assert order["shippingMethod"] == method and order["orderUrl"] == url
    lines = canonical(synced_demo, "select name, category, sku, quantity, total_minor "
                      "from canonical.order_lines where connection = 'acme_outdoor' and "
                      "order_id = ? order by line_id", order_id)
    products = sorted(ac.account.order_products(order["id"]), key=lambda p: p["name"])
    assert sorted((p["name"], p["category"], p["sku"], int(p["quantity"])) for p in products) \
        == sorted((n, c, s, q) for n, c, s, q, _ in lines)


def test_r_bc6_abandoned_carts_with_recovery_url(ac: AcTarget, synced_demo) -> None:
    """BC6: abandoned carts arrive as v3 carts with the recovery URL and abandoned date."""
    ac.publish()
    carts = canonical(synced_demo, "select cart_id, recovery_url from canonical.abandoned_carts "
                      "where status = 'abandoned' and contact_eligible")
    assert carts
    for cart_id, url in carts:
        found = ac.account.orders(externalcheckoutid=cart_id)
        assert len(found) == 1
        assert found[0]["orderUrl"] == url and found[0]["abandonedDate"]


def test_r_m5_only_fresh_orders_fire_automations(ac_factory, synced_demo) -> None:
    """M5: orders placed within 24 h before the publish are real-time (source 1); older
    ones are historical (0); a run told to fire nothing sends all as historical."""
    newest = canonical(synced_demo, "select max(placed_at) from canonical.orders "
                       "where contact_eligible and status_group <> 'incomplete'")[0][0]
    at = newest + timedelta(hours=1)
    fresh = set(canonical(
        synced_demo, "select connection, order_id from canonical.orders where contact_eligible "
        "and email_key is not null and status_group <> 'incomplete' and placed_at >= ?",
        at - timedelta(hours=24)))
    assert fresh
    ac = ac_factory()
    report = ac.publish(at=at)
    assert report.fired_automations == len(fresh)
    names = {v: k for k, v in connection_ids(ac).items()}
    fired = {(names[o["connectionid"]], o["externalid"]) for o in ac.account.records("ecom_orders")
             if o.get("externalid") and ac.account.fires_automation(o)}
    assert fired == fresh
    quiet = ac_factory()
    quiet.publish(at=at, fire_nothing=True)
    assert not any(quiet.account.fires_automation(o) for o in quiet.account.records("ecom_orders")
                   if o.get("externalid"))


def test_r_m6_no_change_no_writes_and_the_dry_run_sends_nothing(ac: AcTarget) -> None:
    """M6: a second publish with nothing new makes no write request; a dry run sends
    nothing at all but says what it would send."""
    dry = ac.publish(dry_run=True)
    assert ac.account.requests == []
    assert dry.totals()["order"]["to_send"] > 0 and dry.samples["order"]
    ac.publish()
    writes = ac.account.write_requests()
    again = ac.publish()
    assert ac.account.write_requests() == writes
    assert all(t["created"] == t["updated"] == 0 for t in again.totals().values())


def test_a_rejected_order_is_recorded_and_retried_next_run(ac: AcTarget, synced_demo) -> None:
    """A 422 on one order leaves the rest sent; the next run retries it."""
    order_id = canonical(synced_demo, "select order_id from canonical.orders where "
                         "connection = 'acme_europe' and contact_eligible and "
                         "status_group = 'paid' order by order_id limit 1")[0][0]
    ac.account.faults.reject_order(order_id)
    first = ac.publish()
    assert first.totals()["order"]["failed"] == 1
    assert any(order_id in key for _, key, _ in first.errors)
    sent = len(ac.account.records("gql_orders"))
    assert sent == first.totals()["order"]["created"]
    ac.account.faults.clear()
    second = ac.publish()
    assert second.totals()["order"] == {**second.totals()["order"], "created": 1, "failed": 0}
    assert len(ac.account.records("gql_orders")) == sent + 1


def test_a_429_storm_ends_with_everything_sent(ac: AcTarget) -> None:
    """429s with Retry-After are waited out; nothing is lost."""
    ac.account.faults.storm(6)
    report = ac.publish()
    assert report.failed == 0
    assert report.throttled >= 6
    assert ac.account.records("gql_orders")


def test_r_s3_disconnected_store_keeps_what_was_sent(ac: AcTarget, synced_demo) -> None:
    """S3: disconnecting a store stops its syncing; everything already in AC stays (a
    publish never deletes)."""
    ac.publish()
    before = {k: len(ac.account.records(k)) for k in ("contacts", "ecom_orders",
                                                       "ecom_customers", "gql_orders")}
    writes = ac.account.write_requests()
    ac.publish()  # the disconnected store's rows stay in canonical: nothing to change
    assert {k: len(ac.account.records(k)) for k in before} == before
    assert ac.account.write_requests() == writes
    assert not [m for m, _, _ in ac.account.requests if m == "DELETE"]


def test_r_e1_e4_customer_aggregates_match_the_canonical_segments(ac: AcTarget, synced_demo):
    """E1/E4: per store customer, AC's total revenue and order count equal ours (refunds
    are sent net; AC still counts a fully refunded order, so those customers are left
    out of the order-count comparison). Orders without an e-mail are skipped, not sent."""
    ac.publish(at=datetime.now(UTC))
    ids = connection_ids(ac)
    expected = canonical(synced_demo, """
        select connection, email_key, sum(revenue_minor), count(*) filter (counts_as_revenue)
        from canonical.orders where contact_eligible and email_key is not null
            and status_group in ('paid', 'partially_refunded', 'refunded')
        group by all
        having count(distinct currency) = 1 and count(*) filter (status_group = 'refunded') = 0
        order by all""")
    assert expected
    for conn, email, revenue, count in expected:
        customer = ac.account.ecom_customer(ids[conn], email)
        assert customer is not None
        assert (int(customer["totalRevenue"]), int(customer["totalOrders"])) == (revenue, count)

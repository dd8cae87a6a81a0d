"""A Square merchant with two locations, synced end to end: real Dagster runs of each
location's connection (the historical sync's partition range), the canonical build and
the publish job into a stand-in ActiveCampaign account, all over loopback HTTP.

SQ1-SQ6 are checked against the stand-ins' own records: one connection and one store per
location, every customer with an e-mail (those who never paid too), the customer id as
the external id, the field map in integer minor units, refunds leaving revenue, and a
historical restart firing automations only for payments of the last 24 hours.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from ecom_sandbox.activecampaign.app import create_app as ac_app
from ecom_sandbox.activecampaign.state import AcAccount
from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.square.app import create_app
from ecom_sandbox.square.merchant import MerchantData
from ecom_sandbox.square.sandbox import Sandbox
from ecom_sync.config import EcomSyncConfig
from ecom_sync.config_loader import parse_config
from ecom_sync.defs import build_definitions
from ecom_sync.defs.automation import ACTIVE_SYNC_CRON
from ecom_sync.defs.partitions import RANGE_END_TAG, RANGE_START_TAG
from ecom_sync.defs.publish import publish_job_name
from ecom_sync.sync_modes import resolve_range
from ecom_sync_tests.conftest import STATE_VARS
from ecom_sync_tests.helpers import build_canonical, sync
from ecom_sync_tests.sources.square.harness import (
    DOWNTOWN,
    HARBOR,
    SMALL,
    TOKEN_ENV,
    square_connection,
)

AC_TOKEN = "test-ac-token"
SPEC = replace(SMALL, history_days=10, customers=30, payments_per_location=24)
LOCATIONS = {"downtown": DOWNTOWN, "harbor": HARBOR}
FRESH = timedelta(hours=24)  # the destination's fresh_window_hours (M5)


@dataclass
class Synced:
    home: Path
    sandbox: Sandbox
    merchant: MerchantData
    account: AcAccount
    config: EcomSyncConfig
    defs: dg.Definitions
    published: list[dict[str, Any]]  # the publish runs' metadata, in order

    def historical_sync_and_publish(self) -> None:
        """``ecom-sync sync <connection> --historical`` for each location (one single run
        of its whole partition range, as the backfill runs it), canonical, publish."""
        for conn in self.config.connections:
            rng = resolve_range(conn, historical=True)
            assert (rng.mode, rng.start) == ("historical", conn.history_start)
            assert sync(self.defs, conn.name, rng.start, rng.end).success
        assert build_canonical(self.defs).success
        dest = self.config.destinations[0]
        result = self.defs.resolve_job_def(publish_job_name(dest)).execute_in_process()
        assert result.success
        events = result.get_asset_materialization_events()
        self.published.append(next(e.materialization.metadata for e in events
                                   if "real_time_orders" in e.materialization.metadata))

    def sql(self, query: str, *params: object) -> list[tuple]:
        con = duckdb.connect(str(self.home / "warehouse.duckdb"), read_only=True)
        try:
            con.execute("set TimeZone = 'UTC'")
            return con.execute(query, list(params)).fetchall()
        finally:
            con.close()

    def connection_ids(self) -> dict[str, str]:
        return {c["externalid"]: c["id"] for c in self.account.records("connections")}

    def fired(self) -> set[str]:
        """Store order ids of the AC orders that fire "makes a purchase"."""
        return {o["externalid"] for o in self.account.records("ecom_orders")
                if o.get("externalid") and self.account.fires_automation(o)}

    def eligible(self, since: datetime | None = None) -> set[str]:
        """Payments sent as orders (a Square customer with an e-mail), placed since."""
        return {p["id"] for p in self.merchant.payments.values()
                if p.get("customer_id") and self.email_of(p)
                and (since is None or p["created_at"] >= since)}

    def email_of(self, payment: dict[str, Any]) -> str | None:
        customer = self.merchant.customers.get(payment.get("customer_id") or "", {})
        return customer.get("email_address") or payment.get("buyer_email_address")


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    home = tmp_path_factory.mktemp("square") / "state"
    sandbox = Sandbox.demo(21, specs=[SPEC])
    merchant = next(iter(sandbox.merchants.values()))
    account = AcAccount(AC_TOKEN, rate_per_second=1000.0)
    with pytest.MonkeyPatch.context() as mp, ExitStack() as stack:
        for var in STATE_VARS:
            mp.delenv(var, raising=False)
        mp.setenv("ECOM_SYNC_HOME", str(home))
        mp.setenv(TOKEN_ENV, merchant.token)
        mp.setenv("TEST_AC_TOKEN", AC_TOKEN)
        url = stack.enter_context(serve_in_thread(create_app(sandbox)))
        ac_url = stack.enter_context(serve_in_thread(ac_app(account)))
        config = parse_config({
            "connections": [square_connection(url, merchant, name, location)
                            for name, location in LOCATIONS.items()],
            "destinations": [{"name": "activecampaign", "type": "activecampaign",
                              "api_url": ac_url, "token_env": "TEST_AC_TOKEN",
                              "rate_limit_per_second": 1000}],
        })
        synced = Synced(home, sandbox, merchant, account, config, build_definitions(config),
                        [])
        synced.historical_sync_and_publish()
        yield synced


def test_r_sq1_each_location_is_its_own_connection_and_store(synced: Synced) -> None:
    """SQ1/S1: each location's payments are its connection's orders, carry its store name
    and go to its own AC connection."""
    per_connection = dict(synced.sql("select connection, list(order_id) from canonical.orders "
                                     "group by 1"))
    for name, location in LOCATIONS.items():
        expected = [p["id"] for p in synced.merchant.payments.values()
                    if p["location_id"] == location]
        assert sorted(per_connection[name]) == sorted(expected)
    stores = dict(synced.sql("select distinct connection, store_name from canonical.orders"))
    assert stores == {n: f"Acme Roasters {n}" for n in LOCATIONS}
    ids = synced.connection_ids()
    assert set(ids) == set(LOCATIONS)
    harbor = {o["externalid"] for o in synced.account.records("ecom_orders")
              if o.get("connectionid") == ids["harbor"]}
    assert harbor and harbor <= {p["id"] for p in synced.merchant.payments.values()
                                 if p["location_id"] == HARBOR}


def test_r_sq2_sq3_every_customer_with_an_email_those_who_never_paid_too(
    synced: Synced
) -> None:
    """SQ2/SQ3: the first sync brings every current customer with an e-mail, whether or
    not they ever paid, into each location's connection and into ActiveCampaign;
    payments without a Square customer do not make contacts (SQ2)."""
    with_email = {c["id"] for c in synced.merchant.customers.values()
                  if c.get("email_address")}
    payers = {p.get("customer_id") for p in synced.merchant.payments.values()}
    never_paid = with_email - payers
    assert never_paid, "the stand-in must have customers who never paid"
    for name in LOCATIONS:
        got = {i for (i,) in synced.sql("select customer_id from canonical.customers "
                                        "where connection = ?", name)}
        assert got == with_email
    for customer_id in never_paid:
        email = synced.merchant.customers[customer_id]["email_address"].strip()
        assert synced.account.contact_by_email(email) is not None
    guests = synced.sql("select count(*) from canonical.orders where is_guest and "
                        "contact_eligible")[0][0]
    assert guests == 0


def test_r_sq3_c6_a_customer_without_email_is_skipped_and_counted(synced: Synced) -> None:
    """SQ3/C6: a customer without an e-mail is not synced: listed in skipped_records with
    the reason, per connection, while the run succeeds."""
    no_email = {c["id"] for c in synced.merchant.customers.values()
                if not c.get("email_address")}
    assert no_email
    for name in LOCATIONS:
        skipped = {i for (i,) in synced.sql(
            "select record_id from canonical.skipped_records where connection = ? and "
            "entity = 'customer' and reason = 'no_email'", name)}
        assert skipped == no_email
    assert not synced.sql("select 1 from canonical.customers where customer_id in "
                          "(select unnest(?::varchar[]))", sorted(no_email))


def test_r_sq4_the_square_customer_id_is_the_external_id(synced: Synced) -> None:
    """SQ4: the e-commerce customer's external id is the Square customer id, for
    customers sent with their orders and for those who never paid."""
    ids = synced.connection_ids()
    customers = [c for c in synced.merchant.customers.values() if c.get("email_address")]
    payers = {p.get("customer_id") for p in synced.merchant.payments.values()
              if p["location_id"] == DOWNTOWN}
    kinds = set()
    for customer in customers:
        ecom = synced.account.ecom_customer(ids["downtown"], customer["email_address"].strip())
        assert ecom is not None, customer["id"]
        assert ecom["externalid"] == customer["id"]
        kinds.add(customer["id"] in payers)
    assert kinds == {True, False}


def test_r_sq5_field_map_in_integer_minor_units(synced: Synced) -> None:
    """SQ5: receipt number → order number, payment time → date, amount → total (integer
    minor units, exactly), currency, receipt URL → order URL; item id (the variation's
    item), name, price, description and quantity on the lines; the same in AC."""
    rows = synced.sql("select order_id, order_number, placed_at, total_minor, currency, "
                      "order_url from canonical.orders")
    assert len(rows) == len(synced.merchant.payments)
    for order_id, number, placed, total, currency, url in rows:
        payment = synced.merchant.payments[order_id]
        assert number == payment["receipt_number"]
        assert placed == payment["created_at"]
        assert (total, currency) == (payment["total_money"]["amount"],
                                     payment["total_money"]["currency"])
        assert url == payment.get("receipt_url")
    items = {v["id"]: o for o in synced.merchant.catalog.values() if o["type"] == "ITEM"
             for v in o["item_data"]["variations"]}
    lines = synced.sql("select order_id, line_id, product_id, name, unit_price_minor, "
                       "quantity, description from canonical.order_lines")
    assert lines
    for order_id, line_id, product_id, name, price, quantity, description in lines:
        order = synced.merchant.orders[synced.merchant.payments[order_id]["order_id"]]
        line = next(li for li in order["line_items"] if li["uid"] == line_id)
        assert (name, price, quantity) == (line["name"], line["base_price_money"]["amount"],
                                           int(line["quantity"]))
        item = items.get(line.get("catalog_object_id"))
        if item is not None:
            assert product_id == item["id"]
            assert description == item["item_data"]["description_plaintext"]
    deleted = {o["id"] for o in synced.merchant.catalog.values() if o.get("is_deleted")}
    products = {i for (i,) in synced.sql("select product_id from canonical.products")}
    assert deleted and not deleted & products
    assert products == {o["id"] for o in items.values() if not o.get("is_deleted")}
    ids = synced.connection_ids()
    sent = next(p for p in synced.merchant.payments.values() if p["id"] in synced.fired())
    gql = synced.account.gql_order(ids[next(n for n, loc in LOCATIONS.items()
                                            if loc == sent["location_id"])], sent["id"])
    assert gql is not None
    assert (gql["orderUrl"], gql["orderNumber"], gql["storeCustomerId"]) == (
        sent["receipt_url"], sent["receipt_number"], sent["customer_id"])


def test_refunded_payments_keep_their_status_and_leave_revenue(synced: Synced) -> None:
    """A refunded payment stays COMPLETED at Square and in canonical; fully refunded it
    brings no revenue, partly refunded only what was kept."""
    refunded = [p for p in synced.merchant.payments.values() if p.get("refunded_money")]
    assert refunded
    for payment in refunded:
        status, group, revenue = synced.sql(
            "select status, status_group, revenue_minor from canonical.orders "
            "where order_id = ?", payment["id"])[0]
        kept = payment["total_money"]["amount"] - payment["refunded_money"]["amount"]
        assert status == "COMPLETED"
        assert group == ("refunded" if kept == 0 else "partially_refunded")
        assert revenue == kept


def test_r_m1_square_connections_sync_every_30_minutes(synced: Synced) -> None:
    """M1/SQ2: each location's active sync is a schedule every 30 minutes, running by
    default, that syncs the current year's partition (from the last good sync's day once
    there is one)."""
    for name in LOCATIONS:
        schedule = synced.defs.resolve_schedule_def(f"active_sync_{name}")
        assert schedule.cron_schedule == ACTIVE_SYNC_CRON == "*/30 * * * *"
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
        with dg.instance_for_test() as instance:
            tick = datetime.now(UTC).replace(hour=12, minute=30, second=0, microsecond=0)
            data = schedule.evaluate_tick(dg.build_schedule_context(
                instance=instance, scheduled_execution_time=tick,
                repository_def=synced.defs.get_repository_def()))
        [request] = data.run_requests
        year = str(tick.year)
        assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (year, year)


def test_r_sq6_m5_m6_a_historical_restart_fires_only_the_last_24_hours(
    synced: Synced
) -> None:
    """SQ6/M5: the first sync fired "makes a purchase" only for payments placed in the 24
    hours before it. M6: a historical restart with nothing new changes nothing and sends
    nothing. SQ6: after new sales and a refund, a historical restart re-syncs
    everything and fires only the new payments; the refund updates its order quietly."""
    first = synced.fired()
    assert first == synced.eligible(since=datetime.now(UTC) - FRESH)
    assert first and synced.eligible() - first
    assert synced.published[0]["real_time_orders"].value == len(first)

    before = synced.sql("select * from canonical.orders order by order_id")
    writes = synced.account.write_requests()
    synced.historical_sync_and_publish()
    assert synced.sql("select * from canonical.orders order by order_id") == before
    assert synced.account.write_requests() == writes
    assert synced.published[1]["real_time_orders"].value == 0

    now = datetime.now(UTC)
    buyer = next(c for c in synced.merchant.customers.values() if c.get("email_address"))
    new = {synced.sandbox.add_payment(synced.merchant.merchant_id, loc,
                                      now - timedelta(minutes=2), buyer["id"])["id"]
           for loc in (DOWNTOWN, HARBOR)}
    old = next(p for p in synced.merchant.payments.values()
               if p["id"] in synced.eligible() - first and p["status"] == "COMPLETED"
               and not p.get("refunded_money"))
    synced.sandbox.refund(synced.merchant.merchant_id, old["id"])
    synced.historical_sync_and_publish()
    assert synced.fired() == first | new
    assert synced.published[2]["real_time_orders"].value == len(new)
    assert synced.published[2]["order_updated"].value >= 1
    assert synced.sql("select status_group, revenue_minor from canonical.orders "
                      "where order_id = ?", old["id"]) == [("refunded", 0)]

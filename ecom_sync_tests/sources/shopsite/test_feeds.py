"""The shop site's sensors, evaluated with a real Dagster instance against the stand-in
site, and the runs they ask for executed as the daemon would launch them, publishing into
a stand-in ActiveCampaign account.

One story (module fixture) runs once: a contact already in ActiveCampaign with its own
list and consent buys at the site, a new customer and a guest buy too, carts are made
while a back-office sync runs; the order sensor's run publishes the orders, the sync-runs
sensor's run publishes the carts only once the sync has finished. The tests read what
the story saw at each step.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from ecom_sandbox.activecampaign.state import MASTER_LIST_ID
from ecom_sandbox.shopsite.site import Record
from ecom_sync_tests.sources.shopsite.conftest import AC_TOKEN, ShopWorld, shop_world_at


def ac_api(world: ShopWorld) -> httpx.Client:
    return httpx.Client(base_url=f"{world.ac_url}/api/3", headers={"Api-Token": AC_TOKEN})


def existing_contact(world: ShopWorld, email: str) -> dict[str, Any]:
    """A contact the merchant already has in ActiveCampaign: named, with a phone, on its
    own list, unsubscribed from the master list, opted in through another store."""
    with ac_api(world) as ac:
        contact = ac.post("/contacts", json={"contact": {
            "email": email, "firstName": "Old", "lastName": "Name",
            "phone": "+39 02 0000000"}}).json()["contact"]
        own = ac.post("/lists", json={"list": {"name": "Clienti VIP",
                                               "stringid": "clienti-vip"}}).json()["list"]
        for list_id, status in ((own["id"], 1), (MASTER_LIST_ID, 2)):
            ac.post("/contactLists", json={"contactList": {
                "list": list_id, "contact": contact["id"], "status": status}}
            ).raise_for_status()
        other = ac.post("/connections", json={"connection": {
            "service": "other-store", "externalid": "shop-2", "name": "Other store",
            "logoUrl": "https://x.example/l.png", "linkUrl": "https://x.example"}}
        ).json()["connection"]
        ac.post("/ecomCustomers", json={"ecomCustomer": {
            "connectionid": other["id"], "externalid": "X1", "email": email,
            "acceptsMarketing": "1"}}).raise_for_status()
    return {"id": contact["id"], "own_list": own["id"], "other_connection": other["id"]}


def memberships(world: ShopWorld, contact_id: str) -> set[tuple[str, int]]:
    return {(cl["list"], cl["status"]) for cl in world.ac.records("contact_lists")
            if cl["contact"] == contact_id}


@dataclass
class Story:
    world: ShopWorld
    buyer: Record  # registered, already an AC contact (another spelling of the e-mail)
    newcomer: Record  # registered, new to AC
    before: dict[str, Any]  # the existing contact's AC state before the sync
    orders: list[Record] = field(default_factory=list)
    order_run: Any = None
    registered_cart: Record | None = None
    anonymous_cart: Record | None = None
    sync_run: Record | None = None
    carts_in_ac_before_finish: list[str] = field(default_factory=list)
    ticks_while_running: list[Any] = field(default_factory=list)
    cart_run: Any = None
    cart_request: Any = None


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    with shop_world_at(tmp_path_factory.mktemp("shopsite") / "state") as world:
        site = world.sandbox.site()
        buyer, newcomer = [c for c in site.customers.values() if c["phone"]][:2]
        world.sandbox.touch(site.site, "customers", newcomer["id"], None,
                            company="Rossi & Figli")
        ids = existing_contact(world, f"  {buyer['email'].upper()} ")
        story = Story(world, buyer, newcomer, {
            **ids, "lists": memberships(world, ids["id"])})
        orders_cursor = world.tick("orders", None).cursor
        runs_cursor = world.tick("sync_runs", None).cursor

        sandbox = world.sandbox
        story.orders = [sandbox.place_order(customer_id=buyer["id"]),
                        sandbox.place_order(customer_id=newcomer["id"]),
                        sandbox.place_order(guest=("Giulia", "Bianchi", "giulia@example.it"))]
        story.sync_run = sandbox.start_sync()  # runs until finished below
        story.registered_cart = sandbox.save_cart(customer_id=newcomer["id"])
        story.anonymous_cart = sandbox.save_cart()

        tick = world.tick("orders", orders_cursor)
        assert len(tick.requests) == 1
        story.order_run = (tick.requests[0], world.run(tick.requests[0], "orders"))
        story.carts_in_ac_before_finish = [o["externalcheckoutid"] for o in
                                           world.ac.records("ecom_orders")
                                           if o.get("externalcheckoutid")]
        running = world.tick("sync_runs", runs_cursor)
        story.ticks_while_running.append(running)
        sandbox.finish_sync(story.sync_run["id"])
        finished = world.tick("sync_runs", running.cursor)
        story.ticks_while_running.append(world.tick("sync_runs", finished.cursor))
        assert len(finished.requests) == 1
        story.cart_request = finished.requests[0]
        story.cart_run = world.run(finished.requests[0], "sync_runs")
        yield story


def test_r_ss2_an_order_placed_reaches_activecampaign_with_the_buyers_names(story: Story
                                                                            ) -> None:
    """SS2: each order placed is sent by the order sensor's run, with the buyer's first
    name, last name and e-mail, guests' too; the run says which orders it carried."""
    request, result = story.order_run
    assert result.success
    carried = request.tags["ecom_sync/carried"].split(", ")
    assert sorted(carried) == sorted(o["number"] for o in story.orders)
    sent = {o["storeOrderId"]: o for o in story.world.ac.records("gql_orders")}
    for order in story.orders:
        holder = order["holder"]
        assert sent[order["id"]]["email"].strip().lower() == holder["email"].lower()
        contact = story.world.ac.contact_by_email(holder["email"])
        assert contact is not None
        assert (contact["firstName"], contact["lastName"]) == (holder["first_name"],
                                                               holder["last_name"])
        assert sent[order["id"]]["creationSource"] == "REAL_TIME"  # M5: fresh


def test_r_ss3_a_cart_made_during_a_back_office_sync_is_sent_only_after_it_finishes(
    story: Story,
) -> None:
    """SS3: while the sync runs, the sync-runs sensor asks for nothing and the order run
    (which rebuilt canonical and published) sent no cart; once it finishes, its run sends
    the registered user's cart with its recovery URL, never the anonymous visitor's."""
    assert story.ticks_while_running[0].requests == []
    assert story.ticks_while_running[1].requests == []  # once per finished sync run
    assert story.carts_in_ac_before_finish == []
    assert story.cart_run.success
    assert story.cart_request.run_key.endswith(story.sync_run["id"])
    carts = {o["externalcheckoutid"]: o for o in story.world.ac.records("ecom_orders")
             if o.get("externalcheckoutid")}
    assert story.registered_cart is not None and story.anonymous_cart is not None
    assert story.anonymous_cart["id"] not in carts
    sent = carts[story.registered_cart["id"]]
    assert sent["orderUrl"] == story.registered_cart["recovery_url"]
    assert sent["email"].lower() == story.newcomer["email"].lower()


def test_r_ss4_c5_an_existing_contact_keeps_its_lists_and_consent(story: Story) -> None:
    """SS4/C5 (C1, C2): the contact already in ActiveCampaign is matched by e-mail, not
    duplicated; its names follow the newest order; its lists, list statuses, phone and
    other stores' consent stay exactly as they were."""
    world, buyer = story.world, story.buyer
    matches = [c for c in world.ac.records("contacts")
               if c["email"].strip().lower() == buyer["email"].lower()]
    assert [c["id"] for c in matches] == [story.before["id"]]
    contact = matches[0]
    assert (contact["firstName"], contact["lastName"]) == (buyer["first_name"],
                                                           buyer["last_name"])
    assert contact["phone"] == "+39 02 0000000"
    assert memberships(world, contact["id"]) == story.before["lists"]
    assert world.ac.ecom_customer(story.before["other_connection"],
                                  buyer["email"])["acceptsMarketing"] == "1"
    assert world.ac.contact_tags_of(buyer["email"]) == []


def test_r_c5_a_new_contact_is_created_with_name_and_email_only(story: Story) -> None:
    """C5: a new contact gets its names and e-mail, nothing else (no phone, no company,
    no tags), joins no list and has no consent set; nothing the sync sent carried a list
    subscription or an acceptsMarketing."""
    world = story.world
    for person in (story.newcomer, story.orders[2]["holder"]):
        contact = world.ac.contact_by_email(person["email"])
        assert contact is not None
        assert (contact["firstName"], contact["lastName"]) == (person["first_name"],
                                                               person["last_name"])
        assert (contact["phone"], contact["orgname"]) == ("", "")
        assert memberships(world, contact["id"]) == set()
        assert world.ac.contact_tags_of(person["email"]) == []
    imported = [c for b in world.ac.records("bulk_batches") for c in b["contacts"]]
    assert imported and all(set(c) <= {"email", "first_name", "last_name",
                                       "exclude_automations"} for c in imported)
    sent = json.dumps(world.ac.records("gql_orders"))
    assert "acceptsMarketing" not in sent
    connection = next(c["id"] for c in world.ac.records("connections")
                      if c["externalid"] == "bottega")
    shop_customer = world.ac.ecom_customer(connection, story.newcomer["email"])
    assert shop_customer is not None and shop_customer["acceptsMarketing"] == "0"


def test_r_ss2_order_sensor_cursor_survives_restarts_no_order_twice_none_missed(
    shop_world: ShopWorld,
) -> None:
    """SS2: the order sensor keeps its place in its cursor. Across evaluations in fresh
    contexts (a restarted daemon reading the stored cursor), every order placed or changed
    is carried by exactly one run request, one the site stamped a moment before the last
    poll included; a poll repeated from the same cursor asks for the same run (same run
    key, so Dagster starts it once)."""
    world, sandbox = shop_world, shop_world.sandbox
    site = sandbox.site()
    cursor = world.tick("orders", None).cursor
    placed: list[tuple[str, str]] = []
    carried: list[str] = []
    keys: list[str] = []
    for round_ in range(4):
        new = [sandbox.place_order() for _ in range(round_ + 1)]
        if round_ == 2:  # committed late: stamped before the previous poll's newest
            late = sandbox.place_order(now=new[0]["placed_at"] - timedelta(seconds=20))
            new.append(late)
        if round_ == 3:  # a change to an order already carried
            first = site.orders[placed[0][0]]
            changed = sandbox.touch(site.site, "orders", first["id"],
                                    first["modified_at"] + timedelta(seconds=1), status="paid")
            new.append(changed)
        placed += [(o["id"], o["modified_at"].isoformat()) for o in new]
        tick = world.tick("orders", cursor)
        again = world.tick("orders", cursor)  # the same poll, e.g. a tick retried
        assert [r.run_key for r in again.requests] == [r.run_key for r in tick.requests]
        assert len(tick.requests) == 1
        keys.append(tick.requests[0].run_key)
        carried += tick.requests[0].tags["ecom_sync/carried"].split(", ")
        cursor = tick.cursor
    assert world.tick("orders", cursor).requests == []  # nothing new: nothing asked
    numbers = {o["id"]: o["number"] for o in site.orders.values()}
    assert sorted(carried) == sorted(numbers[i] for i, _ in placed)
    assert len(set(keys)) == len(keys)
    state = json.loads(cursor or "{}")
    assert set(state) == {"since", "seen"}


def test_feed_jobs_sync_their_streams_then_canonical_and_publish(
    shop_world: ShopWorld,
) -> None:
    """SS2: the order feed's job lands and stages the orders (nothing else of the site),
    rebuilds canonical and publishes to the destinations receiving the site; both
    sensors run by default."""
    import dagster as dg

    job = shop_world.defs.resolve_job_def(shop_world.job_name("orders"))
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert {"landing/bottega/orders", "staging/bottega/orders", "canonical/contacts",
            "activecampaign/outbox", "activecampaign/published"} <= keys
    assert not any("abandoned_carts" in k or "customers" in k.split("/")[-1:]
                   for k in keys if k.startswith(("landing", "staging")))
    for feed in ("orders", "sync_runs"):
        sensor = shop_world.defs.resolve_sensor_def(f"feed_bottega_{feed}")
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING

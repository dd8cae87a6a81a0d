"""Publishing the session's synced merchant to the Connectif stand-in: CN1–CN7, M5, M6."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ecom_sync_tests.destinations.connectif.conftest import STORE_URLS, CxTarget

ONLINE = ("paid", "partially_refunded", "pending")
USD_ORDERS = """
    select o.order_id from canonical.orders o
    where o.connection = '{conn}' and o.currency = '{cur}' and o.contact_eligible
      and o.email_key is not null and {counted}
      and exists (select 1 from canonical.order_lines l
                  where l.connection = o.connection and l.order_id = o.order_id)
"""


def orders(cx: CxTarget, counted: str, conn: str = "acme_outdoor", cur: str = "USD",
           warehouse: Any = None) -> set[str]:
    sql = USD_ORDERS.format(conn=conn, cur=cur, counted=counted)
    return {r[0] for r in cx.query(sql, warehouse)}


def held(cx: CxTarget, kind: str) -> dict[str, Any]:
    return dict(cx.account.data[kind])


def test_r_cn3_online_purchases_every_placed_order_and_m6_republish_sends_nothing(
        cx: CxTarget) -> None:
    """CN3 online: every placed order (pending included) is a purchase, in decimal units
    of the store's currency, refunds net; C6: orders without an e-mail are skipped and
    counted; C1: one contact per e-mail, whatever its spelling; M6: publishing again sends
    nothing."""
    report = cx.publish()
    assert report.failed == 0
    expected = orders(cx, f"o.status_group in {ONLINE}")
    assert set(held(cx, "purchases")) == expected
    (no_email,) = cx.query("select count(*) from canonical.orders where contact_eligible "
                           "and email_key is null")[0]
    assert no_email and skipped_reasons(report, "purchase")["no_email"] == no_email
    assert set(held(cx, "contacts")) == {e for (e,) in cx.query(
        "select email_key from canonical.contacts "
        "where list_contains(connections, 'acme_outdoor')")}
    totals = dict(cx.query("""
        select order_id, (case when status_group = 'partially_refunded' then revenue_minor
                          else total_minor end) / 100 from canonical.orders
        where connection = 'acme_outdoor' and currency = 'USD'"""))
    for pid, purchase in held(cx, "purchases").items():
        assert purchase["totalPrice"] == pytest.approx(totals[pid])
        assert isinstance(purchase["totalPrice"], float | int)
        assert purchase["totalQuantity"] == sum(p["quantity"] for p in purchase["products"])
    assert cx.account.error_codes == {}
    again = cx.publish()
    assert again.requests == 0 and sum(t["to_send"] for t in again.totals().values()) == 0


def test_r_cn3_offline_counts_only_the_chosen_statuses_and_withdraws_the_rest(
        cx: CxTarget) -> None:
    """CN3 offline: only orders in the merchant's statuses are purchases. One that stops
    counting (refunded) is deleted, a changed one (partially refunded in a counted status)
    deleted and created again, not firing again; both idempotent through the ledger."""
    dest = cx.dest(purchases={"mode": "offline", "offline_statuses": ["Completed", "Shipped"]})
    cx.publish(dest)
    counted = "lower(o.status) in ('completed', 'shipped')"
    assert set(held(cx, "purchases")) == orders(cx, counted)
    refunded, changed = sorted(orders(cx, counted))[:2]
    edited = cx.edited_warehouse(
        f"update canonical.orders set status = 'Refunded', status_group = 'refunded', "
        f"revenue_minor = 0 where connection = 'acme_outdoor' and order_id = '{refunded}'",
        f"update canonical.orders set total_minor = total_minor - 500 "
        f"where connection = 'acme_outdoor' and order_id = '{changed}'")
    before = held(cx, "purchases")[changed]
    cx.build(dest, edited)
    writes = len(cx.account.requests)
    report = cx.publish(dest, build=False)
    assert report.totals()["purchase"]["withdrawn"] == 1
    assert report.totals()["purchase"]["updated"] == 1
    assert refunded not in held(cx, "purchases")
    after = held(cx, "purchases")[changed]
    assert after["totalPrice"] == pytest.approx(before["totalPrice"] - 5)
    assert after["triggerPurchaseEvent"] is False
    assert [(m, p) for m, p, _, _ in cx.account.requests[writes:]] == [
        ("DELETE", f"/purchases/purchase-id/{changed}"), ("POST", "/purchases"),
        ("DELETE", f"/purchases/purchase-id/{refunded}")]
    assert cx.publish(dest, build=False).requests == 0
    # counted again (status back): created again
    cx.build(dest)
    assert cx.publish(dest, build=False).totals()["purchase"]["updated"] == 2
    assert set(held(cx, "purchases")) == orders(cx, counted)


def test_r_cn1_product_id_or_sku_per_connection_r_cn6_prices_in_the_store_currency(
        cx: CxTarget) -> None:
    """CN1: one storefront sends SKUs, the other store product ids (each prefixed, so they
    cannot collide); CN6: a USD store takes each connection's USD orders only, and prices
    products of a EUR catalog from their USD order lines. Every product a purchase names
    is in the catalog (E0102 never)."""
    dest = cx.dest(storefronts=[
        {"connection": "acme_outdoor", "url": STORE_URLS["acme_outdoor"],
         "product_identifier": "sku", "id_prefix": "o-"},
        {"connection": "acme_europe", "url": STORE_URLS["acme_europe"], "id_prefix": "e-"}])
    report = cx.publish(dest)
    assert report.failed == 0 and cx.account.error_codes == {}
    products = held(cx, "products")
    skus = {f"o-{s}" for (s,) in cx.query(
        "select sku from canonical.products where connection = 'acme_outdoor'")}
    europe = {f"e-{p}" for (p,) in cx.query(
        "select distinct l.product_id from canonical.order_lines l join canonical.products p "
        "using (connection, product_id) where connection = 'acme_europe' and l.currency = 'USD'")}
    assert {p for p in products if p.startswith("o-")} == skus
    assert {p for p in products if p.startswith("e-")} == europe
    assert skipped_reasons(report, "product") == {"no_price_in_store_currency": 20 - len(europe)}
    purchases = held(cx, "purchases")
    assert {p for p in purchases if p.startswith("e-")} == {
        f"e-{o}" for o in orders(cx, f"o.status_group in {ONLINE}", conn="acme_europe")}
    assert all(line["productId"] in products
               for p in purchases.values() for line in p["products"])
    assert skipped_reasons(report, "purchase")["currency_not_in_this_store"] == len(cx.query(
        "select 1 from canonical.orders where currency <> 'USD' and contact_eligible "
        "and email_key is not null and status_group <> 'incomplete'"))


def skipped_reasons(report: Any, kind: str) -> dict[str, int]:
    return report.skipped.get(kind, {})


def test_r_cn6_each_currency_is_its_own_connectif_store(cx_factory: Any) -> None:
    """CN6: a USD store and a EUR store, each receiving its (connection, currency) pair;
    each holds exactly that pair's revenue, in its own currency's decimal units."""
    usd, eur = cx_factory(), cx_factory()
    usd.publish()
    eur.publish(eur.dest(currency="EUR", storefronts=[
        {"connection": "acme_europe", "url": STORE_URLS["acme_europe"]}]))
    for target, conn, cur in ((usd, "acme_outdoor", "USD"), (eur, "acme_europe", "EUR")):
        (expected,) = target.query(f"""
            select sum(case when status_group = 'partially_refunded' then revenue_minor
                       else total_minor end) / 100 from canonical.orders
            where connection = '{conn}' and currency = '{cur}' and contact_eligible
              and email_key is not null and status_group in {ONLINE}""")[0]
        assert target.account.summary()["revenue"] == pytest.approx(float(expected))
    prices = dict(eur.query("select product_id, price_minor / 100 from canonical.products "
                            "where connection = 'acme_europe'"))
    assert {p: v["unitPrice"] for p, v in held(eur, "products").items()} == pytest.approx(prices)


def test_r_cn2_image_and_thumbnail_sizes_are_configurable(cx: CxTarget) -> None:
    """CN2: as stored by default; at the configured sizes once set (a config change
    re-sends the products, and nothing else)."""
    cx.publish()
    stored = dict(cx.query("select product_id, image_url from canonical.products "
                           "where connection = 'acme_outdoor' and image_url is not null"))
    assert {p: held(cx, "products")[p]["imageUrl"] for p in stored} == stored
    report = cx.publish(cx.dest(image_size="1280x1280", thumbnail_size="original"))
    # the product without an image is unchanged
    assert report.totals()["product"]["updated"] == len(stored) == 19
    assert sum(t["created"] + t["updated"] for t in report.totals().values()) == 19
    for pid, url in stored.items():
        product = held(cx, "products")[pid]
        assert product["imageUrl"] == url.replace("/stencil/500x659/", "/stencil/1280x1280/")
        assert "/images/stencil/original/" in product["thumbnailUrl"]


def test_r_cn4_contact_fields_by_default_and_address_fields_when_mapped(
        cx: CxTarget) -> None:
    """CN4: _name, _surname and _mobilePhone (only in international format) by default;
    address parts only when mapped to Connectif custom fields, and only those mapped."""
    emails = [e for (e,) in cx.query(
        "select email_key from canonical.contacts where list_contains(connections, "
        "'acme_outdoor') order by email_key limit 3")]
    edited = cx.edited_warehouse(
        "update canonical.contacts set address = {'street': 'Storgata 1', 'city': 'Oslo', "
        "'state': null, 'country': 'NO', 'zip': '0155'} "
        f"where email_key in ('{emails[0]}', '{emails[1]}')",
        f"update canonical.contacts set phone = '+47 912 34 567' where email_key = '{emails[2]}'")
    dest = cx.dest(address_fields={"city": "city", "country": "country"})
    cx.build(dest, edited)
    assert cx.publish(dest, build=False).failed == 0
    meta = {"id", "_email", "createdAt", "updatedAt"}
    names = dict(cx.query("select email_key, first_name from canonical.contacts", edited))
    for email, contact in held(cx, "contacts").items():
        assert contact["_name"] == names[email]
        fields = set(contact) - meta
        if email in emails[:2]:
            assert (contact["city"], contact["country"]) == ("Oslo", "NO")
            assert fields == {"_name", "_surname", "city", "country"}
        elif email == emails[2]:
            assert contact["_mobilePhone"] == "+4791234567"
        else:
            assert fields <= {"_name", "_surname"}  # local-format phones are left out


def test_r_cn5_product_fields(cx: CxTarget) -> None:
    """CN5: url (absolute, on the storefront), name, brand, rating, unit price, original
    price, discount amount and percentage, availability, product id, image and thumbnail,
    related products (under the same identifier, CN1) and category."""
    (pid, other, price) = cx.query(
        "select min(product_id), max(product_id), arg_min(price_minor, product_id) "
        "from canonical.products where connection = 'acme_outdoor'")[0]
    edited = cx.edited_warehouse(
        f"update canonical.products set original_price_minor = price_minor + 1000, "
        f"brand = 'Acme', in_stock = false, inventory_level = 0, rating = 4.5, "
        f"rating_count = 12, related_product_ids = ['{other}'] "
        f"where connection = 'acme_outdoor' and product_id = '{pid}'")
    dest = cx.dest(storefronts=[{"connection": "acme_outdoor", "url": STORE_URLS["acme_outdoor"],
                                 "product_identifier": "sku"}])
    cx.build(dest, edited)
    cx.publish(dest, build=False)
    (sku, other_sku, name, url, category) = cx.query(
        f"select p.sku, o.sku, p.name, p.url, p.category from canonical.products p, "
        f"canonical.products o where p.connection = 'acme_outdoor' and o.connection = "
        f"'acme_outdoor' and p.product_id = '{pid}' and o.product_id = '{other}'")[0]
    product = held(cx, "products")[sku]
    assert product["name"] == name and product["categories"] == [category]
    assert product["productDetailUrl"] == STORE_URLS["acme_outdoor"] + url
    assert product["unitPrice"] == pytest.approx(price / 100)
    assert product["unitPriceOriginal"] == pytest.approx((price + 1000) / 100)
    assert product["discountedAmount"] == pytest.approx(10.0)
    assert product["discountedPercentage"] == pytest.approx(
        round(100 * 1000 / (price + 1000), 2))
    assert (product["availability"], product["inStockUnits"]) == ("outofstock", 0)
    assert (product["brand"], product["rating"], product["ratingCount"]) == ("Acme", 4.5, 12)
    assert product["relatedExternalProductIds"] == [other_sku]
    assert product["imageUrl"].startswith("https://cdn11.bigcommerce.com/")


def test_r_cn7_carts_as_custom_events_with_recovery_url_newsletter_never_from_store(
        cx: CxTarget) -> None:
    """CN7: the cart event type is created once; each abandoned cart of the window goes
    as a custom event with its recovery URL (older ones are not sent: they would fire
    workflows, M5); no request ever names a cart route; no contact gets a newsletter
    status, though some accept marketing in the store."""
    (newest,) = cx.query("select max(abandoned_at) from canonical.abandoned_carts "
                         "where connection = 'acme_outdoor'")[0]
    at = newest + timedelta(hours=1)
    report = cx.publish(at=at)
    fresh = dict(cx.query(f"""
        select cart_id, recovery_url from canonical.abandoned_carts
        where connection = 'acme_outdoor' and currency = 'USD' and contact_eligible
          and email_key is not null and status = 'abandoned'
          and abandoned_at >= timestamptz '{at}' - interval 24 hour"""))
    assert fresh
    events = [e["data"] for e in held(cx, "events").values()]
    assert {e["cart_id"]: e["recovery_url"] for e in events} == fresh
    assert report.totals()["cart"]["not_sent_historical"] > 0
    cx.publish(at=at + timedelta(minutes=5))
    kinds = [k for _, _, _, k in cx.account.requests]
    assert kinds.count("POST /custom-integrations/{id}/custom-event-types") == 1
    assert not [p for _, p, s, _ in cx.account.requests if s == 404 or "/carts" in p]
    consenting = {e for (e,) in cx.query(
        "select email_key from canonical.contacts where accepts_marketing "
        "and list_contains(connections, 'acme_outdoor')")}
    assert consenting & set(held(cx, "contacts"))
    for contact in held(cx, "contacts").values():
        assert "_newsletterSubscriptionStatus" not in contact
        assert "_emailStatus" not in contact


def test_r_m5_trigger_purchase_event_only_for_fresh_orders(cx_factory: Any) -> None:
    """M5: an order placed within the window before the publish fires "On purchase"
    (triggerPurchaseEvent=true); older ones go as history (false); ``fire_nothing``
    fires none."""
    cx, quiet = cx_factory(), cx_factory()
    (newest,) = cx.query("select max(placed_at) from canonical.orders "
                         "where connection = 'acme_outdoor' and currency = 'USD'")[0]
    at = newest + timedelta(hours=12)
    report = cx.publish(at=at)
    placed = dict(cx.query("select order_id, placed_at from canonical.orders "
                           "where connection = 'acme_outdoor'"))
    fired = {p for p, v in held(cx, "purchases").items() if v["triggerPurchaseEvent"]}
    assert fired == {p for p in held(cx, "purchases") if placed[p] >= at - timedelta(hours=24)}
    assert fired and report.fired_automations == len(fired)
    quiet.publish(at=at, fire_nothing=True)
    assert not [p for p in held(quiet, "purchases").values() if p["triggerPurchaseEvent"]]


def test_product_missing_from_the_catalog_is_created_before_its_purchase(
        cx: CxTarget) -> None:
    """A product the store's catalog no longer lists (so never sent) is created from the
    order line before the first purchase naming it; one deleted in Connectif by hand is
    made again when its purchase is re-sent. Purchases never wait on E0101/E0102."""
    (pid,) = cx.query(f"""
        select l.product_id from canonical.order_lines l join canonical.orders o
        using (connection, order_id) where l.connection = 'acme_outdoor'
        and o.currency = 'USD' and o.status_group in {ONLINE}
        order by l.order_id, l.line_id limit 1""")[0]
    gone = cx.edited_warehouse(
        f"delete from canonical.products where connection = 'acme_outdoor' "
        f"and product_id = '{pid}'")
    dest = cx.dest()
    cx.build(dest, gone)
    report = cx.publish(dest, build=False)
    assert report.failed == 0 and report.totals()["product"]["created_from_order_line"] == 1
    assert cx.account.data["products"][pid]["productDetailUrl"] == \
        STORE_URLS["acme_outdoor"] + "/"
    # the stand-in answers E0102 to a purchase naming a product it lacks: none was sent
    assert any(line["productId"] == pid for p in held(cx, "purchases").values()
               for line in p["products"])
    assert cx.account.error_codes == {}
    # deleted in Connectif by hand, then an order naming it changes: made again, once
    del cx.account.data["products"][pid]
    (order,) = next(iter(cx.query(f"""
        select order_id from canonical.order_lines where connection = 'acme_outdoor'
        and product_id = '{pid}' and order_id in ({",".join(
            f"'{o}'" for o in held(cx, "purchases"))}) limit 1""")))
    edited = cx.edited_warehouse(
        f"delete from canonical.products where connection = 'acme_outdoor' "
        f"and product_id = '{pid}'",
        f"update canonical.orders set total_minor = total_minor + 1 "
        f"where connection = 'acme_outdoor' and order_id = '{order}'")
    cx.build(dest, edited)
    assert cx.publish(dest, build=False).failed == 0
    assert pid in cx.account.data["products"] and order in held(cx, "purchases")
    assert cx.account.error_codes == {"E0102": 1}


"""v2 / v3 API behaviour of the stand-in over loopback HTTP (sources.md 1.8 items 1-7, 10)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from ecom_sandbox.bigcommerce.formats import iso_offset, iso_z, rfc2822

from .conftest import EU, NOW, US, Served

RFC2822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                     r"Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$")
MONEY4 = re.compile(r"^-?\d+\.\d{4}$")


def test_unknown_store_404_and_bad_token_401(served: Served) -> None:
    with httpx.Client(base_url=served.base_url) as raw:
        r = raw.get("/stores/nosuchstore/v3/customers", headers={"X-Auth-Token": "x"})
        assert r.status_code == 404 and r.json()["status"] == 404
        r = raw.get("/stores/nosuchstore/v2/orders")
        assert r.status_code == 404 and r.json()[0]["status"] == 404
    with served.client(token="") as c:
        r = c.get("/v3/customers")
        assert r.status_code == 401
        assert r.json()["title"].startswith("Unauthorized") and "type" in r.json()
        r = c.get("/v2/orders")
        assert r.status_code == 401 and r.json() == [
            {"status": 401, "message": r.json()[0]["message"]}
        ]
    # a token of another store is wrong too
    with served.client(US, token=served.sandbox.store(EU).token) as c:
        assert c.get("/v3/customers").status_code == 401


def test_v3_pagination_math_links_and_413(served: Served) -> None:
    total = len(served.sandbox.store(US).customers)
    with served.client() as c:
        body = c.get("/v3/customers").json()
        p = body["meta"]["pagination"]
        assert (p["total"], p["count"], p["per_page"], p["current_page"]) == (total, 50, 50, 1)
        assert p["total_pages"] == -(-total // 50)
        assert p["links"] == {"current": "?page=1&limit=50", "next": "?page=2&limit=50"}
        last = c.get("/v3/customers", params={"page": 3, "limit": 25}).json()["meta"]
        assert last["pagination"]["count"] == total - 50
        assert last["pagination"]["links"]["previous"] == "?page=2&limit=25"
        assert "next" not in last["pagination"]["links"]
        assert "cursor_pagination" not in last
        assert c.get("/v3/customers", params={"limit": 250}).status_code == 200
        r = c.get("/v3/catalog/products", params={"limit": 251})
        assert r.status_code == 413 and r.json()["status"] == 413


def test_v3_customers_cursor_mode(served: Served) -> None:
    with served.client() as c:
        first = c.get("/v3/customers", params={"limit": 25, "sort": "date_modified:desc"}).json()
        cursor = first["meta"]["cursor_pagination"]
        assert cursor["end_cursor"] and cursor["links"]["next"].startswith("?after=")
        ids: list[int] = []
        params = {"limit": 25, "after": "", "page": 99}
        page = c.get("/v3/customers", params={"limit": 25}).json()
        ids += [d["id"] for d in page["data"]]
        while "next" in page["meta"]["cursor_pagination"]["links"]:
            params["after"] = page["meta"]["cursor_pagination"]["end_cursor"]
            page = c.get("/v3/customers", params=params).json()
            assert "pagination" not in page["meta"]  # page is ignored in cursor mode
            assert page["meta"]["cursor_pagination"]["end_cursor"]
            ids += [d["id"] for d in page["data"]]
        assert ids == sorted(served.sandbox.store(US).customers)
        back = c.get("/v3/customers", params={
            "limit": 10, "before": page["meta"]["cursor_pagination"]["start_cursor"],
        }).json()
        assert [d["id"] for d in back["data"]] == ids[-len(page["data"]) - 10: -len(page["data"])]
        assert c.get("/v3/customers", params={"after": "garbage!"}).status_code == 422


def test_v3_filters_sort_and_include_gating(served: Served) -> None:
    store = served.sandbox.store(US)
    customer = store.customers[5]
    with served.client() as c:
        r = c.get("/v3/customers", params={"id:in": "5,6"}).json()
        assert [d["id"] for d in r["data"]] == [5, 6]
        assert "addresses" not in r["data"][0] and "address_count" in r["data"][0]
        r = c.get("/v3/customers", params={"id:in": "5", "include": "addresses"}).json()
        assert len(r["data"][0]["addresses"]) == customer["address_count"] if (
            "address_count" in customer) else len(customer["addresses"])
        messy = f"  {customer['email'].upper()} "
        r = c.get("/v3/customers", params={"email:in": messy}).json()
        assert [d["id"] for d in r["data"]] == [5]
        stamp = customer["date_modified"]
        r = c.get("/v3/customers", params={
            "date_modified:min": stamp.strftime("%Y-%m-%dT%H:%M:%S"), "sort": "date_modified:asc",
            "limit": 250,
        }).json()
        mods = [d["date_modified"] for d in r["data"]]
        assert iso_z(stamp) in mods and mods == sorted(mods)  # inclusive, sorted
        assert all(m >= iso_z(stamp) for m in mods)
        p = c.get("/v3/catalog/products", params={"limit": 1}).json()["data"][0]
        assert "variants" not in p and "images" not in p
        p = c.get("/v3/catalog/products", params={"limit": 1, "include": "variants,images"}
                  ).json()["data"][0]
        assert p["variants"] and "images" in p and isinstance(p["price"], float)
        r = c.get("/v3/catalog/products", params={"id:greater": 80, "sort": "price",
                                                  "direction": "desc", "limit": 250}).json()
        prices = [d["price"] for d in r["data"]]
        assert prices == sorted(prices, reverse=True) and all(d["id"] > 80 for d in r["data"])
        cats = c.get("/v3/catalog/categories").json()["data"]
        assert {"id", "name", "parent_id"} <= set(cats[0])
        subs = c.get("/v3/customers/subscribers", params={"limit": 250}).json()["data"]
        assert any(s["consents"] == [] for s in subs)
        assert all(s["date_created"].endswith("Z") for s in subs)


def test_products_date_only_min_means_date_plus_request_time(served: Served) -> None:
    """BigCommerce appends the current time of the request to a date-only value."""
    store = served.sandbox.store(US)
    early = NOW.replace(hour=8)  # the clock says 12:00, so a 08:00 change is "before"
    served.sandbox.touch(US, "products", 77, now=early)
    served.sandbox.touch(US, "customers", 1, now=early)
    day = NOW.strftime("%Y-%m-%d")
    with served.client() as c:
        prods = c.get("/v3/catalog/products", params={"date_modified:min": day}).json()["data"]
        assert 77 not in [p["id"] for p in prods]
        prods = c.get("/v3/catalog/products",
                      params={"date_modified:min": f"{day}T00:00:00"}).json()["data"]
        assert [p["id"] for p in prods] == [77]
        assert prods[0]["date_modified"] == iso_offset(early)
        custs = c.get("/v3/customers", params={"date_modified:min": day}).json()["data"]
        assert [x["id"] for x in custs] == [1]  # customers: date-only is midnight
    assert store.products[77]["date_modified"] == early


def test_v2_orders_formats_links_and_204(served: Served) -> None:
    store = served.sandbox.store(US)
    with served.client() as c:
        orders = c.get("/v2/orders").json()
        assert isinstance(orders, list) and len(orders) == 50
        o = orders[0]
        assert o["id"] == min(k for k, v in store.orders.items() if v["status_id"])
        assert RFC2822.match(o["date_created"]) and RFC2822.match(o["date_modified"])
        assert o["date_shipped"] == "" or RFC2822.match(o["date_shipped"])
        for key in ("total_inc_tax", "subtotal_ex_tax", "discount_amount", "coupon_discount"):
            assert MONEY4.match(o[key]), key
        assert re.match(r"^\d+\.\d{10}$", o["currency_exchange_rate"])
        api = str(c.base_url).rstrip("/")
        assert o["products"] == {"url": f"{api}/v2/orders/{o['id']}/products",
                                 "resource": f"/orders/{o['id']}/products"}
        assert o["shipping_addresses"]["resource"] == f"/orders/{o['id']}/shippingaddresses"
        lines = c.get(o["products"]["url"]).json()
        assert all(MONEY4.match(line["base_price"]) for line in lines)
        ships = c.get(f"/v2/orders/{o['id']}/shipping_addresses").json()
        assert ships[0]["shipping_method"] and MONEY4.match(ships[0]["cost_inc_tax"])
        with_coupon = next(x for x in store.orders.values() if x["_coupons"])
        coupons = c.get(f"/v2/orders/{with_coupon['id']}/coupons").json()
        assert coupons[0]["code"] and isinstance(coupons[0]["amount"], (int, float))
        without = next(x for x in store.orders.values() if not x["_coupons"])
        r = c.get(f"/v2/orders/{without['id']}/coupons")
        assert r.status_code == 204 and r.content == b""
        r = c.get("/v2/orders", params={"page": 50})
        assert r.status_code == 204 and r.content == b""
        r = c.get(f"/v2/orders/{o['id']}/products", params={"page": 2})
        assert r.status_code == 204
        assert c.get("/v2/orders/999999").json()[0]["status"] == 404
        single = c.get(f"/v2/orders/{o['id']}").json()
        assert single["id"] == o["id"]


def test_r_bc3_guests_statuses_and_v2_filters(served: Served) -> None:
    store = served.sandbox.store(US)
    with served.client() as c:
        statuses = c.get("/v2/order_statuses").json()
        assert [s["id"] for s in statuses] == list(range(15))
        assert statuses[4]["name"] == "Refunded" and statuses[14]["name"] == "Partially Refunded"
        every: list[dict] = []
        page = 1
        while (r := c.get("/v2/orders", params={"page": page, "limit": 250})).status_code == 200:
            every += r.json()
            page += 1
        assert {o["status_id"] for o in every} == set(range(1, 15))  # 0 only when asked
        incomplete = c.get("/v2/orders", params={"status_id": 0}).json()
        assert incomplete and all(o["status_id"] == 0 for o in incomplete)
        guests = [o for o in every if o["customer_id"] == 0]
        assert guests and all(o["billing_address"]["email"] for o in guests)
        assert any(o["is_email_opt_in"] for o in every)
        count = c.get("/v2/orders/count").json()
        assert count["count"] == len(every)
        assert sum(s["count"] for s in count["statuses"]) == len(every)

        pivot = sorted(store.orders.values(), key=lambda o: o["date_modified"])[60]
        stamp = pivot["date_modified"]
        rfc = c.get("/v2/orders", params={"min_date_modified": rfc2822(stamp), "limit": 250,
                                           "sort": "date_modified:asc"}).json()
        iso = c.get("/v2/orders", params={"min_date_modified": stamp.isoformat(),
                                           "limit": 250, "sort": "date_modified:asc"}).json()
        assert [o["id"] for o in rfc] == [o["id"] for o in iso]
        assert pivot["id"] in [o["id"] for o in rfc]  # inclusive
        r = c.get("/v2/orders", params={"max_date_modified": rfc2822(stamp), "limit": 250})
        assert all(o["id"] not in [x["id"] for x in rfc] or o["id"] == pivot["id"]
                   or store.orders[o["id"]]["date_modified"] == stamp for o in r.json())
        desc = c.get("/v2/orders", params={"sort": "id:desc", "limit": 5}).json()
        assert [o["id"] for o in desc] == sorted(desc_ids := [o["id"] for o in desc],
                                                  reverse=True)
        assert desc_ids[0] == max(o["id"] for o in store.orders.values() if o["status_id"])
        ranged = c.get("/v2/orders", params={"min_id": 110, "max_id": 119}).json()
        assert {o["id"] for o in ranged} <= set(range(110, 120))
        cust = next(o for o in store.orders.values() if o["customer_id"] and o["status_id"])
        mine = c.get("/v2/orders", params={"customer_id": cust["customer_id"]}).json()
        assert cust["id"] in [o["id"] for o in mine]
        assert c.get("/v2/orders", params={"min_date_modified": "yesterday"}).status_code == 400
        info = c.get("/v2/store").json()
        assert info["name"] == "Acme Outdoor" and info["currency"] == "USD"


def test_update_mid_pagination_moves_record_to_the_end(served: Served) -> None:
    """A record updated while a client pages a date_modified sort jumps to the end and the
    next page shifts by one (the offset-pagination pitfall the client must survive)."""
    store = served.sandbox.store(US)
    ordered = sorted(store.customers.values(), key=lambda x: (x["date_modified"], x["id"]))
    victim = ordered[5]["id"]
    later = NOW + timedelta(minutes=5)

    def bump(store_hash: str, path: str, params: dict[str, str], count: int) -> None:
        if path == "/v3/customers" and params.get("page") == "2":
            served.sandbox.touch(store_hash, "customers", victim, now=later)

    remove = served.sandbox.on_request(bump)
    seen: list[int] = []
    with served.client() as c:
        for page in (1, 2, 3):
            body = c.get("/v3/customers", params={
                "sort": "date_modified:asc", "limit": 25, "page": page,
            }).json()
            seen += [d["id"] for d in body["data"]]
    remove()
    assert seen[-1] == victim and seen.count(victim) == 2
    skipped = ordered[25]["id"]  # first row of page 2 slid onto page 1 after the update
    assert skipped not in seen
    assert served.sandbox.request_count(US) >= 3

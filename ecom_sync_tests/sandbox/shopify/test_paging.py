"""Link/page_info paging, filters, order status, the 60-day window, moving cursors and
deletions (sources.md 2.2, 2.3, 2.8 items 3-6, 2.9)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from .conftest import NOW, SHOP, TOKEN, Served, V, walk


def _page_info(url: str) -> str:
    return parse_qs(urlsplit(url).query)["page_info"][0]


def test_link_paging_bakes_filters_into_page_info(served: Served) -> None:
    shop = served.sandbox.shop(SHOP)
    since = NOW - timedelta(days=40)
    params = {"status": "any", "updated_at_min": since.isoformat(), "limit": 20,
              "order": "updated_at asc"}
    expected = sorted(o["id"] for o in shop.orders.values() if o["updated_at"] >= since)
    with served.client() as c:
        first = c.get(f"{V}/orders.json", params=params)
        assert first.headers["Link"].endswith('rel="next"')
        assert 'rel="previous"' not in first.headers["Link"]
        nxt = first.links["next"]["url"]
        assert set(parse_qs(urlsplit(nxt).query)) == {"limit", "page_info"}
        doc = json.loads(base64.urlsafe_b64decode(_page_info(nxt) + "=="))
        assert doc["direction"] == "next" and doc["filters"]["status"] == "any"
        records, pages = walk(c, f"{V}/orders.json", params, "orders")
        second = c.get(nxt)
        assert 'rel="previous"' in second.headers["Link"]
        back = c.get(second.links["previous"]["url"]).json()["orders"]
        assert [o["id"] for o in back] == [o["id"] for o in first.json()["orders"]]
        one_page = c.get(f"{V}/orders.json", params={"status": "any", "limit": 250})
    ids = [o["id"] for o in records]
    assert sorted(ids) == expected and len(ids) == len(set(ids))
    assert pages == -(-len(expected) // 20) and pages >= 3
    stamps = [datetime.fromisoformat(str(o["updated_at"])) for o in records]
    assert stamps == sorted(stamps)
    assert "Link" not in one_page.headers  # a single page has no Link header


def test_filter_with_page_info_is_400_and_expired_or_garbled_page_info(served: Served) -> None:
    with served.client() as c:
        r = c.get(f"{V}/orders.json", params={"status": "any", "limit": 5})
        nxt = r.links["next"]["url"]
        page_info = _page_info(nxt)
        bad = c.get(f"{V}/orders.json", params={"page_info": page_info,
                                                "created_at_min": "2026-01-01"})
        assert bad.status_code == 400
        assert bad.json() == {"errors": {"created_at_min": "created_at_min cannot be passed "
                                                           "when page_info is present."}}
        bad = c.get(f"{V}/orders.json", params={"page_info": page_info, "status": "any"})
        assert bad.json()["errors"] == {"status": "status cannot be passed when page_info "
                                                  "is present."}
        ok = c.get(f"{V}/orders.json", params={"page_info": page_info, "limit": 7,
                                               "fields": "id"})
        assert ok.status_code == 200 and len(ok.json()["orders"]) == 7
        garbled = c.get(f"{V}/orders.json", params={"page_info": page_info[:-3] + "xyz"})
        assert garbled.status_code == 400
        assert garbled.json() == {"errors": {"page_info": "Invalid value."}}
        assert c.get(f"{V}/customers.json", params={"page_info": page_info}).status_code == 400
        served.sandbox.expire_page_info()
        expired = c.get(nxt)
        assert expired.status_code == 400
        assert expired.json() == {"errors": {"page_info": "Invalid value."}}
        served.sandbox.set_page_info_ttl(0.0)
        r = c.get(f"{V}/orders.json", params={"status": "any", "limit": 5})
        assert c.get(r.links["next"]["url"]).status_code == 400  # TTL passed
        assert c.get(f"{V}/orders.json", params={"limit": 251}).status_code == 400
        assert c.get(f"{V}/orders.json", params={"limit": 250}).status_code == 200


def test_orders_default_status_open_vs_any(served: Served) -> None:
    shop = served.sandbox.shop(SHOP)
    with served.client() as c:
        default, _ = walk(c, f"{V}/orders.json", {"limit": 250}, "orders")
        everything, _ = walk(c, f"{V}/orders.json", {"limit": 100, "status": "any"}, "orders")
        closed, _ = walk(c, f"{V}/orders.json", {"status": "closed"}, "orders")
        cancelled, _ = walk(c, f"{V}/orders.json", {"status": "cancelled"}, "orders")
        refunded = c.get(f"{V}/orders.json", params={"status": "any", "limit": 250,
                                                     "financial_status": "refunded"})
        unshipped = c.get(f"{V}/orders.json", params={"status": "any", "limit": 250,
                                                      "fulfillment_status": "unshipped"})
    assert all(o["closed_at"] is None and o["cancelled_at"] is None for o in default)
    assert len(everything) == len(shop.orders) > len(default)
    assert closed and all(o["closed_at"] for o in closed)
    assert cancelled and all(o["cancelled_at"] for o in cancelled)
    assert {o["financial_status"] for o in refunded.json()["orders"]} == {"refunded"}
    assert {o["fulfillment_status"] for o in unshipped.json()["orders"]} == {None}


def test_sixty_day_window_without_read_all_orders(served: Served) -> None:
    shop = served.sandbox.shop(SHOP)
    old = [o for o in shop.orders.values() if o["created_at"] < NOW - timedelta(days=60)]
    assert old
    scopes = [s for s in shop.tokens[TOKEN] if s != "read_all_orders"]
    served.sandbox.set_scopes(SHOP, scopes)
    with served.client() as c:
        seen, _ = walk(c, f"{V}/orders.json", {"status": "any", "limit": 250}, "orders")
        count = c.get(f"{V}/orders/count.json", params={"status": "any"}).json()["count"]
        single = c.get(f"{V}/orders/{old[0]['id']}.json")
    assert len(seen) == count == len(shop.orders) - len(old)
    assert single.status_code == 404


def test_date_filters_inclusive_naive_and_offset(served: Served) -> None:
    shop = served.sandbox.shop(SHOP)
    target = sorted(shop.customers.values(), key=lambda x: x["updated_at"])[50]
    at = target["updated_at"]
    naive_shop_time = (at + timedelta(hours=1)).replace(tzinfo=None).isoformat(sep=" ")
    with served.client() as c:
        for value in (at.isoformat(), at.astimezone().isoformat(),
                      at.strftime("%Y-%m-%dT%H:%M:%SZ"), naive_shop_time):
            got = c.get(f"{V}/customers.json", params={
                "updated_at_min": value, "updated_at_max": value, "limit": 250}).json()
            assert target["id"] in [x["id"] for x in got["customers"]], value
        bad = c.get(f"{V}/customers.json", params={"updated_at_min": "yesterday"})
        assert bad.status_code == 400 and "updated_at_min" in bad.json()["errors"]
        since = c.get(f"{V}/customers.json", params={"since_id": target["id"], "limit": 250})
    ids = [x["id"] for x in since.json()["customers"]]
    assert ids == sorted(ids) and all(i > target["id"] for i in ids)


def test_update_during_walk_moves_record_to_later_page(served: Served) -> None:
    shop = served.sandbox.shop(SHOP)
    first_id = min(shop.customers.values(), key=lambda x: (x["updated_at"], x["id"]))["id"]

    def bump(shop_name: str, path: str, params: dict[str, str], n: int) -> None:
        if "page_info" in params and n == 2:  # while the client reads page 2
            served.sandbox.touch(SHOP, "customers", first_id, NOW, tags="VIP")

    remove = served.sandbox.on_request(bump)
    try:
        with served.client() as c:
            rows, _ = walk(c, f"{V}/customers.json",
                           {"order": "updated_at asc", "limit": 30}, "customers")
    finally:
        remove()
    ids = [r["id"] for r in rows]
    assert ids.count(first_id) == 2  # seen again: dedupe by id keeping max updated_at
    assert len(set(ids)) == len(shop.customers)
    assert rows[-1]["id"] == first_id and rows[-1]["tags"] == "VIP"


def test_deleted_orders_only_in_destroy_events(served: Served) -> None:
    shop = served.sandbox.shop(SHOP)
    victim = max(shop.orders)
    served.sandbox.delete(SHOP, "orders", victim)
    with served.client() as c:
        assert c.get(f"{V}/orders/{victim}.json").status_code == 404
        events = c.get(f"{V}/events.json", params={
            "filter": "Order", "verb": "destroy",
            "created_at_min": (NOW - timedelta(minutes=1)).isoformat()}).json()["events"]
        all_destroys = c.get(f"{V}/events.json", params={"filter": "Order",
                                                         "verb": "destroy"}).json()["events"]
        products = c.get(f"{V}/events.json", params={"filter": "Product"}).json()["events"]
    assert [e["subject_id"] for e in events] == [victim]
    assert len(all_destroys) == 3  # two deleted by the generator
    assert all(e["subject_type"] == "Order" for e in all_destroys)
    assert [e["verb"] for e in products] == ["destroy"]

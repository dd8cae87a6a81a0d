"""Connections, ecomCustomers and ecomOrders (destinations.md A.3-A.6, A.10 items 5-8)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import Served, codes, make_connection, make_customer, order_body, pointers


@pytest.fixture
def shop(ac: httpx.Client) -> tuple[str, str]:
    conn = make_connection(ac)
    return conn, make_customer(ac, conn)


# ----- connections ---------------------------------------------------------------------
def test_connection_requires_five_fields(ac: httpx.Client) -> None:
    r = ac.post("/connections", json={"connection": {"service": "bigcommerce"}})
    assert r.status_code == 422
    assert set(pointers(r)) == {f"/data/attributes/{f}" for f in
                                ("externalid", "name", "logoUrl", "linkUrl")}
    assert set(codes(r)) == {"field_missing"}


def test_connection_service_externalid_unique(ac: httpx.Client) -> None:
    make_connection(ac, "store-1")
    body = {"service": "bigcommerce", "externalid": "store-1", "name": "Again",
            "logoUrl": "l", "linkUrl": "k"}
    r = ac.post("/connections", json={"connection": body})
    assert r.status_code == 422
    assert codes(r) == ["field_invalid"]
    assert make_connection(ac, "store-2") != make_connection(ac, "store-3")


def test_connection_update_and_delete(ac: httpx.Client) -> None:
    conn = make_connection(ac)
    r = ac.put(f"/connections/{conn}", json={"connection": {"status": 0, "syncStatus": 1}})
    assert r.status_code == 200
    got = ac.get(f"/connections/{conn}").json()["connection"]
    assert (got["status"], got["syncStatus"]) == ("0", "1")
    r = ac.delete(f"/connections/{conn}")
    assert (r.status_code, r.json()) == (200, {})
    assert ac.get(f"/connections/{conn}").status_code == 404


# ----- customers -----------------------------------------------------------------------
def test_customer_required_fields_related_missing_email_invalid(ac: httpx.Client) -> None:
    r = ac.post("/ecomCustomers", json={"ecomCustomer": {}})
    assert r.status_code == 422 and set(codes(r)) == {"field_missing"}
    assert len(r.json()["errors"]) == 3
    r = ac.post("/ecomCustomers", json={"ecomCustomer": {
        "connectionid": "77", "externalid": "1", "email": "a@example.com"}})
    assert r.status_code == 422 and codes(r) == ["related_missing"]
    conn = make_connection(ac)
    r = ac.post("/ecomCustomers", json={"ecomCustomer": {
        "connectionid": conn, "externalid": "1", "email": "not-an-email"}})
    assert r.status_code == 422 and codes(r) == ["email_invalid"]


def test_customer_identity_is_connection_and_email(served: Served, ac: httpx.Client) -> None:
    conn = make_connection(ac)
    make_customer(ac, conn, "ann@example.com", externalid="guest")
    make_customer(ac, conn, "bob@example.com", externalid="guest")  # externalid may repeat
    r = ac.post("/ecomCustomers", json={"ecomCustomer": {
        "connectionid": conn, "externalid": "x", "email": "ANN@example.com"}})
    assert r.status_code == 422 and codes(r) == ["duplicate"]
    other = make_connection(ac, "store-2")
    make_customer(ac, other, "ann@example.com")  # one customer per store, one contact
    assert len(served.account.records("contacts")) == 2


# ----- orders: validation ----------------------------------------------------------------
@pytest.mark.parametrize("field,value", [
    ("totalPrice", 12.5), ("totalPrice", 3200.0), ("totalPrice", "12.50"),
    ("totalPrice", -1), ("shippingAmount", 5.0), ("taxAmount", "2.00"),
    ("discountAmount", 0.5),
])
def test_money_must_be_non_negative_integer_cents(
    ac: httpx.Client, shop: tuple[str, str], field: str, value: Any
) -> None:
    r = ac.post("/ecomOrders", json={"ecomOrder": order_body(*shop, **{field: value})})
    assert r.status_code == 422
    assert codes(r) == ["field_invalid"]
    assert pointers(r) == [f"/data/attributes/{field}"]


@pytest.mark.parametrize("value", [12.5, "12.50", 10.0])
def test_line_item_price_must_be_integer_cents(
    ac: httpx.Client, shop: tuple[str, str], value: Any
) -> None:
    items = [{"externalid": "1", "name": "Mug", "price": value, "quantity": 1}]
    r = ac.post("/ecomOrders", json={"ecomOrder": order_body(*shop, orderProducts=items)})
    assert r.status_code == 422
    assert pointers(r) == ["/data/attributes/orderProducts/0/price"]


@pytest.mark.parametrize("field", ["source", "email", "totalPrice", "currency", "connectionid",
                                   "customerid", "externalCreatedDate"])
def test_required_order_fields(ac: httpx.Client, shop: tuple[str, str], field: str) -> None:
    body = order_body(*shop)
    del body[field]
    r = ac.post("/ecomOrders", json={"ecomOrder": body})
    assert r.status_code == 422
    assert codes(r) == ["field_missing"]
    assert pointers(r) == [f"/data/attributes/{field}"]


def test_order_date_alias_and_string_source(ac: httpx.Client, shop: tuple[str, str]) -> None:
    body = order_body(*shop, source="0")
    body["orderDate"] = body.pop("externalCreatedDate")
    r = ac.post("/ecomOrders", json={"ecomOrder": body})
    assert r.status_code == 201, r.text
    assert r.json()["ecomOrder"]["source"] == 0


def test_order_products_need_externalid_name_price_quantity(
    ac: httpx.Client, shop: tuple[str, str]
) -> None:
    r = ac.post("/ecomOrders", json={"ecomOrder": order_body(*shop, orderProducts=[{}])})
    assert r.status_code == 422
    assert sorted(pointers(r)) == sorted(f"/data/attributes/orderProducts/0/{f}"
                                         for f in ("externalid", "name", "price", "quantity"))


@pytest.mark.parametrize("overrides,code,field", [
    ({"externalid": None}, "field_missing", "externalid"),
    ({"externalcheckoutid": "cart-1", "abandonedDate": "2024-05-01T10:00:00Z"},
     "field_invalid", "externalcheckoutid"),
    ({"externalid": None, "externalcheckoutid": "cart-1"}, "field_missing", "abandonedDate"),
    ({"source": 2}, "field_invalid", "source"),
    ({"source": "yes"}, "field_invalid", "source"),
    ({"email": "nope"}, "email_invalid", "email"),
    ({"currency": "EURO"}, "field_invalid", "currency"),
    ({"connectionid": "99"}, "related_missing", "connectionid"),
    ({"customerid": "99"}, "related_missing", "customerid"),
    ({"externalCreatedDate": "yesterday"}, "field_invalid", "externalCreatedDate"),
])
def test_order_422_cases(
    ac: httpx.Client, shop: tuple[str, str], overrides: dict[str, Any], code: str, field: str
) -> None:
    r = ac.post("/ecomOrders", json={"ecomOrder": order_body(*shop, **overrides)})
    assert r.status_code == 422, r.text
    assert code in codes(r)
    assert f"/data/attributes/{field}" in pointers(r)


def test_customer_must_belong_to_the_connection(ac: httpx.Client, shop: tuple[str, str]) -> None:
    other = make_connection(ac, "store-2")
    r = ac.post("/ecomOrders", json={"ecomOrder": order_body(other, shop[1])})
    assert r.status_code == 422 and codes(r) == ["related_missing"]


def test_duplicate_externalid_or_checkout_id_per_connection(
    ac: httpx.Client, shop: tuple[str, str]
) -> None:
    assert ac.post("/ecomOrders", json={"ecomOrder": order_body(*shop)}).status_code == 201
    r = ac.post("/ecomOrders", json={"ecomOrder": order_body(*shop)})
    assert r.status_code == 422 and codes(r) == ["duplicate"]
    cart = order_body(*shop, externalid=None, externalcheckoutid="cart-9",
                      abandonedDate="2024-05-01T10:00:00Z")
    assert ac.post("/ecomOrders", json={"ecomOrder": cart}).status_code == 201
    r = ac.post("/ecomOrders", json={"ecomOrder": cart})
    assert r.status_code == 422 and pointers(r) == ["/data/attributes/externalcheckoutid"]
    other = make_connection(ac, "store-2")
    customer = make_customer(ac, other)
    assert ac.post("/ecomOrders", json={"ecomOrder": order_body(other, customer)}
                   ).status_code == 201


# ----- orders: lifecycle -----------------------------------------------------------------
def test_create_response_side_loads_and_get_strings(
    ac: httpx.Client, shop: tuple[str, str]
) -> None:
    r = ac.post("/ecomOrders", json={"ecomOrder": order_body(*shop)})
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"connections", "ecomOrderProducts", "ecomOrderDiscounts", "ecomOrder"}
    order = body["ecomOrder"]
    assert order["state"] == 1 and order["totalProducts"] == 2
    assert order["orderDate"] == "2024-05-01T03:00:00-05:00"  # account time zone
    got = ac.get(f"/ecomOrders/{order['id']}").json()["ecomOrder"]
    assert got["totalPrice"] == "3200" and got["state"] == "1" and got["source"] == "1"
    assert got["orderProducts"] == [p["id"] for p in body["ecomOrderProducts"]]
    items = ac.get(f"/ecomOrders/{order['id']}/orderProducts").json()
    assert items["meta"]["total"] == "1"
    assert items["ecomOrderProducts"][0]["price"] == "1250"


def test_cart_becomes_recovered_when_put_adds_externalid(
    served: Served, ac: httpx.Client, shop: tuple[str, str]
) -> None:
    cart = order_body(*shop, externalid=None, externalcheckoutid="cart-77",
                      abandonedDate="2024-05-01T10:00:00Z")
    r = ac.post("/ecomOrders", json={"ecomOrder": cart})
    order_id = r.json()["ecomOrder"]["id"]
    assert r.json()["ecomOrder"]["state"] == 2
    assert served.account.automation_trigger(served.account.orders(id=order_id)[0]) == \
        "abandons_cart"
    customer = ac.get(f"/ecomCustomers/{shop[1]}").json()["ecomCustomer"]
    assert customer["totalOrders"] == "0"  # an abandoned cart is no revenue
    found = ac.get("/ecomOrders", params={"filters[connectionid]": shop[0],
                                          "filters[externalcheckoutid]": "cart-77"}).json()
    assert [o["id"] for o in found["ecomOrders"]] == [order_id]
    r = ac.put(f"/ecomOrders/{order_id}", json={"ecomOrder": {"externalid": "BC-77"}})
    assert r.status_code == 200
    order = ac.get(f"/ecomOrders/{order_id}").json()["ecomOrder"]
    assert order["state"] == "3"
    assert order["externalid"] == "BC-77" and order["externalcheckoutid"] == "cart-77"
    assert order["abandonedDate"] is not None
    customer = ac.get(f"/ecomCustomers/{shop[1]}").json()["ecomCustomer"]
    assert (customer["totalOrders"], customer["totalRevenue"]) == ("1", "3200")
    assert len(served.account.orders()) == 1


def test_put_replaces_products_and_discounts_and_keeps_other_fields(
    ac: httpx.Client, shop: tuple[str, str]
) -> None:
    body = order_body(*shop, orderDiscounts=[{"name": "X", "type": "order",
                                              "discountAmount": 100}])
    created = ac.post("/ecomOrders", json={"ecomOrder": body}).json()
    oid = created["ecomOrder"]["id"]
    old_ids = created["ecomOrder"]["orderProducts"]
    new_items = [{"externalid": "SKU-2", "name": "Cup", "price": 700, "quantity": 1},
                 {"externalid": "SKU-3", "name": "Plate", "price": 900, "quantity": 3}]
    r = ac.put(f"/ecomOrders/{oid}", json={"ecomOrder": {"orderProducts": new_items,
                                                         "orderDiscounts": []}})
    assert r.status_code == 200
    order = ac.get(f"/ecomOrders/{oid}").json()["ecomOrder"]
    assert order["orderProducts"] and set(order["orderProducts"]).isdisjoint(old_ids)
    assert order["orderDiscounts"] == [] and order["totalProducts"] == "4"
    assert order["totalPrice"] == "3200" and order["currency"] == "EUR"
    names = [p["name"] for p in ac.get(f"/ecomOrders/{oid}/orderProducts").json()[
        "ecomOrderProducts"]]
    assert names == ["Cup", "Plate"]
    r = ac.put(f"/ecomOrders/{oid}", json={"ecomOrder": {"totalPrice": 12.5}})
    assert r.status_code == 422


def test_customer_aggregates_follow_orders(ac: httpx.Client, shop: tuple[str, str]) -> None:
    conn, cust = shop
    first = ac.post("/ecomOrders", json={"ecomOrder": order_body(conn, cust)}).json()
    ac.post("/ecomOrders", json={"ecomOrder": order_body(
        conn, cust, externalid="BC-2", totalPrice=1000,
        orderProducts=[{"externalid": "S", "name": "Tee", "price": 1000, "quantity": 1,
                        "category": "Kitchen"}])})
    c = ac.get(f"/ecomCustomers/{cust}").json()["ecomCustomer"]
    assert (c["totalRevenue"], c["totalOrders"], c["totalProducts"],
            c["avgRevenuePerOrder"], c["avgProductCategory"]) == ("4200", "2", "3", "2100",
                                                                  "Kitchen")
    assert ac.delete(f"/ecomOrders/{first['ecomOrder']['id']}").json() == {}
    c = ac.get(f"/ecomCustomers/{cust}").json()["ecomCustomer"]
    assert (c["totalRevenue"], c["totalOrders"], c["totalProducts"]) == ("1000", "1", "1")


def test_source_decides_automations(served: Served, ac: httpx.Client,
                                    shop: tuple[str, str]) -> None:
    ac.post("/ecomOrders", json={"ecomOrder": order_body(*shop, source=0)})
    ac.post("/ecomOrders", json={"ecomOrder": order_body(*shop, externalid="BC-2", source="1")})
    historical, fresh = served.account.orders()
    assert not served.account.fires_automation(historical)
    assert served.account.fires_automation(fresh)
    assert served.account.automation_trigger(fresh) == "makes_a_purchase"
    assert served.account.summary()["orders_by_source"] == {"historical": 1, "real_time": 1}


def test_rejected_order_fault(served: Served, ac: httpx.Client, shop: tuple[str, str]) -> None:
    served.account.faults.reject_order("BC-1", "field_invalid", field="currency")
    r = ac.post("/ecomOrders", json={"ecomOrder": order_body(*shop)})
    assert r.status_code == 422
    assert codes(r) == ["field_invalid"] and pointers(r) == ["/data/attributes/currency"]
    assert ac.post("/ecomOrders", json={"ecomOrder": order_body(*shop, externalid="BC-2")}
                   ).status_code == 201


def test_orders_filter_connectionid_must_be_positive(ac: httpx.Client) -> None:
    assert ac.get("/ecomOrders", params={"filters[connectionid]": "0"}).status_code == 422
    assert ac.get("/ecomOrders", params={"filters[state]": "2"}).json()["meta"]["total"] == "0"

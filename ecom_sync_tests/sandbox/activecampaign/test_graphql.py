"""Ecommerce GraphQL API (ac-graphql.md): validation, token limit, order upserts and their
v3 copies, whole-batch rejection, products, queries."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from ecom_sandbox.activecampaign.graphql_api import MAX_TOKENS, count_tokens

from .conftest import Served, make_connection, make_customer, order_body

ASYNC = "mutation Push($orders: [OrderInput]) { bulkUpsertOrdersAsync(orders: $orders) " \
        "{ recordId } }"


def gql(ac: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    r = ac.post("/ecom/graphql", json={"query": query, "variables": variables or {}})
    assert r.status_code == 200, r.text
    return r.json()


def gql_order(conn: str, store_order_id: str = "shopA-100045", **overrides: Any
              ) -> dict[str, Any]:
    order: dict[str, Any] = {
        "legacyConnectionId": int(conn), "storeOrderId": store_order_id,
        "orderNumber": "100045", "email": "jane@example.com",
        "storeCustomerId": "shopA-cust-881", "creationSource": "HISTORICAL",
        "normalizedStatus": "COMPLETED", "storeStatus": "paid",
        "storeCreatedDate": "2023-05-03T10:48:23Z", "storeModifiedDate": "2023-05-04T08:00:00Z",
        "currency": "USD", "finalAmount": 129.90, "shippingAmount": 5.00,
        "discountsAmount": 10.00, "orderUrl": "https://shop.example.com/orders/100045",
        "acceptsMarketing": True, "customerData": {"firstName": "Jane", "lastName": "Doe"},
        "discounts": [{"name": "WELCOME10", "type": "ORDER", "discountAmount": 10.00}],
        "lineItems": [{"legacyConnectionId": int(conn), "storeLineItemId": "li-1",
                       "productStorePrimaryId": "var-77", "storeBaseProductId": "prod-7",
                       "name": "Mug", "sku": "MUG-R", "quantity": 2, "priceAmount": 134.90,
                       "category": "Kitchen"}],
    }
    order.update(overrides)
    return {k: v for k, v in order.items() if v is not None}


@pytest.fixture
def conn(ac: httpx.Client) -> str:
    return make_connection(ac)


def test_async_bulk_upsert_creates_contact_customer_and_v3_order(
    served: Served, ac: httpx.Client, conn: str
) -> None:
    body = gql(ac, ASYNC, {"orders": [gql_order(conn)]})
    assert "errors" not in body
    uuid.UUID(body["data"]["bulkUpsertOrdersAsync"]["recordId"])
    contact = served.account.contact_by_email("JANE@example.com")
    assert contact is not None and (contact["firstName"], contact["lastName"]) == ("Jane", "Doe")
    customer = served.account.ecom_customer(conn, "jane@example.com")
    assert customer is not None
    assert (customer["externalid"], customer["acceptsMarketing"]) == ("shopA-cust-881", "1")
    [order] = served.account.orders(connectionid=conn, externalid="shopA-100045")
    assert order["totalPrice"] == 12990  # decimal units → cents
    assert (order["shippingAmount"], order["discountAmount"]) == (500, 1000)
    assert order["source"] == 0 and not served.account.fires_automation(order)
    assert order["state"] == 1 and order["customerid"] == customer["id"]
    [item] = served.account.order_products(order["id"])
    assert (item["externalid"], item["price"], item["quantity"]) == ("var-77", 6745, 2)
    got = ac.get(f"/ecomCustomers/{customer['id']}").json()["ecomCustomer"]
    assert (got["totalRevenue"], got["totalOrders"], got["totalProducts"]) == ("12990", "1",
                                                                                "2")


def test_real_time_and_zero_decimal_currency(served: Served, ac: httpx.Client,
                                             conn: str) -> None:
    order = gql_order(conn, "jp-1", creationSource="REAL_TIME", currency="JPY",
                      finalAmount=1500, shippingAmount=None, discountsAmount=None,
                      discounts=None, lineItems=None)
    assert "errors" not in gql(ac, ASYNC, {"orders": [order]})
    [v3] = served.account.orders(externalid="jp-1")
    assert (v3["totalPrice"], v3["source"]) == (1500, 1)
    assert served.account.automation_trigger(v3) == "makes_a_purchase"


def test_upsert_identity_is_connection_and_store_order_id(
    served: Served, ac: httpx.Client, conn: str
) -> None:
    gql(ac, ASYNC, {"orders": [gql_order(conn)]})
    gql(ac, ASYNC, {"orders": [gql_order(conn, finalAmount=99.99, normalizedStatus="REFUNDED",
                                         customerData={"firstName": "Janet"})]})
    [v3] = served.account.orders()
    assert v3["totalPrice"] == 9999
    assert served.account.contact_by_email("jane@example.com")["firstName"] == "Janet"  # type: ignore[index]
    assert len(served.account.records("gql_orders")) == 1
    assert len(served.account.records("ecom_customers")) == 1


def test_cart_with_same_checkout_id_becomes_recovered(served: Served, ac: httpx.Client,
                                                      conn: str) -> None:
    customer = make_customer(ac, conn, email="jane@example.com")
    cart = order_body(conn, customer, externalid=None, externalcheckoutid="cart-77",
                      email="jane@example.com", abandonedDate="2023-05-02T10:00:00Z")
    cart_id = ac.post("/ecomOrders", json={"ecomOrder": cart}).json()["ecomOrder"]["id"]
    gql(ac, ASYNC, {"orders": [gql_order(conn, cartId="cart-77")]})
    [v3] = served.account.orders()
    assert v3["id"] == cart_id
    assert (v3["state"], v3["externalid"], v3["externalcheckoutid"]) == (3, "shopA-100045",
                                                                         "cart-77")
    assert v3["customerid"] == customer


def test_one_faulted_order_rejects_the_whole_batch(served: Served, ac: httpx.Client,
                                                   conn: str) -> None:
    served.account.faults.reject_order("B-2", field="currency", reason="Unknown currency")
    orders = [gql_order(conn, f"B-{i}", email=f"b{i}@example.com") for i in range(1, 4)]
    r = ac.post("/ecom/graphql", json={"query": ASYNC, "variables": {"orders": orders}})
    assert r.status_code == 200
    body = r.json()
    [error] = body["errors"]
    assert error["message"] == "Validation errors"
    assert error["extensions"] == {"currency-storeOrderId-B-2": "Unknown currency"}
    assert body["data"] == {"bulkUpsertOrdersAsync": None}
    assert served.account.orders() == [] and served.account.records("contacts") == []
    assert served.account.records("gql_orders") == []


def test_unknown_connection_and_bad_email_are_validation_errors(
    served: Served, ac: httpx.Client, conn: str
) -> None:
    orders = [gql_order("99", "X-1"), gql_order(conn, "X-2", email="nope")]
    body = gql(ac, ASYNC, {"orders": orders})
    assert set(body["errors"][0]["extensions"]) == {"legacyConnectionId-storeOrderId-X-1",
                                                    "email-storeOrderId-X-2"}
    assert served.account.orders() == []


def test_schema_validation_rejects_unknown_fields(served: Served, ac: httpx.Client,
                                                  conn: str) -> None:
    body = gql(ac, ASYNC, {"orders": [gql_order(conn, totalPrice=12990)]})
    assert body["errors"] and "totalPrice" in body["errors"][0]["message"]
    body = gql(ac, "mutation { bulkUpsertOrdersAsync(orders: []) { recordId nope } }")
    assert body["errors"] and "nope" in body["errors"][0]["message"]
    assert "data" not in body
    body = gql(ac, "mutation { bulkUpsertOrdersAsync(input: {orders: []}) { recordId } }")
    assert body["errors"]
    missing = gql_order(conn)
    del missing["storeCreatedDate"]
    assert gql(ac, ASYNC, {"orders": [missing]})["errors"]
    assert gql(ac, "query { getOrder(") ["errors"][0]["message"].startswith("Syntax Error")
    assert served.account.orders() == []


def test_big_decimal_accepts_numbers_only(ac: httpx.Client, conn: str) -> None:
    body = gql(ac, ASYNC, {"orders": [gql_order(conn, finalAmount="129.90")]})
    assert body["errors"]
    assert "errors" not in gql(ac, ASYNC, {"orders": [gql_order(conn, finalAmount=130)]})


def _inline(order: dict[str, Any]) -> str:
    def lit(value: Any, key: str = "") -> str:
        if isinstance(value, dict):
            return "{" + " ".join(f"{k}: {lit(v, k)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + " ".join(lit(v) for v in value) + "]"
        if isinstance(value, bool):
            return "true" if value else "false"
        if key in ("creationSource", "normalizedStatus", "type"):
            return str(value)
        return json.dumps(value)
    return lit(order)


def test_token_limit_counts_the_document_not_variables(served: Served, ac: httpx.Client,
                                                       conn: str) -> None:
    orders = [gql_order(conn, f"T-{i}", email=f"t{i}@example.com") for i in range(150)]
    document = "mutation { bulkUpsertOrdersAsync(orders: [" + \
        " ".join(_inline(o) for o in orders) + "]) { recordId } }"
    r = ac.post("/ecom/graphql", content=document.encode(),
                headers={"Content-Type": "application/graphql"})
    assert r.status_code == 200
    assert "More than 15000 grammar tokens" in r.json()["errors"][0]["message"]
    assert served.account.orders() == []
    small = "mutation { bulkUpsertOrdersAsync(orders: [" + \
        " ".join(_inline(o) for o in orders[:20]) + "]) { recordId } }"
    r = ac.post("/ecom/graphql", content=small.encode(),
                headers={"Content-Type": "application/graphql"})
    assert "errors" not in r.json(), r.text
    assert len(served.account.orders()) == 20
    assert "errors" not in gql(ac, ASYNC, {"orders": orders})
    assert len(served.account.orders()) == 150


def test_token_count_skips_commas_whitespace_and_comments() -> None:
    assert count_tokens('{ a, b # comment\n c(x: "y, z") }') == 10
    assert count_tokens("{ a }" + " " * 100_000) == 3
    assert count_tokens("{ " + "a " * 20_000 + "}") == MAX_TOKENS + 1  # stops counting


def test_sync_forms_and_queries(served: Served, ac: httpx.Client, conn: str) -> None:
    body = gql(ac, "mutation($o: OrderInput) { upsertOrder(order: $o) { id storeOrderId "
                   "finalAmount lineItems { priceAmount } } }", {"o": gql_order(conn, "S-1")})
    assert body["data"]["upsertOrder"]["finalAmount"] == 129.9
    assert body["data"]["upsertOrder"]["lineItems"] == [{"priceAmount": 134.9}]
    body = gql(ac, "mutation($o: [OrderInput]) { bulkUpsertOrders(orders: $o) "
                   "{ storeOrderId } }",
               {"o": [gql_order(conn, "S-2"), gql_order(conn, "S-3")]})
    assert [o["storeOrderId"] for o in body["data"]["bulkUpsertOrders"]] == ["S-2", "S-3"]
    body = gql(ac, f'{{ getOrder(legacyConnectionId: {conn}, storeOrderId: "S-2") '
                   "{ storeOrderId email creationSource } }")
    assert body["data"]["getOrder"] == {"storeOrderId": "S-2", "email": "jane@example.com",
                                        "creationSource": "HISTORICAL"}
    body = gql(ac, "{ searchOrder(filter: {email: \"JANE@example.com\", "
                   "pagination: {offset: 1, limit: 1}}) { storeOrderId } }")
    assert body["data"]["searchOrder"] == [{"storeOrderId": "S-2"}]
    assert gql(ac, "{ searchOrder(filter: {pagination: {limit: 101}}) { id } }")["errors"]


def test_products_upsert_deduplicate_and_patch(served: Served, ac: httpx.Client,
                                               conn: str) -> None:
    query = "mutation($p: [ProductInput]) { bulkUpsertProducts(products: $p) " \
            "{ id storePrimaryId variantName variantPriceAmount } }"
    products = [
        {"legacyConnectionId": int(conn), "storePrimaryId": "var-77", "variantName": "Mug",
         "variantPriceAmount": 67.45, "baseProductDescription": "A mug"},
        {"legacyConnectionId": int(conn), "storePrimaryId": "var-77",
         "variantName": "Mug - red"},
        {"legacyConnectionId": int(conn), "storePrimaryId": "var-78", "variantName": "Cup"},
    ]
    body = gql(ac, query, {"p": products})
    rows = body["data"]["bulkUpsertProducts"]
    assert [(r["storePrimaryId"], r["variantName"]) for r in rows] == [
        ("var-77", "Mug - red"), ("var-78", "Cup")]
    assert rows[0]["variantPriceAmount"] == 67.45
    gql(ac, query, {"p": [{"legacyConnectionId": int(conn), "storePrimaryId": "var-78",
                           "variantSku": "CUP"}]})
    body = gql(ac, f'{{ productById(id: "{rows[1]["id"]}") {{ variantName variantSku }} }}')
    assert body["data"]["productById"] == {"variantName": "Cup", "variantSku": "CUP"}
    assert len(served.account.records("gql_products")) == 2
    bad = gql(ac, query, {"p": [{"legacyConnectionId": 999, "storePrimaryId": "x"}]})
    assert bad["errors"][0]["message"] == "Validation errors"
    gql(ac, ASYNC, {"orders": [gql_order(conn)]})
    [v3] = served.account.orders()
    assert served.account.order_products(v3["id"])[0]["description"] == "A mug"


def test_contact_details_fall_back_to_addresses_and_company_sets_account(
    served: Served, ac: httpx.Client, conn: str
) -> None:
    order = gql_order(conn, customerData={"company": "Acme Inc"},
                      shippingAddress={"firstName": "Sue", "phone": "+1 222"},
                      billingAddress={"firstName": "Billy", "lastName": "Bill",
                                      "phone": "+1 333"})
    gql(ac, ASYNC, {"orders": [order]})
    contact = served.account.contact_by_email("jane@example.com")
    assert contact is not None
    assert (contact["firstName"], contact["lastName"], contact["phone"]) == (
        "Sue", "Bill", "+1 222")
    assert served.account.account_of("jane@example.com") == "Acme Inc"


def test_introspection_is_enabled(ac: httpx.Client) -> None:
    body = gql(ac, '{ __type(name: "BulkAsync") { fields { name } } }')
    assert body["data"]["__type"]["fields"] == [{"name": "recordId"}]

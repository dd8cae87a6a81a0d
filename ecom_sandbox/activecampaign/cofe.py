"""The e-commerce Custom Object store behind GraphQL (orders and products) and its copy
into v3 Deep Data (ac-graphql.md sections 3-5, 8-10). Functions run under the account
lock."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ecom_sandbox.activecampaign import contacts, deepdata
from ecom_sandbox.activecampaign.formats import (
    parse_datetime,
    render_datetime,
    to_minor,
    valid_currency,
    valid_email,
)
from ecom_sandbox.activecampaign.state import AcAccount, Record

STATE_OF_STATUS = {
    "PENDING": 0, "PENDING_PAYMENT": 4, "WAITING": 4, "COMPLETED": 1, "ABANDONED": 2,
    "RECOVERED": 3, "REFUNDED": 1, "RETURNED": 1, "CANCELLED": 0, "FAILED": 0,
}
"""``normalizedStatus`` → v3 ``state`` (v3 knows only 0-4; our choice for the rest:
refunded/returned stay orders (amounts are net), cancelled/failed become pending so they
do not count as revenue). A missing status is COMPLETED."""


def order_key(legacy_connection_id: Any, store_order_id: Any) -> str:
    return f"{legacy_connection_id}|{store_order_id}"


def jsonable(value: Any) -> Any:
    """Coerced GraphQL input → JSON-ready (``BigDecimal`` kept as a decimal string)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


# ----- validation ----------------------------------------------------------------------
def order_problems(acct: AcAccount, order: dict[str, Any]) -> dict[str, str]:
    """Validation errors of one OrderInput as ``extensions`` entries
    (``<field>-storeOrderId-<storeOrderId>: reason``)."""
    sid = order.get("storeOrderId")
    problems: dict[str, str] = {}

    def bad(field: str, reason: str) -> None:
        problems.setdefault(f"{field}-storeOrderId-{sid}", reason)

    if not str(sid or "").strip():
        bad("storeOrderId", "storeOrderId must not be blank")
    if str(order.get("legacyConnectionId")) not in acct.data["connections"]:
        bad("legacyConnectionId",
            f"No legacy connection with id {order.get('legacyConnectionId')}")
    if not valid_email(order.get("email")):
        bad("email", "A valid email is required")
    if not valid_currency(order.get("currency")):
        bad("currency", "currency must be a 3-letter ISO 4217 code")
    for field in ("storeCreatedDate", "storeModifiedDate"):
        if order.get(field) is not None:
            try:
                parse_datetime(order[field], acct.tz)
            except ValueError:
                bad(field, f"{field} must be an ISO 8601 date-time")
    for field in ("finalAmount", "shippingAmount", "discountsAmount"):
        if order.get(field) is not None and order[field] < 0:
            bad(field, f"{field} must not be negative")
    for item in order.get("lineItems") or []:
        if item is None:
            continue
        if item.get("priceAmount") is not None and item["priceAmount"] < 0:
            bad("lineItems", "priceAmount must not be negative")
        if item.get("quantity") is not None and item["quantity"] < 0:
            bad("lineItems", "quantity must not be negative")
        if str(item.get("legacyConnectionId")) != str(order.get("legacyConnectionId")):
            bad("lineItems", "line item legacyConnectionId must match the order's")
    for discount in order.get("discounts") or []:
        if discount and discount.get("discountAmount") is not None and \
                discount["discountAmount"] < 0:
            bad("discounts", "discountAmount must not be negative")
    rejection = acct.faults.rejection([sid])
    if rejection is not None:
        bad(rejection.field, rejection.reason)
    return problems


# ----- orders --------------------------------------------------------------------------
def upsert_order(acct: AcAccount, order: dict[str, Any]) -> Record:
    """Upsert on (legacyConnectionId, storeOrderId) with patch semantics (fields sent
    replace, explicit null clears), then create/match the contact and ecomCustomer and
    write the v3 ecomOrder (a v3 cart with ``externalcheckoutid == cartId`` is recovered)."""
    key = order_key(order["legacyConnectionId"], order["storeOrderId"])
    data = jsonable(order)
    customer_data = data.pop("customerData", None) or {}
    now = acct.now_iso()
    record = acct.data["gql_orders"].get(key)
    if record is None:
        record = {"id": acct.new_id("gql_orders"), "createdDate": now}
        acct.data["gql_orders"][key] = record
    record.update(data)
    record["updatedDate"] = now
    contact = _contact_for(acct, record, customer_data)
    customer = _customer_for(acct, record)
    _v3_order_for(acct, record, customer)
    record["contactId"] = contact["id"]
    return record


def _first(*values: Any) -> Any:
    return next((v for v in values if v not in (None, "")), None)


def _contact_for(acct: AcAccount, record: Record, customer_data: dict[str, Any]) -> Record:
    shipping = record.get("shippingAddress") or {}
    billing = record.get("billingAddress") or {}
    values = {
        field: _first(customer_data.get(field), shipping.get(field), billing.get(field))
        for field in ("firstName", "lastName", "phone")
    }
    contact, _ = contacts.ensure_contact(acct, record["email"], values)
    if customer_data.get("company"):
        contacts.set_company(acct, contact, customer_data["company"])
    return contact


def _customer_for(acct: AcAccount, record: Record) -> Record:
    connection_id = str(record["legacyConnectionId"])
    customer = deepdata.find_customer(acct, connection_id, record["email"])
    accepts = record.get("acceptsMarketing")
    if customer is None:
        customer = deepdata.new_customer(
            acct, connection_id, str(record.get("storeCustomerId") or "guest"),
            record["email"], "1" if accepts else "0")
    else:
        if record.get("storeCustomerId"):
            customer["externalid"] = str(record["storeCustomerId"])
        if accepts is not None:
            customer["acceptsMarketing"] = "1" if accepts else "0"
        customer["udate"] = acct.now_iso()
    return customer


def _line(acct: AcAccount, record: Record, item: dict[str, Any]) -> dict[str, Any]:
    currency = record.get("currency")
    product = acct.data["gql_products"].get(
        order_key(record["legacyConnectionId"], item.get("productStorePrimaryId")), {})
    quantity = item.get("quantity")
    quantity = 1 if quantity is None else int(quantity)
    line_total = to_minor(item.get("priceAmount") or 0, currency)
    unit = round(line_total / quantity) if quantity > 0 else line_total
    externalid = _first(item.get("productStorePrimaryId"), item.get("storeBaseProductId"),
                        item.get("storeLineItemId"), item.get("sku"), "unknown")
    return {
        "externalid": str(externalid),
        "name": str(_first(item.get("name"), product.get("variantName"),
                           product.get("baseProductName"), item.get("sku"), externalid)),
        "price": unit, "quantity": quantity, "sku": item.get("sku"),
        "category": _first(item.get("category"), *(product.get("categories") or [])),
        "description": _first(product.get("variantDescription"),
                              product.get("baseProductDescription")),
        "imageUrl": item.get("imageUrl"), "productUrl": item.get("productUrl"),
    }


def _v3_order_for(acct: AcAccount, record: Record, customer: Record) -> Record:
    connection_id = str(record["legacyConnectionId"])
    currency = record.get("currency")

    def money(field: str) -> int:
        value = record.get(field)
        return 0 if value is None else to_minor(value, currency)

    changes: dict[str, Any] = {
        "externalid": str(record["storeOrderId"]),
        "source": 1 if record.get("creationSource") == "REAL_TIME" else 0,
        "email": record["email"].strip(), "totalPrice": money("finalAmount"),
        "shippingAmount": money("shippingAmount"), "discountAmount": money("discountsAmount"),
        "currency": currency, "connectionid": connection_id, "customerid": customer["id"],
        "externalCreatedDate": render_datetime(
            parse_datetime(record["storeCreatedDate"], acct.tz), acct.tz),
        "orderNumber": _first(record.get("orderNumber"), str(record["storeOrderId"])),
        "orderUrl": record.get("orderUrl"), "shippingMethod": record.get("shippingMethod"),
        "orderProducts": [_line(acct, record, i) for i in record.get("lineItems") or [] if i],
        "orderDiscounts": [
            {"name": d.get("name"), "type": (d.get("type") or "ORDER").lower(),
             "discountAmount": to_minor(d.get("discountAmount") or 0, currency)}
            for d in record.get("discounts") or [] if d
        ],
    }
    if record.get("storeModifiedDate"):
        changes["externalUpdatedDate"] = render_datetime(
            parse_datetime(record["storeModifiedDate"], acct.tz), acct.tz)
    state = STATE_OF_STATUS.get(record.get("normalizedStatus") or "COMPLETED", 1)
    existing = deepdata.find_order(acct, connection_id, externalid=changes["externalid"])
    if existing is None and record.get("cartId"):
        cart = deepdata.find_order(acct, connection_id, externalcheckoutid=str(record["cartId"]))
        if cart is not None and not cart.get("externalid"):
            existing = cart
    if existing is None:
        order = deepdata.insert_order(acct, changes)
        order["state"] = state
        deepdata.recompute_customer(acct, order["customerid"])
        return order
    if state == deepdata.COMPLETED and existing.get("externalcheckoutid"):
        state = deepdata.RECOVERED
    return deepdata.change_order(acct, existing, changes, state)


def record_batch(acct: AcAccount, kind: str, keys: list[str]) -> str:
    record_id = str(uuid.uuid4())
    acct.data["gql_records"][record_id] = {
        "id": record_id, "kind": kind, "keys": keys, "createdAt": acct.now_iso(),
    }
    return record_id


# ----- products ------------------------------------------------------------------------
def product_problems(acct: AcAccount, product: dict[str, Any]) -> dict[str, str]:
    sid = product.get("storePrimaryId")
    problems = {}
    if str(product.get("legacyConnectionId")) not in acct.data["connections"]:
        problems[f"legacyConnectionId-storePrimaryId-{sid}"] = (
            f"No legacy connection with id {product.get('legacyConnectionId')}")
    if not str(sid or "").strip():
        problems[f"storePrimaryId-storePrimaryId-{sid}"] = "storePrimaryId must not be blank"
    return problems


def upsert_products(acct: AcAccount, products: list[dict[str, Any]]) -> list[Record]:
    """Upsert on (legacyConnectionId, storePrimaryId); duplicates within the request are
    deduplicated (the last one wins); only the fields sent change."""
    batch: dict[str, dict[str, Any]] = {}
    for product in products:
        key = order_key(product["legacyConnectionId"], product["storePrimaryId"])
        batch.setdefault(key, {}).update(jsonable(product))
    out = []
    now = acct.now_iso()
    for key, fields in batch.items():
        record = acct.data["gql_products"].get(key)
        if record is None:
            record = {"id": acct.new_id("gql_products"), "createdDate": now}
            acct.data["gql_products"][key] = record
        record.update(fields)
        record["updatedDate"] = now
        out.append(record)
    return out

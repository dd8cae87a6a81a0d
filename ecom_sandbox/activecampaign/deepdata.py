"""Deep Data: connections, ecomCustomers, ecomOrders (orders and abandoned carts) and
their line items and discounts (destinations.md A.3-A.6, A.10 items 5-8). Functions run
under the account lock and raise :class:`ApiError`."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ecom_sandbox.activecampaign import contacts
from ecom_sandbox.activecampaign.errors import (
    invalid,
    issue,
    not_found,
    unprocessable,
)
from ecom_sandbox.activecampaign.formats import (
    cents,
    email_key,
    parse_datetime,
    render_datetime,
    stringify,
    valid_currency,
    valid_email,
    whole,
)
from ecom_sandbox.activecampaign.state import AcAccount, Record

COMPLETED, ABANDONED, RECOVERED = 1, 2, 3
COUNTED_STATES = (COMPLETED, RECOVERED)
"""Customer aggregates count completed and recovered orders (our choice, A.10 item 6)."""

CONNECTION_REQUIRED = ("service", "externalid", "name", "logoUrl", "linkUrl")
MONEY = ("totalPrice", "shippingAmount", "taxAmount", "discountAmount")
ORDER_TEXT = ("orderUrl", "shippingMethod", "orderNumber")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ----- connections ---------------------------------------------------------------------
def get_connection(acct: AcAccount, connection_id: Any) -> Record:
    record = acct.data["connections"].get(str(connection_id))
    if record is None:
        raise not_found("Connection", connection_id)
    return record


def _connection_clash(acct: AcAccount, service: str, externalid: str, own: str | None) -> None:
    for other in acct.data["connections"].values():
        if other["id"] != own and other["service"] == service and \
                other["externalid"] == externalid:
            raise invalid("A connection with this service and externalid already exists.",
                          "field_invalid", "externalid")


def create_connection(acct: AcAccount, body: Any) -> Record:
    body = body if isinstance(body, dict) else {}
    missing = [issue(f"The connection {f} was not provided.", "field_missing", f)
               for f in CONNECTION_REQUIRED if _missing(body.get(f))]
    if missing:
        raise unprocessable(missing)
    _connection_clash(acct, str(body["service"]), str(body["externalid"]), None)
    connection_id = acct.new_id("connections")
    now = acct.now_iso()
    record = {
        "id": connection_id, "service": str(body["service"]),
        "externalid": str(body["externalid"]), "name": str(body["name"]),
        "logoUrl": str(body["logoUrl"]), "linkUrl": str(body["linkUrl"]),
        "listId": str(body["listId"]) if body.get("listId") not in (None, "") else None,
        "isInternal": 0, "status": 1, "syncStatus": 0, "lastSync": None,
        "connectionType": "ecommerce", "cdate": now, "udate": now,
    }
    acct.data["connections"][connection_id] = record
    return record


def update_connection(acct: AcAccount, connection_id: str, body: Any) -> Record:
    record = get_connection(acct, connection_id)
    body = body if isinstance(body, dict) else {}
    if str(record.get("isInternal")) == "1":
        raise invalid("Connections created by ActiveCampaign integrations cannot be modified.",
                      "field_invalid", "isInternal")
    service = str(body.get("service", record["service"]))
    externalid = str(body.get("externalid", record["externalid"]))
    _connection_clash(acct, service, externalid, record["id"])
    for field in ("service", "externalid", "name", "logoUrl", "linkUrl", "listId",
                  "lastSync"):
        if field in body:
            record[field] = None if body[field] is None else str(body[field])
    for field in ("status", "syncStatus"):
        if field in body:
            if str(body[field]) not in ("0", "1"):
                raise invalid(f"{field} must be 0 or 1", "field_invalid", field)
            record[field] = int(body[field])
    record["udate"] = acct.now_iso()
    return record


def delete_connection(acct: AcAccount, connection_id: str) -> None:
    get_connection(acct, connection_id)
    del acct.data["connections"][str(connection_id)]


def render_connection(record: Record, *, get: bool = True) -> Record:
    out = {k: stringify(v) if get else v for k, v in record.items()}
    out["id"] = record["id"]
    out["links"] = {"customers": f"/api/3/connections/{record['id']}/customers"}
    return out


# ----- ecomCustomers -------------------------------------------------------------------
def get_customer(acct: AcAccount, customer_id: Any) -> Record:
    record = acct.data["ecom_customers"].get(str(customer_id))
    if record is None:
        raise not_found("EcomCustomer", customer_id)
    return record


def find_customer(acct: AcAccount, connection_id: str, email: str) -> Record | None:
    return acct.find("customer_email", (connection_id, email_key(email)))


def _accepts_marketing(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if str(value) in ("0", "1"):
        return str(value)
    raise ValueError(value)


def create_customer(acct: AcAccount, body: Any) -> Record:
    body = body if isinstance(body, dict) else {}
    missing = [issue(f"The customer {f} was not provided.", "field_missing", f)
               for f in ("connectionid", "externalid", "email") if _missing(body.get(f))]
    if missing:
        raise unprocessable(missing)
    if not valid_email(body["email"]):
        raise invalid("The email address is not valid.", "email_invalid", "email")
    connection_id = str(body["connectionid"])
    if connection_id not in acct.data["connections"]:
        raise invalid("The related connection does not exist.", "related_missing",
                      "connectionid")
    accepts = "0"
    if body.get("acceptsMarketing") is not None:
        try:
            accepts = _accepts_marketing(body["acceptsMarketing"])
        except ValueError:
            raise invalid("acceptsMarketing must be 0 or 1", "field_invalid",
                          "acceptsMarketing") from None
    if find_customer(acct, connection_id, body["email"]) is not None:
        raise invalid("A customer with this email already exists for this connection.",
                      "duplicate", "email")
    return new_customer(acct, connection_id, str(body["externalid"]), str(body["email"]),
                        accepts)


def new_customer(acct: AcAccount, connection_id: str, externalid: str, email: str,
                 accepts_marketing: str = "0") -> Record:
    """Create the ecomCustomer and match/create its contact by e-mail."""
    contact, _ = contacts.ensure_contact(acct, email)
    customer_id = acct.new_id("ecom_customers")
    now = acct.now_iso()
    record = {
        "id": customer_id, "connectionid": connection_id, "externalid": externalid,
        "email": email.strip(), "acceptsMarketing": accepts_marketing,
        "subscriberid": contact["id"], "totalRevenue": 0, "totalOrders": 0,
        "totalProducts": 0, "avgRevenuePerOrder": 0, "avgProductCategory": "",
        "tstamp": now, "cdate": now, "udate": now,
    }
    acct.data["ecom_customers"][customer_id] = record
    acct.reindex("ecom_customers", record)
    return record


def update_customer(acct: AcAccount, customer_id: str, body: Any) -> Record:
    record = get_customer(acct, customer_id)
    body = body if isinstance(body, dict) else {}
    if "email" in body and not valid_email(body["email"]):
        raise invalid("The email address is not valid.", "email_invalid", "email")
    if "connectionid" in body and str(body["connectionid"]) not in acct.data["connections"]:
        raise invalid("The related connection does not exist.", "related_missing",
                      "connectionid")
    if "acceptsMarketing" in body:
        try:
            record["acceptsMarketing"] = _accepts_marketing(body["acceptsMarketing"])
        except ValueError:
            raise invalid("acceptsMarketing must be 0 or 1", "field_invalid",
                          "acceptsMarketing") from None
    for field in ("connectionid", "externalid", "email"):
        if field in body and not _missing(body[field]):
            record[field] = str(body[field]).strip()
    if "email" in body:
        record["subscriberid"] = contacts.ensure_contact(acct, record["email"])[0]["id"]
    acct.reindex("ecom_customers", record)
    record["udate"] = record["tstamp"] = acct.now_iso()
    return record


def delete_customer(acct: AcAccount, customer_id: str) -> None:
    get_customer(acct, customer_id)
    del acct.data["ecom_customers"][str(customer_id)]


def recompute_customer(acct: AcAccount, customer_id: str) -> None:
    """Aggregates from the customer's completed and recovered orders."""
    record = acct.data["ecom_customers"].get(customer_id)
    if record is None:
        return
    orders = [o for o in acct.find_all("order_customer", customer_id)
              if o["state"] in COUNTED_STATES]
    revenue = sum(o["totalPrice"] for o in orders)
    categories = Counter(
        acct.data["ecom_order_products"][p].get("category") or ""
        for o in orders for p in o["orderProducts"]
    )
    categories.pop("", None)
    record["totalRevenue"] = revenue
    record["totalOrders"] = len(orders)
    record["totalProducts"] = sum(o["totalProducts"] for o in orders)
    record["avgRevenuePerOrder"] = revenue // len(orders) if orders else 0
    record["avgProductCategory"] = categories.most_common(1)[0][0] if categories else ""
    record["tstamp"] = acct.now_iso()


def render_customer(record: Record, *, get: bool = True) -> Record:
    out = {k: stringify(v) if get else v for k, v in record.items()}
    cid = record["id"]
    out["connection"] = record["connectionid"]
    out["links"] = {"connection": f"/api/3/ecomCustomers/{cid}/connection",
                    "orders": f"/api/3/ecomCustomers/{cid}/orders"}
    return out


# ----- ecomOrders ----------------------------------------------------------------------
def get_order(acct: AcAccount, order_id: Any) -> Record:
    record = acct.data["ecom_orders"].get(str(order_id))
    if record is None:
        raise not_found("EcomOrder", order_id)
    return record


def _date(acct: AcAccount, body: dict[str, Any], field: str, errors: list[Record],
          out: dict[str, Any], target: str | None = None) -> None:
    try:
        out[target or field] = render_datetime(parse_datetime(body[field], acct.tz), acct.tz)
    except ValueError:
        errors.append(issue(f"The order {field} is not a valid date.", "field_invalid", field))


def _items(body: dict[str, Any], errors: list[Record]) -> list[dict[str, Any]]:
    items = body["orderProducts"]
    if not isinstance(items, list):
        errors.append(issue("orderProducts must be a list.", "field_invalid", "orderProducts"))
        return []
    clean = []
    for i, item in enumerate(items):
        where = f"orderProducts/{i}"
        if not isinstance(item, dict):
            errors.append(issue("An order product must be an object.", "field_invalid", where))
            continue
        missing = [f for f in ("externalid", "name", "price", "quantity")
                   if _missing(item.get(f))]
        for f in missing:
            errors.append(issue(f"The order product {f} was not provided.", "field_missing",
                                f"{where}/{f}"))
        row = {k: item.get(k) for k in ("externalid", "name", "sku", "description",
                                        "category", "imageUrl", "productUrl")}
        if "price" not in missing:
            try:
                row["price"] = cents(item["price"])
            except ValueError:
                errors.append(issue("The order product price must be a non-negative integer "
                                    "in cents.", "field_invalid", f"{where}/price"))
        if "quantity" not in missing:
            try:
                row["quantity"] = whole(item["quantity"])
            except ValueError:
                errors.append(issue("The order product quantity must be a whole number.",
                                    "field_invalid", f"{where}/quantity"))
        clean.append(row)
    return clean


def _discounts(body: dict[str, Any], errors: list[Record]) -> list[dict[str, Any]]:
    items = body["orderDiscounts"]
    if not isinstance(items, list):
        errors.append(issue("orderDiscounts must be a list.", "field_invalid",
                            "orderDiscounts"))
        return []
    clean = []
    for i, item in enumerate(items):
        where = f"orderDiscounts/{i}"
        if not isinstance(item, dict):
            errors.append(issue("An order discount must be an object.", "field_invalid",
                                where))
            continue
        row = {"name": item.get("name"), "type": item.get("type") or "order"}
        if row["type"] not in ("order", "shipping"):
            errors.append(issue("The discount type must be order or shipping.",
                                "field_invalid", f"{where}/type"))
        try:
            row["discountAmount"] = cents(item.get("discountAmount", 0))
        except ValueError:
            errors.append(issue("The discountAmount must be a non-negative integer in cents.",
                                "field_invalid", f"{where}/discountAmount"))
        clean.append(row)
    return clean


def _order_changes(acct: AcAccount, body: Any, current: Record | None) -> dict[str, Any]:
    """Validate a create (``current`` None) or update body; return the normalised
    changes or raise 422 with every problem found."""
    body = body if isinstance(body, dict) else {}
    creating = current is None
    errors: list[Record] = []
    out: dict[str, Any] = {}
    for key in ("externalid", "externalcheckoutid"):
        if key in body and not _missing(body[key]):
            out[key] = str(body[key])
    if creating:
        if "externalid" not in out and "externalcheckoutid" not in out:
            errors.append(issue("The order externalid or externalcheckoutid was not provided.",
                                "field_missing", "externalid"))
        if "externalid" in out and "externalcheckoutid" in out:
            errors.append(issue("Provide either externalid (an order) or externalcheckoutid "
                                "(an abandoned cart), not both.", "field_invalid",
                                "externalcheckoutid"))
        if "externalcheckoutid" in out and _missing(body.get("abandonedDate")):
            errors.append(issue("The order abandonedDate was not provided.", "field_missing",
                                "abandonedDate"))
        if _missing(body.get("externalCreatedDate")) and not _missing(body.get("orderDate")):
            body = {**body, "externalCreatedDate": body["orderDate"]}
        for field in ("source", "email", "totalPrice", "currency", "connectionid",
                      "customerid", "externalCreatedDate"):
            if _missing(body.get(field)):
                errors.append(issue(f"The order {field} was not provided.", "field_missing",
                                    field))
    if not _missing(body.get("abandonedDate")):
        _date(acct, body, "abandonedDate", errors, out)
    for field in ("externalCreatedDate", "externalUpdatedDate"):
        if not _missing(body.get(field)):
            _date(acct, body, field, errors, out)
    if not _missing(body.get("source")):
        if isinstance(body["source"], bool) or str(body["source"]) not in ("0", "1"):
            errors.append(issue("The order source must be 0 or 1.", "field_invalid", "source"))
        else:
            out["source"] = int(body["source"])
    if not _missing(body.get("email")):
        if valid_email(body["email"]):
            out["email"] = str(body["email"]).strip()
        else:
            errors.append(issue("The order email is not valid.", "email_invalid", "email"))
    for field in MONEY:
        if field in body and body[field] is not None:
            try:
                out[field] = cents(body[field])
            except ValueError:
                errors.append(issue(f"The order {field} must be a non-negative integer in "
                                    "cents.", "field_invalid", field))
    if not _missing(body.get("currency")):
        if valid_currency(body["currency"]):
            out["currency"] = body["currency"]
        else:
            errors.append(issue("The order currency must be a 3-letter ISO code.",
                                "field_invalid", "currency"))
    for field in ORDER_TEXT:
        if field in body:
            out[field] = None if body[field] is None else str(body[field])
    if body.get("orderProducts") is not None:
        out["orderProducts"] = _items(body, errors)
    if body.get("orderDiscounts") is not None:
        out["orderDiscounts"] = _discounts(body, errors)
    for field in ("connectionid", "customerid"):
        if not _missing(body.get(field)):
            out[field] = str(body[field])
    connection_id = out.get("connectionid", current and current["connectionid"])
    customer_id = out.get("customerid", current and current["customerid"])
    if "connectionid" in out and connection_id not in acct.data["connections"]:
        errors.append(issue("The related connection does not exist.", "related_missing",
                            "connectionid"))
    if customer_id is not None and ("customerid" in out or "connectionid" in out):
        customer = acct.data["ecom_customers"].get(str(customer_id))
        if customer is None:
            errors.append(issue("The related customer does not exist.", "related_missing",
                                "customerid"))
        elif connection_id is not None and customer["connectionid"] != connection_id:
            errors.append(issue("The customer does not belong to the connection.",
                                "related_missing", "customerid"))
    if errors:
        raise unprocessable(errors)
    own = current["id"] if current else None
    for key, index in (("externalid", "order_externalid"),
                       ("externalcheckoutid", "order_checkoutid")):
        value = out.get(key)
        if value is None:
            continue
        if any(other["id"] != own for other in acct.find_all(index, (connection_id, value))):
            raise invalid(f"An order with this {key} already exists for this connection.",
                          "duplicate", key)
    ids = [out.get("externalid", current and current.get("externalid")),
           out.get("externalcheckoutid", current and current.get("externalcheckoutid"))]
    rejection = acct.faults.rejection(ids)
    if rejection is not None:
        raise invalid(rejection.reason, rejection.code, rejection.field)
    return out


def _replace_products(acct: AcAccount, order: Record, items: list[dict[str, Any]]) -> None:
    for pid in order.get("orderProducts", []):
        acct.data["ecom_order_products"].pop(pid, None)
    now = acct.now_iso()
    ids = []
    for item in items:
        pid = acct.new_id("ecom_order_products")
        acct.data["ecom_order_products"][pid] = {
            "id": pid, "orderid": order["id"], "connectionid": order["connectionid"],
            "externalid": str(item["externalid"]), "sku": item.get("sku"),
            "name": str(item["name"]), "description": item.get("description"),
            "price": item["price"], "quantity": item["quantity"],
            "category": item.get("category"), "imageUrl": item.get("imageUrl"),
            "productUrl": item.get("productUrl"), "createdDate": now, "updatedDate": now,
            "tstamp": now,
        }
        ids.append(pid)
    order["orderProducts"] = ids
    order["totalProducts"] = sum(item["quantity"] for item in items)


def _replace_discounts(acct: AcAccount, order: Record, items: list[dict[str, Any]]) -> None:
    for did in order.get("orderDiscounts", []):
        acct.data["ecom_order_discounts"].pop(did, None)
    now = acct.now_iso()
    ids = []
    for item in items:
        did = acct.new_id("ecom_order_discounts")
        acct.data["ecom_order_discounts"][did] = {
            "id": did, "orderid": order["id"], "name": item.get("name"),
            "type": item["type"], "discountAmount": item["discountAmount"],
            "createdDate": now, "updatedDate": now,
        }
        ids.append(did)
    order["orderDiscounts"] = ids


def _apply(acct: AcAccount, order: Record, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if key == "orderProducts":
            _replace_products(acct, order, value)
        elif key == "orderDiscounts":
            _replace_discounts(acct, order, value)
        else:
            order[key] = value
    if "externalCreatedDate" in changes:
        order["orderDate"] = changes["externalCreatedDate"]
    order["updatedDate"] = order["tstamp"] = acct.now_iso()
    acct.reindex("ecom_orders", order)


def find_order(acct: AcAccount, connection_id: str, *, externalid: str | None = None,
               externalcheckoutid: str | None = None) -> Record | None:
    if externalid is not None:
        return acct.find("order_externalid", (connection_id, externalid))
    return acct.find("order_checkoutid", (connection_id, externalcheckoutid))


def create_order(acct: AcAccount, body: Any) -> Record:
    changes = _order_changes(acct, body, None)
    return insert_order(acct, changes)


def insert_order(acct: AcAccount, changes: dict[str, Any]) -> Record:
    order_id = acct.new_id("ecom_orders")
    now = acct.now_iso()
    order: Record = {
        "id": order_id, "externalid": None, "externalcheckoutid": None,
        "abandonedDate": None, "source": 0, "email": "", "totalPrice": 0,
        "shippingAmount": 0, "taxAmount": 0, "discountAmount": 0, "currency": "",
        "connectionid": "", "customerid": "", "externalCreatedDate": None,
        "externalUpdatedDate": None, "orderDate": None, "orderUrl": None,
        "shippingMethod": None, "orderNumber": None, "totalProducts": 0,
        "orderProducts": [], "orderDiscounts": [], "createdDate": now,
        "updatedDate": now, "tstamp": now,
    }
    order["state"] = COMPLETED if changes.get("externalid") else ABANDONED
    acct.data["ecom_orders"][order_id] = order
    acct.reindex("ecom_orders", order)
    _apply(acct, order, changes)
    recompute_customer(acct, order["customerid"])
    return order


def update_order(acct: AcAccount, order_id: str, body: Any) -> Record:
    order = get_order(acct, order_id)
    changes = _order_changes(acct, body, order)
    return change_order(acct, order, changes)


def change_order(acct: AcAccount, order: Record, changes: dict[str, Any],
                 state: int | None = None) -> Record:
    previous_customer = order["customerid"]
    converts = order["state"] == ABANDONED and not order.get("externalid") and \
        bool(changes.get("externalid"))
    _apply(acct, order, changes)
    if converts:
        order["state"] = RECOVERED
    elif state is not None:
        order["state"] = state
    recompute_customer(acct, previous_customer)
    recompute_customer(acct, order["customerid"])
    return order


def delete_order(acct: AcAccount, order_id: str) -> None:
    order = get_order(acct, order_id)
    _replace_products(acct, order, [])
    _replace_discounts(acct, order, [])
    del acct.data["ecom_orders"][order["id"]]
    recompute_customer(acct, order["customerid"])


def render_order(record: Record, *, get: bool = True) -> Record:
    out = {k: (stringify(v) if get and k not in ("orderProducts", "orderDiscounts") else v)
           for k, v in record.items()}
    oid = record["id"]
    out["connection"] = record["connectionid"]
    out["customer"] = record["customerid"]
    out["links"] = {k: f"/api/3/ecomOrders/{oid}/{k}" for k in (
        "connection", "customer", "orderProducts", "orderDiscounts", "orderActivities")}
    return out


def render_order_product(record: Record, *, get: bool = True) -> Record:
    out = {k: stringify(v) if get else v for k, v in record.items()}
    out["ecomOrder"] = record["orderid"]
    return out


def render_discount(record: Record, *, get: bool = True) -> Record:
    return {k: stringify(v) if get else v for k, v in record.items()}


def order_side_loads(acct: AcAccount, order: Record) -> dict[str, Any]:
    """Create/update response: the order plus its connection, products and discounts."""
    connection = acct.data["connections"].get(order["connectionid"])
    return {
        "connections": [render_connection(connection, get=False)] if connection else [],
        "ecomOrderProducts": [render_order_product(acct.data["ecom_order_products"][p],
                                                   get=False)
                              for p in order["orderProducts"]],
        "ecomOrderDiscounts": [render_discount(acct.data["ecom_order_discounts"][d],
                                               get=False)
                               for d in order["orderDiscounts"]],
        "ecomOrder": render_order(order, get=False),
    }

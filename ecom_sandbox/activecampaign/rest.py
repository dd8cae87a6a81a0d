"""v3 REST handlers under ``/api/3`` (destinations.md A.1-A.9): routing, wrapped
bodies, list envelopes with ``meta.total``, ``limit``/``offset``/``filters[...]``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecom_sandbox.activecampaign import bulk_import, contacts, deepdata
from ecom_sandbox.activecampaign.errors import ApiError, bad_request, not_found
from ecom_sandbox.activecampaign.formats import email_key, stringify
from ecom_sandbox.activecampaign.state import AcAccount, Record

DEFAULT_LIMIT, MAX_LIMIT = 20, 100


@dataclass
class Req:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    raw_size: int = 0

    def wrapped(self, key: str) -> Any:
        """The singular resource object of a write body (``{"ecomOrder": {...}}``); a
        body without that key yields ``{}`` (so every required field is missing)."""
        if isinstance(self.body, dict) and isinstance(self.body.get(key), dict):
            return self.body[key]
        return {}


@dataclass
class Result:
    status: int
    body: Any


Handler = Callable[[AcAccount, Req, dict[str, str]], Result]


# ----- lists ---------------------------------------------------------------------------
def _filters(params: dict[str, str]) -> dict[str, str]:
    out = {}
    for key, value in params.items():
        m = re.fullmatch(r"filters\[([A-Za-z_]+)\]", key)
        if m:
            out[m.group(1)] = value
    return out


def _orders(params: dict[str, str]) -> list[tuple[str, bool]]:
    out = []
    for key, value in params.items():
        m = re.fullmatch(r"orders\[([A-Za-z_]+)\]", key)
        if m:
            if value.upper() not in ("ASC", "DESC"):
                raise bad_request()
            out.append((m.group(1), value.upper() == "DESC"))
    return out


def _sort_key(value: Any) -> tuple[int, Any]:
    text = "" if value is None else str(value)
    return (0, int(text)) if text.isdigit() else (1, text)


def page(
    records: list[Record], req: Req, plural: str, render: Callable[[Record], Record], *,
    filters: dict[str, str] | tuple[str, ...] = (), extra: dict[str, Any] | None = None,
) -> Result:
    """A list response: ``filters[...]`` exact match (e-mails case-insensitive; a filter
    the endpoint does not support → 400 ``{}``), ``orders[...]``, ``limit`` (default 20,
    capped at 100), zero-based ``offset``, ``meta.total`` as a string."""
    mapping = filters if isinstance(filters, dict) else {f: f for f in filters}
    wanted = _filters(req.params)
    for name, value in wanted.items():
        if name not in mapping:
            raise bad_request()
        field = mapping[name]
        if field == "email":
            records = [r for r in records if email_key(str(r.get(field) or "")) ==
                       email_key(value)]
        else:
            records = [r for r in records if stringify(r.get(field)) == value
                       or (r.get(field) is None and value == "")]
    records = sorted(records, key=lambda r: _sort_key(r["id"]))
    for name, desc in reversed(_orders(req.params)):
        field = mapping.get(name, name)
        records = sorted(records, key=lambda r: _sort_key(r.get(field)), reverse=desc)
    try:
        limit = int(req.params.get("limit", DEFAULT_LIMIT))
        offset = int(req.params.get("offset", 0))
    except ValueError:
        raise bad_request() from None
    limit = DEFAULT_LIMIT if limit <= 0 else min(limit, MAX_LIMIT)
    offset = max(offset, 0)
    body: dict[str, Any] = {plural: [render(r) for r in records[offset:offset + limit]]}
    body.update(extra or {})
    body["meta"] = {"total": str(len(records))}
    return Result(200, body)


def _all(acct: AcAccount, kind: str) -> list[Record]:
    return list(acct.data[kind].values())


# ----- connections -----------------------------------------------------------------------
def list_connections(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return page(_all(acct, "connections"), req, "connections", deepdata.render_connection,
                filters=("service", "externalid", "name", "status", "syncStatus"))


def create_connection(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    record = deepdata.create_connection(acct, req.wrapped("connection"))
    return Result(201, {"connection": deepdata.render_connection(record, get=False)})


def get_connection(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    return Result(200, {"connection": deepdata.render_connection(
        deepdata.get_connection(acct, a["id"]))})


def update_connection(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    record = deepdata.update_connection(acct, a["id"], req.wrapped("connection"))
    return Result(200, {"connection": deepdata.render_connection(record, get=False)})


def delete_connection(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    deepdata.delete_connection(acct, a["id"])
    return Result(200, {})


# ----- ecomCustomers ---------------------------------------------------------------------
def list_customers(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return page(_all(acct, "ecom_customers"), req, "ecomCustomers", deepdata.render_customer,
                filters=("email", "externalid", "connectionid"))


def create_customer(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    record = deepdata.create_customer(acct, req.wrapped("ecomCustomer"))
    return Result(201, {"ecomCustomer": deepdata.render_customer(record, get=False)})


def get_customer(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    return Result(200, {"ecomCustomer": deepdata.render_customer(
        deepdata.get_customer(acct, a["id"]))})


def update_customer(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    record = deepdata.update_customer(acct, a["id"], req.wrapped("ecomCustomer"))
    return Result(200, {"ecomCustomer": deepdata.render_customer(record, get=False)})


def delete_customer(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    deepdata.delete_customer(acct, a["id"])
    return Result(200, {})


# ----- ecomOrders ------------------------------------------------------------------------
ORDER_FILTERS = {
    "connectionid": "connectionid", "externalid": "externalid",
    "externalcheckoutid": "externalcheckoutid", "email": "email", "state": "state",
    "customerid": "customerid", "external_created_date": "externalCreatedDate",
}


def list_orders(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    connection = _filters(req.params).get("connectionid")
    if connection is not None and not (connection.isdigit() and int(connection) > 0):
        raise ApiError(422, {"errors": [{"title": "connectionid filter must be > 0",
                                         "detail": "", "code": "field_invalid",
                                         "source": {"pointer": "/filters/connectionid"}}]})
    return page(_all(acct, "ecom_orders"), req, "ecomOrders", deepdata.render_order,
                filters=ORDER_FILTERS)


def create_order(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    order = deepdata.create_order(acct, req.wrapped("ecomOrder"))
    return Result(201, deepdata.order_side_loads(acct, order))


def get_order(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    return Result(200, {"ecomOrder": deepdata.render_order(deepdata.get_order(acct, a["id"]))})


def update_order(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    order = deepdata.update_order(acct, a["id"], req.wrapped("ecomOrder"))
    body = deepdata.order_side_loads(acct, order)
    body.pop("connections")
    return Result(200, body)


def delete_order(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    deepdata.delete_order(acct, a["id"])
    return Result(200, {})


def order_products_of(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    order = deepdata.get_order(acct, a["id"])
    items = [acct.data["ecom_order_products"][p] for p in order["orderProducts"]]
    return page(items, req, "ecomOrderProducts", deepdata.render_order_product)


def order_discounts_of(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    order = deepdata.get_order(acct, a["id"])
    items = [acct.data["ecom_order_discounts"][d] for d in order["orderDiscounts"]]
    return page(items, req, "ecomOrderDiscounts", deepdata.render_discount)


def list_order_products(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return page(_all(acct, "ecom_order_products"), req, "ecomOrderProducts",
                deepdata.render_order_product, filters=("orderid", "connectionid",
                                                        "externalid", "sku"))


def get_order_product(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    record = acct.data["ecom_order_products"].get(a["id"])
    if record is None:
        raise not_found("EcomOrderProduct", a["id"])
    return Result(200, {"ecomOrderProduct": deepdata.render_order_product(record)})


# ----- contacts --------------------------------------------------------------------------
def list_contacts(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    records = _all(acct, "contacts")
    params = req.params
    if params.get("email"):
        key = email_key(params["email"])
        records = [c for c in records if email_key(c["email"]) == key]
    if params.get("search"):
        needle = params["search"].lower()
        records = [c for c in records if any(needle in str(c.get(f) or "").lower()
                                             for f in ("email", "firstName", "lastName"))]
    if params.get("id_greater"):
        floor = int(params["id_greater"]) if params["id_greater"].isdigit() else 0
        records = [c for c in records if int(c["id"]) > floor]
    if params.get("listid"):
        status = int(params["status"]) if params.get("status", "").isdigit() else None
        members = {cl["contact"] for cl in acct.data["contact_lists"].values()
                   if cl["list"] == params["listid"] and (status is None or
                                                          cl["status"] == status)}
        records = [c for c in records if c["id"] in members]
    if params.get("tagid"):
        tagged = {ct["contact"] for ct in acct.data["contact_tags"].values()
                  if ct["tag"] == params["tagid"]}
        records = [c for c in records if c["id"] in tagged]
    return page(records, req, "contacts", lambda c: contacts.render_contact(acct, c),
                filters=("email", "firstName", "lastName", "phone", "updated_after"))


def sync_contact(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    contact, created = contacts.sync_contact(acct, req.wrapped("contact"))
    values = [dict(fv) for fv in acct.data["field_values"].values()
              if fv["contact"] == contact["id"]]
    return Result(201 if created else 200, {
        "fieldValues": values, "contact": contacts.render_contact(acct, contact, get=False)})


def create_contact(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    contact = contacts.create_contact(acct, req.wrapped("contact"))
    return Result(201, {"contact": contacts.render_contact(acct, contact, get=False)})


def get_contact(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    contact = contacts.get_contact(acct, a["id"])
    return Result(200, {"contact": contacts.render_contact(acct, contact)})


def update_contact(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    contact = contacts.update_contact(acct, a["id"], req.wrapped("contact"))
    return Result(200, {"contact": contacts.render_contact(acct, contact, get=False)})


def delete_contact(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    contacts.delete_contact(acct, a["id"])
    return Result(200, {})


def _of_contact(kind: str, plural: str) -> Handler:
    def handler(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
        contacts.get_contact(acct, a["id"])
        items = [r for r in acct.data[kind].values() if r["contact"] == a["id"]]
        return page(items, req, plural, lambda r: {k: stringify(v) for k, v in r.items()})
    return handler


# ----- custom fields ---------------------------------------------------------------------
def list_fields(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return page(_all(acct, "fields"), req, "fields",
                lambda f: {k: stringify(v) for k, v in f.items()}, filters=("perstag",))


def create_field(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return Result(201, {"field": dict(contacts.create_field(acct, req.wrapped("field")))})


def create_field_value(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    body = req.wrapped("fieldValue")
    contacts.get_contact(acct, body.get("contact"))
    values = [{"field": body.get("field"), "value": body.get("value")}]
    contacts._check_field_values(acct, values)
    record = contacts.set_field_values(acct, str(body["contact"]), values)[0]
    return Result(200, {"fieldValue": dict(record)})


# ----- tags ------------------------------------------------------------------------------
def list_tags(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    records = _all(acct, "tags")
    if req.params.get("search"):
        needle = req.params["search"].lower()
        records = [t for t in records if needle in t["tag"].lower()]
    return page(records, req, "tags", lambda t: dict(t), filters=("tag", "tagType"))


def create_tag(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return Result(201, {"tag": dict(contacts.create_tag(acct, req.wrapped("tag")))})


def get_tag(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    tag = acct.data["tags"].get(a["id"])
    if tag is None:
        raise not_found("Tag", a["id"])
    return Result(200, {"tag": dict(tag)})


def create_contact_tag(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    link = contacts.add_contact_tag(acct, req.wrapped("contactTag"))
    return Result(201, {"contactTag": dict(link)})


def delete_contact_tag(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    contacts.delete_contact_tag(acct, a["id"])
    return Result(200, {})


# ----- lists -----------------------------------------------------------------------------
def list_lists(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return page(_all(acct, "lists"), req, "lists", lambda r: dict(r),
                filters=("name", "stringid"))


def get_list(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    return Result(200, {"list": dict(contacts.get_list(acct, a["id"]))})


def create_list(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return Result(201, {"list": dict(contacts.create_list(acct, req.wrapped("list")))})


def create_contact_list(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    link = contacts.set_contact_list(acct, req.wrapped("contactList"))
    contact = acct.data["contacts"][link["contact"]]
    return Result(200, {"contacts": [contacts.render_contact(acct, contact, get=False)],
                        "contactList": {k: stringify(v) for k, v in link.items()}})


# ----- accounts ----------------------------------------------------------------------------
def list_accounts(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    records = _all(acct, "accounts")
    if req.params.get("search"):
        needle = req.params["search"].lower()
        records = [r for r in records if needle in r["name"].lower()]
    return page(records, req, "accounts", lambda r: dict(r), filters=("name",))


def create_account(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return Result(201, {"account": dict(contacts.create_account(acct, req.wrapped("account")))})


def get_account(acct: AcAccount, req: Req, a: dict[str, str]) -> Result:
    return Result(200, {"account": dict(contacts.get_account(acct, a["id"]))})


def list_account_contacts(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return page(_all(acct, "account_contacts"), req, "accountContacts", lambda r: dict(r),
                filters=("contact", "account"))


def create_account_contact(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    link = contacts.create_account_contact(acct, req.wrapped("accountContact"))
    return Result(201, {"accountContact": dict(link)})


# ----- bulk import -------------------------------------------------------------------------
def queue_bulk_import(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return Result(200, bulk_import.queue_import(acct, req.body, req.raw_size))


def bulk_overview(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return Result(200, bulk_import.overview(acct))


def import_info(acct: AcAccount, req: Req, _: dict[str, str]) -> Result:
    return Result(200, bulk_import.batch_info(acct, req.params.get("batchId")))


ID = r"(?P<id>\d+)"
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/connections", list_connections),
    ("POST", "/connections", create_connection),
    ("GET", f"/connections/{ID}", get_connection),
    ("PUT", f"/connections/{ID}", update_connection),
    ("DELETE", f"/connections/{ID}", delete_connection),
    ("GET", "/ecomCustomers", list_customers),
    ("POST", "/ecomCustomers", create_customer),
    ("GET", f"/ecomCustomers/{ID}", get_customer),
    ("PUT", f"/ecomCustomers/{ID}", update_customer),
    ("DELETE", f"/ecomCustomers/{ID}", delete_customer),
    ("GET", "/ecomOrders", list_orders),
    ("POST", "/ecomOrders", create_order),
    ("GET", f"/ecomOrders/{ID}", get_order),
    ("PUT", f"/ecomOrders/{ID}", update_order),
    ("DELETE", f"/ecomOrders/{ID}", delete_order),
    ("GET", f"/ecomOrders/{ID}/orderProducts", order_products_of),
    ("GET", f"/ecomOrders/{ID}/orderDiscounts", order_discounts_of),
    ("GET", "/ecomOrderProducts", list_order_products),
    ("GET", f"/ecomOrderProducts/{ID}", get_order_product),
    ("GET", "/contacts", list_contacts),
    ("POST", "/contacts", create_contact),
    ("POST", "/contact/sync", sync_contact),
    ("GET", f"/contacts/{ID}", get_contact),
    ("PUT", f"/contacts/{ID}", update_contact),
    ("DELETE", f"/contacts/{ID}", delete_contact),
    ("GET", f"/contacts/{ID}/contactTags", _of_contact("contact_tags", "contactTags")),
    ("GET", f"/contacts/{ID}/contactLists", _of_contact("contact_lists", "contactLists")),
    ("GET", f"/contacts/{ID}/fieldValues", _of_contact("field_values", "fieldValues")),
    ("GET", f"/contacts/{ID}/accountContacts",
     _of_contact("account_contacts", "accountContacts")),
    ("GET", "/fields", list_fields),
    ("POST", "/fields", create_field),
    ("POST", "/fieldValues", create_field_value),
    ("GET", "/tags", list_tags),
    ("POST", "/tags", create_tag),
    ("GET", f"/tags/{ID}", get_tag),
    ("POST", "/contactTags", create_contact_tag),
    ("DELETE", f"/contactTags/{ID}", delete_contact_tag),
    ("GET", "/lists", list_lists),
    ("POST", "/lists", create_list),
    ("GET", f"/lists/{ID}", get_list),
    ("POST", "/contactLists", create_contact_list),
    ("GET", "/accounts", list_accounts),
    ("POST", "/accounts", create_account),
    ("GET", f"/accounts/{ID}", get_account),
    ("GET", "/accountContacts", list_account_contacts),
    ("POST", "/accountContacts", create_account_contact),
    ("POST", "/import/bulk_import", queue_bulk_import),
    ("GET", "/import/bulk_import", bulk_overview),
    ("GET", "/import/info", import_info),
]
_COMPILED = [(m, re.compile(p), h) for m, p, h in ROUTES]


def match(method: str, path: str) -> tuple[Handler, dict[str, str]]:
    path = path.rstrip("/") or "/"
    allowed = False
    for route_method, pattern, handler in _COMPILED:
        m = pattern.fullmatch(path)
        if m is None:
            continue
        if route_method == method:
            return handler, m.groupdict()
        allowed = True
    if allowed:
        raise ApiError(405, {"message": "Method Not Allowed"})
    raise ApiError(404, {"message": "Not Found"})


def resource_of(path: str) -> str:
    """Request kind for the log: the first path segment (``ecomOrders``, ``contact``)."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "/"
    if parts[0] in ("import", "contact") and len(parts) > 1:
        return f"{parts[0]}/{parts[1]}"
    return parts[0]

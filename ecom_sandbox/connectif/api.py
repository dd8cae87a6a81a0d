"""The Connectif REST resources (destinations.md B.2–B.5, B.7): contacts and products
upserted by PATCH, purchases created by POST and deleted by purchase id, custom event
types and events. There is no cart resource: ``/carts`` is a 404 like any unknown path."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecom_sandbox.connectif.errors import HttpError, not_found, unprocessable
from ecom_sandbox.connectif.state import ConnectifAccount, new_id, now_iso
from ecom_sandbox.connectif.validate import (
    CONTACT_FIELDS,
    CUSTOM_FIELD_TYPES,
    PRODUCT_FIELDS,
    PRODUCT_REQUIRED,
    check_fields,
    domain_error,
    purchase_problems,
    require_valid,
    unauthorised_urls,
)


@dataclass
class Req:
    method: str
    segments: list[str]  # URL-decoded path segments
    params: dict[str, str]
    body: Any


@dataclass
class Result:
    status: int
    body: Any = None


Handler = Callable[[ConnectifAccount, Req, list[str]], Result]


def _flag(req: Req, name: str, default: bool) -> bool:
    value = req.params.get(name)
    if value is None:
        return default
    if value not in ("true", "false"):
        raise HttpError(400, f"query parameter {name} must be true or false")
    return value == "true"


def _by_id(acct: ConnectifAccount, kind: str, label: str, connectif_id: str) -> Result:
    """GET by Connectif's own id (records are keyed by the store's id)."""
    for record in acct.data[kind].values():
        if record["id"] == connectif_id:
            return Result(200, record)
    raise not_found(f"{label} {connectif_id} not found")


def _by_key(acct: ConnectifAccount, kind: str, label: str, key: str) -> Result:
    record = acct.data[kind].get(key)
    if record is None:
        raise not_found(f"{label} {key} not found")
    return Result(200, record)


# ----- contacts (B.2) ----------------------------------------------------------------
def get_contact(acct: ConnectifAccount, req: Req, args: list[str]) -> Result:
    return _by_key(acct, "contacts", "Contact", args[0].strip().lower())


def patch_contact(acct: ConnectifAccount, req: Req, args: list[str]) -> Result:
    """Upsert by (case-insensitive) e-mail: "if contact does not exist, it is created".
    Answers 201 when created, 200 when updated, with the contact (our choice: the real
    status codes and bodies were not captured; a client must accept both)."""
    email = args[0].strip()
    custom = {fid: CUSTOM_FIELD_TYPES[t] for fid, t in acct.custom_fields.items()}
    require_valid(check_fields(req.body, {**CONTACT_FIELDS, **custom}))
    key = email.lower()
    existing = acct.data["contacts"].get(key)
    now = now_iso()
    record = existing or {"id": new_id(), "_email": email, "createdAt": now}
    record.update({k: v for k, v in req.body.items() if v is not None})
    for k in [k for k, v in req.body.items() if v is None]:
        record.pop(k, None)
    record["updatedAt"] = now
    acct.data["contacts"][key] = record
    return Result(200 if existing else 201, record)


# ----- products (B.3) ----------------------------------------------------------------
def get_product_by_store_id(acct: ConnectifAccount, req: Req, args: list[str]) -> Result:
    return _by_key(acct, "products", "Product", args[0])


def get_product(acct: ConnectifAccount, req: Req, args: list[str]) -> Result:
    return _by_id(acct, "products", "Product", args[0])


def patch_product(acct: ConnectifAccount, req: Req, args: list[str]) -> Result:
    """"Patch or create product by store identifier"; its URLs must be on the account's
    authorised domains (E0201)."""
    product_id = args[0]
    existing = acct.data["products"].get(product_id)
    require_valid(check_fields(req.body, PRODUCT_FIELDS,
                               () if existing else PRODUCT_REQUIRED))
    merged = {**(existing or {}), **{k: v for k, v in req.body.items() if v is not None}}
    if unauthorised_urls(merged, acct.allowed_hosts):
        acct.error_codes["E0201"] += 1
        raise domain_error("E0201", "Product", [product_id], acct.authorised_domains)
    now = now_iso()
    record = {"id": existing["id"] if existing else new_id(), "productId": product_id,
              "createdAt": existing["createdAt"] if existing else now,
              "availability": "instock", **merged, "updatedAt": now}
    acct.data["products"][product_id] = record
    return Result(200 if existing else 201, record)


# ----- purchases (B.4) ---------------------------------------------------------------
def create_purchase(acct: ConnectifAccount, req: Req, args: list[str]) -> Result:
    """The contact and every product must exist first (E0101, E0102), URLs authorised
    (E0103). A second purchase with the same ``purchaseId``: 409 (our choice; the real
    behaviour is undocumented)."""
    trigger = _flag(req, "triggerPurchaseEvent", True)
    body = req.body
    if not isinstance(body, dict):
        raise unprocessable([("$", "must be an object")])
    require_valid(purchase_problems(body))
    contact = (acct.contact(body["contactEmail"]) if body.get("contactEmail") else next(
        (c for c in acct.data["contacts"].values()
         if c.get("_externalId") == body.get("contactExternalId")), None))
    if contact is None:
        acct.error_codes["E0101"] += 1
        raise HttpError(400, "Contact does not exist. Create it before the purchase.", "E0101")
    missing = sorted({p["productId"] for p in body["products"]} - set(acct.data["products"]))
    if missing:
        acct.error_codes["E0102"] += 1
        raise HttpError(400, f"Products {', '.join(missing)} not found in the catalog.",
                        "E0102", productIds=missing)
    bad = sorted({p["productId"] for p in body["products"]
                  if unauthorised_urls(p, acct.allowed_hosts)})
    if bad:
        acct.error_codes["E0103"] += 1
        raise domain_error("E0103", "Product", bad, acct.authorised_domains)
    if body["purchaseId"] in acct.data["purchases"]:
        raise HttpError(409, f"Purchase {body['purchaseId']} already exists")
    now = now_iso()
    record = {**body, "id": new_id(), "contactId": contact["id"],
              "triggerPurchaseEvent": trigger, "createdAt": now, "updatedAt": now}
    acct.data["purchases"][body["purchaseId"]] = record
    return Result(201, record)


def get_purchase_by_purchase_id(acct: ConnectifAccount, req: Req, args: list[str]) -> Result:
    return _by_key(acct, "purchases", "Purchase", args[0])


def get_purchase(acct: ConnectifAccount, req: Req, args: list[str]) -> Result:
    return _by_id(acct, "purchases", "Purchase", args[0])


def delete_purchase(acct: ConnectifAccount, req: Req, args: list[str]) -> Result:
    if acct.data["purchases"].pop(args[0], None) is None:
        raise not_found(f"Purchase {args[0]} not found")
    return Result(204)


# ----- custom event types and events (B.5) -------------------------------------------
EVENT_TYPE_FIELDS = {
    "name": lambda v: isinstance(v, str) and bool(v),
    "alias": lambda v: isinstance(v, str) and bool(re.fullmatch(r"[a-z0-9][a-z0-9-]*", v)),
    "category": lambda v: v in ("receive", "send"),
    "fields": lambda v: isinstance(v, list) and all(isinstance(f, dict) for f in v),
}
EVENT_FIELD_KEYS = {
    "id": lambda v: isinstance(v, str) and bool(v), "name": lambda v: isinstance(v, str),
    "type": lambda v: v in CUSTOM_FIELD_TYPES, "isPrimaryKey": lambda v: isinstance(v, bool),
}


def create_event_type(acct: ConnectifAccount, req: Req, args: list[str]) -> Result:
    """Shape our choice (only the route and "category receive, one e-mail primary key"
    are documented). An alias taken: 409."""
    if args[0] not in acct.integrations:
        raise not_found(f"Custom integration {args[0]} not found")
    body = req.body
    problems = check_fields(body, EVENT_TYPE_FIELDS, tuple(EVENT_TYPE_FIELDS))
    for i, f in enumerate(body.get("fields") or [] if isinstance(body, dict) else []):
        problems += check_fields(f, EVENT_FIELD_KEYS, ("id", "name", "type"), f"fields[{i}].")
    if not problems:
        keys = [f for f in body["fields"] if f.get("isPrimaryKey")]
        if len(keys) != 1 or keys[0]["type"] != "email":
            problems.append(("fields", "exactly one primary key field, of type email"))
    require_valid(problems)
    if body["alias"] in acct.data["event_types"]:
        raise HttpError(409, f"Custom event type alias {body['alias']} already exists")
    record = {**body, "id": new_id(), "integrationId": args[0], "createdAt": now_iso()}
    acct.data["event_types"][body["alias"]] = record
    return Result(201, record)


def create_event(acct: ConnectifAccount, req: Req, args: list[str]) -> Result:
    create_contact = _flag(req, "createContact", False)
    event_type = acct.data["event_types"].get(args[0])
    if event_type is None:
        raise not_found(f"Custom event type alias {args[0]} not found")
    fields = {f["id"]: CUSTOM_FIELD_TYPES[f["type"]] for f in event_type["fields"]}
    primary = next(f["id"] for f in event_type["fields"] if f.get("isPrimaryKey"))
    require_valid(check_fields(req.body, fields, (primary,)))
    email = req.body[primary]
    if acct.contact(email) is None:
        if not create_contact:
            acct.error_codes["E0501"] += 1
            raise HttpError(400, "Contact does not exist.", "E0501")
        patch_contact(acct, Req("PATCH", [], {}, {}), [email])
    record = {"id": new_id(), "alias": args[0], "createdAt": now_iso(), "data": req.body}
    acct.data["events"][record["id"]] = record
    return Result(201, {"id": record["id"]})


# ----- routing -----------------------------------------------------------------------
# (method, path pattern with {} for one segment, scope, handler)
ROUTES: list[tuple[str, tuple[str, ...], str, Handler]] = [
    ("GET", ("contacts", "{}"), "contacts", get_contact),
    ("PATCH", ("contacts", "{}"), "contacts", patch_contact),
    ("GET", ("products", "product-id", "{}"), "products", get_product_by_store_id),
    ("PATCH", ("products", "product-id", "{}"), "products", patch_product),
    ("GET", ("products", "{}"), "products", get_product),
    ("POST", ("purchases",), "purchases", create_purchase),
    ("GET", ("purchases", "purchase-id", "{}"), "purchases", get_purchase_by_purchase_id),
    ("DELETE", ("purchases", "purchase-id", "{}"), "purchases", delete_purchase),
    ("GET", ("purchases", "{}"), "purchases", get_purchase),
    ("POST", ("custom-integrations", "{}", "custom-event-types"), "custom-events",
     create_event_type),
    ("POST", ("custom-events", "alias", "{}"), "custom-events", create_event),
]


def match(method: str, segments: list[str]) -> tuple[Handler, list[str], str, str]:
    """``(handler, path arguments, scope, kind)``; 404 for any other path (``/carts``
    included: Connectif has no cart resource)."""
    for route_method, pattern, scope, handler in ROUTES:
        if len(pattern) != len(segments):
            continue
        args = []
        for part, segment in zip(pattern, segments, strict=True):
            if part == "{}":
                args.append(segment)
            elif part != segment:
                break
        else:
            if route_method == method:
                kind = f"{method} /" + "/".join(p if p != "{}" else "{id}" for p in pattern)
                return handler, args, scope, kind
    raise not_found(f"Cannot {method} /{'/'.join(segments)}")

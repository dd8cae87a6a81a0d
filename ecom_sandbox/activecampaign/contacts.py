"""Contacts, custom field values, tags, lists and (company) accounts
(destinations.md A.7). Functions run under the account lock and raise :class:`ApiError`."""

from __future__ import annotations

from typing import Any

from ecom_sandbox.activecampaign.errors import (
    ApiError,
    invalid,
    issue,
    not_found,
    unprocessable,
)
from ecom_sandbox.activecampaign.formats import email_key, stringify, valid_email
from ecom_sandbox.activecampaign.state import AcAccount, Record

CONTACT_TEXT = ("firstName", "lastName", "phone")


def _str(value: Any) -> str:
    return "" if value is None else str(value)


# ----- contacts ------------------------------------------------------------------------
def find_contact(acct: AcAccount, email: str) -> Record | None:
    return acct.find("contact_email", email_key(email))


def get_contact(acct: AcAccount, contact_id: Any) -> Record:
    contact = acct.data["contacts"].get(str(contact_id))
    if contact is None:
        raise not_found("Subscriber", contact_id)
    return contact


def ensure_contact(
    acct: AcAccount, email: str, values: dict[str, Any] | None = None
) -> tuple[Record, bool]:
    """Match the contact by e-mail (case-insensitive) or create it; set the non-empty
    ``firstName``/``lastName``/``phone``/``orgname`` given in ``values``."""
    contact = find_contact(acct, email)
    created = contact is None
    now = acct.now_iso()
    if contact is None:
        contact_id = acct.new_id("contacts")
        contact = {
            "id": contact_id, "email": email.strip(), "firstName": "", "lastName": "",
            "phone": "", "orgname": "", "cdate": now, "udate": now,
        }
        acct.data["contacts"][contact_id] = contact
        acct.reindex("contacts", contact)
    for key, value in (values or {}).items():
        if value not in (None, ""):
            contact[key] = str(value)
    contact["udate"] = now
    return contact, created


def _check_contact_body(body: Any, *, require_email: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("The contact was not provided.", "field_missing", "email")
    email = body.get("email")
    if email in (None, ""):
        if require_email:
            raise invalid("Contact Email Address is not valid.", "field_missing", "email")
    elif not valid_email(email):
        raise invalid("Contact Email Address is not valid.", "email_invalid", "email")
    return body


def sync_contact(acct: AcAccount, body: Any) -> tuple[Record, bool]:
    """``POST /contact/sync``: create or update by e-mail."""
    body = _check_contact_body(body, require_email=True)
    values = {k: body[k] for k in CONTACT_TEXT if k in body}
    _check_field_values(acct, body.get("fieldValues"))
    contact, created = ensure_contact(acct, body["email"], values)
    set_field_values(acct, contact["id"], body.get("fieldValues"))
    return contact, created


def create_contact(acct: AcAccount, body: Any) -> Record:
    """``POST /contacts``: create only; an existing e-mail is a 422 ``duplicate``."""
    body = _check_contact_body(body, require_email=True)
    if find_contact(acct, body["email"]) is not None:
        raise invalid("Email address already exists in the system", "duplicate", "email")
    _check_field_values(acct, body.get("fieldValues"))
    contact, _ = ensure_contact(acct, body["email"], {k: body[k] for k in CONTACT_TEXT
                                                      if k in body})
    set_field_values(acct, contact["id"], body.get("fieldValues"))
    return contact


def update_contact(acct: AcAccount, contact_id: str, body: Any) -> Record:
    contact = get_contact(acct, contact_id)
    body = _check_contact_body(body, require_email=False)
    if body.get("email"):
        other = find_contact(acct, body["email"])
        if other is not None and other["id"] != contact["id"]:
            raise invalid("Email address already exists in the system", "duplicate", "email")
        contact["email"] = body["email"].strip()
        acct.reindex("contacts", contact)
    for key in CONTACT_TEXT:
        if key in body:
            contact[key] = _str(body[key])
    _check_field_values(acct, body.get("fieldValues"))
    set_field_values(acct, contact["id"], body.get("fieldValues"))
    contact["udate"] = acct.now_iso()
    return contact


def delete_contact(acct: AcAccount, contact_id: str) -> None:
    """``DELETE /contacts/{id}``: the contact and everything hung on it. Our choice where
    the docs are silent: its GraphQL (Custom Object) order records go with it (a custom
    object record belongs to a contact), and bulk-import batches forget its address
    (AC shows a deleted contact's e-mail nowhere). Its v3 e-commerce customers and orders
    stay until deleted themselves."""
    contact = get_contact(acct, contact_id)
    del acct.data["contacts"][str(contact_id)]
    for kind in ("contact_tags", "contact_lists", "account_contacts", "field_values"):
        store = acct.data[kind]
        for key in [k for k, r in store.items() if r["contact"] == str(contact_id)]:
            del store[key]
    gone = email_key(contact["email"])
    orders = acct.data["gql_orders"]
    for key in [k for k, r in orders.items() if r.get("contactId") == str(contact_id)
                or email_key(str(r.get("email") or "")) == gone]:
        del orders[key]
    for batch in acct.data["bulk_batches"].values():
        batch["contacts"] = [c for c in batch["contacts"]
                             if email_key(str(c.get("email") or "")) != gone]
        batch["failure"] = [e for e in batch["failure"] if email_key(str(e)) != gone]


def render_contact(acct: AcAccount, contact: Record, *, get: bool = True) -> Record:
    out = {k: stringify(v) if get else v for k, v in contact.items()}
    cid = contact["id"]
    out["links"] = {
        "contactLists": f"/api/3/contacts/{cid}/contactLists",
        "contactTags": f"/api/3/contacts/{cid}/contactTags",
        "fieldValues": f"/api/3/contacts/{cid}/fieldValues",
        "accountContacts": f"/api/3/contacts/{cid}/accountContacts",
    }
    return out


# ----- custom fields -------------------------------------------------------------------
def _check_field_values(acct: AcAccount, values: Any) -> None:
    if values is None:
        return
    if not isinstance(values, list):
        raise invalid("fieldValues must be a list", "field_invalid", "fieldValues")
    errors = []
    for i, item in enumerate(values):
        if not isinstance(item, dict) or "field" not in item:
            errors.append(issue("Missing attribute", "field_missing", f"fieldValues/{i}/field"))
        elif str(item["field"]) not in acct.data["fields"]:
            errors.append(issue(f"Field {item['field']} does not exist", "related_missing",
                                f"fieldValues/{i}/field"))
    if errors:
        raise unprocessable(errors)


def set_field_values(acct: AcAccount, contact_id: str, values: Any) -> list[Record]:
    written = []
    for item in values or []:
        field = str(item["field"])
        key = next((k for k, fv in acct.data["field_values"].items()
                    if fv["contact"] == contact_id and fv["field"] == field), None)
        now = acct.now_iso()
        if key is None:
            key = acct.new_id("field_values")
            acct.data["field_values"][key] = {"id": key, "contact": contact_id, "field": field,
                                              "value": "", "cdate": now, "udate": now}
        record = acct.data["field_values"][key]
        record["value"] = _str(item.get("value"))
        record["udate"] = now
        written.append(record)
    return written


def create_field(acct: AcAccount, body: Any) -> Record:
    if not isinstance(body, dict) or not body.get("title") or not body.get("type"):
        raise invalid("The field title and type are required.", "field_missing", "title")
    field_id = acct.add_field(str(body["title"]), str(body["type"]), body.get("perstag"))
    return acct.data["fields"][field_id]


# ----- tags ----------------------------------------------------------------------------
def find_tag(acct: AcAccount, name: str) -> Record | None:
    key = name.strip().lower()
    for tag in acct.data["tags"].values():
        if tag["tag"].strip().lower() == key:
            return tag
    return None


def create_tag(acct: AcAccount, body: Any) -> Record:
    if not isinstance(body, dict) or not str(body.get("tag") or "").strip():
        raise invalid("The tag name was not provided.", "field_missing", "tag")
    if find_tag(acct, str(body["tag"])) is not None:
        raise invalid("The tag name already exists.", "duplicate", "tag")
    return ensure_tag(acct, str(body["tag"]), str(body.get("tagType") or "contact"),
                      str(body.get("description") or ""))


def ensure_tag(acct: AcAccount, name: str, tag_type: str = "contact",
               description: str = "") -> Record:
    tag = find_tag(acct, name)
    if tag is not None:
        return tag
    tag_id = acct.new_id("tags")
    now = acct.now_iso()
    tag = {"id": tag_id, "tag": name.strip(), "tagType": tag_type, "description": description,
           "cdate": now, "udate": now}
    acct.data["tags"][tag_id] = tag
    return tag


def add_contact_tag(acct: AcAccount, body: Any) -> Record:
    """``POST /contactTags``; an existing link is returned as is."""
    body = body if isinstance(body, dict) else {}
    for field in ("contact", "tag"):
        if body.get(field) in (None, ""):
            raise ApiError(422, {"errors": [{
                "status": 422, "title": "Missing attribute",
                "source": {"pointer": f"/data/attributes/{field}"}}]})
    contact_id, tag_id = str(body["contact"]), str(body["tag"])
    if contact_id not in acct.data["contacts"]:
        raise ApiError(404, {"errors": [{"status": 404, "title": "Not Found",
                                         "detail": "Contact not found"}]})
    if tag_id not in acct.data["tags"]:
        raise ApiError(404, {"errors": [{"status": 404, "title": "Not Found",
                                         "detail": "Tag not found"}]})
    return link_tag(acct, contact_id, tag_id)


def link_tag(acct: AcAccount, contact_id: str, tag_id: str) -> Record:
    for link in acct.data["contact_tags"].values():
        if link["contact"] == contact_id and link["tag"] == tag_id:
            return link
    link_id = acct.new_id("contact_tags")
    now = acct.now_iso()
    link = {"id": link_id, "contact": contact_id, "tag": tag_id, "cdate": now,
            "created_timestamp": now, "updated_timestamp": now}
    acct.data["contact_tags"][link_id] = link
    return link


def delete_contact_tag(acct: AcAccount, link_id: str) -> None:
    if acct.data["contact_tags"].pop(str(link_id), None) is None:
        raise not_found("SubscriberTag", link_id)


# ----- lists ---------------------------------------------------------------------------
def get_list(acct: AcAccount, list_id: Any) -> Record:
    record = acct.data["lists"].get(str(list_id))
    if record is None:
        raise not_found("List", list_id)
    return record


def create_list(acct: AcAccount, body: Any) -> Record:
    if not isinstance(body, dict) or not body.get("name"):
        raise invalid("The list name was not provided.", "field_missing", "name")
    list_id = acct.new_id("lists")
    now = acct.now_iso()
    record = {"id": list_id, "name": str(body["name"]),
              "stringid": str(body.get("stringid") or str(body["name"]).lower().replace(" ", "-")),
              "cdate": now, "udate": now}
    acct.data["lists"][list_id] = record
    return record


def set_contact_list(acct: AcAccount, body: Any) -> Record:
    """``POST /contactLists``: status 1 subscribes, 2 unsubscribes (both ids must exist)."""
    body = body if isinstance(body, dict) else {}
    missing = [issue(f"The {f} was not provided.", "field_missing", f)
               for f in ("list", "contact", "status") if body.get(f) in (None, "")]
    if missing:
        raise unprocessable(missing)
    if str(body["status"]) not in ("1", "2"):
        raise invalid("Status must be 1 (subscribed) or 2 (unsubscribed).", "field_invalid",
                      "status")
    get_list(acct, body["list"])
    get_contact(acct, body["contact"])
    return subscribe(acct, str(body["contact"]), str(body["list"]), int(body["status"]),
                     body.get("sourceid"))


def membership(acct: AcAccount, contact_id: str, list_id: str) -> Record | None:
    for link in acct.data["contact_lists"].values():
        if link["contact"] == contact_id and link["list"] == list_id:
            return link
    return None


def subscribe(acct: AcAccount, contact_id: str, list_id: str, status: int,
              sourceid: Any = None) -> Record:
    now = acct.now_iso()
    link = membership(acct, contact_id, list_id)
    if link is None:
        link_id = acct.new_id("contact_lists")
        link = {"id": link_id, "contact": contact_id, "list": list_id, "status": status,
                "sdate": None, "udate": now, "unsubscribe_date": None, "sourceid": 0}
        acct.data["contact_lists"][link_id] = link
    link["status"] = status
    link["udate"] = now
    if status == 1:
        link["sdate"] = now
        link["unsubscribe_date"] = None
    else:
        link["unsubscribe_date"] = now
    if sourceid is not None:
        link["sourceid"] = sourceid
    return link


# ----- accounts (companies) --------------------------------------------------------------
def get_account(acct: AcAccount, account_id: Any) -> Record:
    record = acct.data["accounts"].get(str(account_id))
    if record is None:
        raise not_found("Account", account_id)
    return record


def create_account(acct: AcAccount, body: Any) -> Record:
    if not isinstance(body, dict) or not str(body.get("name") or "").strip():
        raise invalid("The account name was not provided.", "field_missing", "name")
    account_id = acct.new_id("accounts")
    now = acct.now_iso()
    record = {"id": account_id, "name": str(body["name"]),
              "accountUrl": _str(body.get("accountUrl")), "owner": _str(body.get("owner") or 1),
              "fields": body.get("fields") or [], "createdTimestamp": now,
              "updatedTimestamp": now, "contactCount": 0}
    acct.data["accounts"][account_id] = record
    return record


def ensure_account(acct: AcAccount, name: str) -> Record:
    for record in acct.data["accounts"].values():
        if record["name"] == name:
            return record
    return create_account(acct, {"name": name})


def account_link_of(acct: AcAccount, contact_id: str) -> Record | None:
    for link in acct.data["account_contacts"].values():
        if link["contact"] == contact_id:
            return link
    return None


def create_account_contact(acct: AcAccount, body: Any) -> Record:
    """``POST /accountContacts``: a contact belongs to at most one account."""
    body = body if isinstance(body, dict) else {}
    missing = [issue(f"The {f} was not provided.", "field_missing", f)
               for f in ("contact", "account") if body.get(f) in (None, "")]
    if missing:
        raise unprocessable(missing)
    contact_id, account_id = str(body["contact"]), str(body["account"])
    if contact_id not in acct.data["contacts"]:
        raise invalid("The related contact does not exist.", "related_missing", "contact")
    if account_id not in acct.data["accounts"]:
        raise invalid("The related account does not exist.", "related_missing", "account")
    if account_link_of(acct, contact_id) is not None:
        raise invalid("The contact is already associated with an account.", "duplicate",
                      "contact")
    return link_account(acct, contact_id, account_id, _str(body.get("jobTitle")))


def link_account(acct: AcAccount, contact_id: str, account_id: str,
                 job_title: str = "") -> Record:
    existing = account_link_of(acct, contact_id)
    if existing is not None:
        return existing
    link_id = acct.new_id("account_contacts")
    now = acct.now_iso()
    link = {"id": link_id, "contact": contact_id, "account": account_id, "jobTitle": job_title,
            "createdTimestamp": now, "updatedTimestamp": now}
    acct.data["account_contacts"][link_id] = link
    acct.data["accounts"][account_id]["contactCount"] = sum(
        1 for lk in acct.data["account_contacts"].values() if lk["account"] == account_id)
    return link


def set_company(acct: AcAccount, contact: Record, company: str) -> None:
    """GraphQL ``customerData.company`` / bulk ``customer_acct_name``: the contact's
    ``orgname`` and its (single) account."""
    contact["orgname"] = company
    account = ensure_account(acct, company)
    link_account(acct, contact["id"], account["id"])

"""Bulk contact import ``/import/bulk_import`` and ``/import/info`` (destinations.md A.9,
A.10 item 10). Functions run under the account lock and raise :class:`ApiError`."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta
from typing import Any

from ecom_sandbox.activecampaign import contacts
from ecom_sandbox.activecampaign.errors import ApiError, not_found
from ecom_sandbox.activecampaign.formats import email_key, valid_email
from ecom_sandbox.activecampaign.state import AcAccount, Record

MAX_CONTACTS = 250
MAX_BYTES = 400_000
CONTACT_KEYS = {
    "email", "first_name", "last_name", "phone", "customer_acct_name", "tags", "fields",
    "subscribe", "unsubscribe", "exclude_automations",
}
NOT_QUEUED = ("JSON payload did not pass validation. Please review the failure reasons "
              "and correct the payload. The import was not queued for processing.")


def _fail(reasons: list[Any], message: str = NOT_QUEUED) -> ApiError:
    return ApiError(400, {"success": 0, "message": message, "failureReasons": reasons})


def _check_rate(acct: AcAccount, multi: bool) -> None:
    """Per-minute limits: 20 single-contact and 100 multi-contact requests."""
    now = acct._monotonic()
    times = acct.bulk_import_times
    while times and now - times[0][0] >= 60.0:
        times.popleft()
    single_limit, multi_limit = acct.bulk_import_limits
    used = sum(1 for _, m in times if m == multi)
    if used >= (multi_limit if multi else single_limit):
        limit = multi_limit if multi else single_limit
        kind = "multi-contact" if multi else "single-contact"
        raise ApiError(400, {"success": 0, "message": "Rate limit exceeded.",
                             "failureReasons": [
                                 f"Up to {limit} {kind} imports may be requested per minute. "
                                 "Please wait and try again."]})
    times.append((now, multi))


def _contact_reasons(acct: AcAccount, index: int, item: Any) -> list[dict[str, Any]]:
    def reason(text: str) -> dict[str, Any]:
        return {"contact": index, "failureReason": text}

    if not isinstance(item, dict):
        return [reason("Contact must be a JSON object.")]
    out = []
    unknown = sorted(set(item) - CONTACT_KEYS)
    if unknown:
        out.append(reason(f"Unknown field(s): {', '.join(unknown)}."))
    if not valid_email(item.get("email")):
        out.append(reason("Contact email address is missing or invalid."))
    for key in ("first_name", "last_name", "phone", "customer_acct_name"):
        if key in item and item[key] is not None and not isinstance(item[key], str):
            out.append(reason(f"'{key}' must be a string."))
    if "tags" in item and not (isinstance(item["tags"], list)
                               and all(isinstance(t, str) and t.strip() for t in item["tags"])):
        out.append(reason("'tags' must be a list of non-empty strings."))
    if "fields" in item:
        fields = item["fields"]
        if not isinstance(fields, list) or not all(
                isinstance(f, dict) and "id" in f and "value" in f for f in fields):
            out.append(reason("'fields' must be a list of {id, value} objects."))
        else:
            for f in fields:
                if str(f["id"]) not in acct.data["fields"]:
                    out.append(reason(f"Custom field {f['id']} does not exist."))
    for key in ("subscribe", "unsubscribe"):
        if key in item and not (isinstance(item[key], list) and all(
                isinstance(s, dict) and "listid" in s for s in item[key])):
            out.append(reason(f"'{key}' must be a list of {{listid}} objects."))
    if "exclude_automations" in item and not isinstance(item["exclude_automations"], bool):
        out.append(reason("'exclude_automations' must be true or false."))
    return out


def queue_import(acct: AcAccount, body: Any, raw_size: int) -> Record:
    """``POST /import/bulk_import``: validate the whole batch, queue it, return the 200
    body. Processed at once when ``bulk_import_delay_s`` is 0."""
    people = body.get("contacts") if isinstance(body, dict) else None
    multi = isinstance(people, list) and len(people) > 1
    _check_rate(acct, multi)
    if raw_size > MAX_BYTES:
        raise _fail([f"Payload is larger than {MAX_BYTES} bytes."])
    if not isinstance(people, list) or not people:
        raise _fail(["'contacts' must be a non-empty list."])
    if len(people) > MAX_CONTACTS:
        raise _fail([f"Up to {MAX_CONTACTS} contacts may be imported per request; "
                     f"{len(people)} were sent."])
    reasons = [r for i, item in enumerate(people) for r in _contact_reasons(acct, i, item)]
    if reasons:
        raise _fail(reasons)
    batch_id = str(uuid.uuid4())
    now = acct.now()
    acct.data["bulk_batches"][batch_id] = {
        "id": batch_id, "status": "queued", "contacts": json.loads(json.dumps(people)),
        "callback": body.get("callback"), "queuedAt": acct.now_iso(),
        "processAt": (now + timedelta(seconds=acct.bulk_import_delay_s)).isoformat(),
        "success": [], "failure": [], "completedAt": None,
    }
    if acct.bulk_import_delay_s <= 0:
        _process(acct, acct.data["bulk_batches"][batch_id])
    else:
        acct.batch_due_at[batch_id] = acct._monotonic() + acct.bulk_import_delay_s
        timer = threading.Timer(acct.bulk_import_delay_s, _process_later, args=(acct,))
        timer.daemon = True
        timer.start()
    return {"success": 1, "queued_contacts": len(people), "batchId": batch_id,
            "message": "Contact import queued"}


def _process_later(acct: AcAccount) -> None:
    with acct.lock:
        processed = process_due(acct)
    if processed:
        acct.changed()  # saved outside the lock


def process_due(acct: AcAccount) -> int:
    """Process every queued batch whose delay has passed (a batch queued before the state
    was loaded is due at once); returns how many were processed."""
    now = acct._monotonic()
    done = 0
    for batch in list(acct.data["bulk_batches"].values()):
        due_at = acct.batch_due_at.get(batch["id"], 0.0)
        if batch["status"] == "queued" and now >= due_at - 1e-3:
            _process(acct, batch)
            acct.batch_due_at.pop(batch["id"], None)
            done += 1
    return done


def _process(acct: AcAccount, batch: Record) -> None:
    success: list[str] = []
    failure: list[str] = []
    for item in batch["contacts"]:
        email = item["email"].strip()
        if email_key(email) in {email_key(e) for e in acct.excluded_emails}:
            failure.append(email)
            continue
        values = {"firstName": item.get("first_name"), "lastName": item.get("last_name"),
                  "phone": item.get("phone")}
        contact, _ = contacts.ensure_contact(acct, email, values)
        if item.get("customer_acct_name"):
            contacts.set_company(acct, contact, item["customer_acct_name"])
        for name in item.get("tags", []):
            contacts.link_tag(acct, contact["id"], contacts.ensure_tag(acct, name)["id"])
        contacts.set_field_values(
            acct, contact["id"], [{"field": f["id"], "value": f["value"]}
                                  for f in item.get("fields", [])])
        for sub in item.get("subscribe", []):
            list_id = str(sub["listid"])
            if list_id not in acct.data["lists"]:
                continue  # deleted / unknown list: no list
            link = contacts.membership(acct, contact["id"], list_id)
            if link is not None and link["status"] == 2:
                continue  # never re-subscribe someone who unsubscribed
            contacts.subscribe(acct, contact["id"], list_id, 1)
        for unsub in item.get("unsubscribe", []):
            list_id = str(unsub["listid"])
            if list_id in acct.data["lists"]:
                contacts.subscribe(acct, contact["id"], list_id, 2)
        success.append(contact["id"])
    batch.update(status="completed", success=success, failure=failure,
                 completedAt=acct.now_iso())


def batch_info(acct: AcAccount, batch_id: str | None) -> Record:
    """``GET /import/info?batchId=``."""
    if not batch_id:
        raise ApiError(400, {"success": 0, "message": "'batchId' is a required field."})
    batch = acct.data["bulk_batches"].get(batch_id)
    if batch is None:
        raise not_found("Batch", batch_id)
    if batch["status"] != "completed":
        return {"status": batch["status"], "success": [], "failure": []}
    return {"status": "completed", "success": list(batch["success"]),
            "failure": list(batch["failure"])}


def overview(acct: AcAccount) -> Record:
    """``GET /import/bulk_import``: outstanding and recently completed batches by day."""
    def group(status: str) -> list[dict[str, Any]]:
        days: dict[str, dict[str, Any]] = {}
        for batch in acct.data["bulk_batches"].values():
            if (batch["status"] == "completed") != (status == "completed"):
                continue
            day = batch["queuedAt"][:10]
            entry = days.setdefault(day, {"forDate": day, "batches": 0, "contacts": 0})
            entry["batches"] += 1
            entry["contacts"] += len(batch["contacts"])
        return list(days.values())

    return {"outstanding": group("queued"), "recentlyCompleted": group("completed")}

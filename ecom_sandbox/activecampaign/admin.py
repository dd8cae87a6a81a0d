"""``/_sandbox/...`` routes of the ActiveCampaign stand-in for what an account's people do
behind the sync's back: a contact unsubscribes from a campaign e-mail, a user removes a
contact from a list or deletes it in the UI. Tests make drift and opt-outs with them;
the same functions serve tests that hold the account object."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecom_sandbox.activecampaign import contacts
from ecom_sandbox.activecampaign.formats import email_key
from ecom_sandbox.activecampaign.state import MASTER_LIST_ID, AcAccount, Record
from ecom_sandbox.admin import json_body


def _contact(acct: AcAccount, email: str) -> Record:
    contact = acct.find("contact_email", email_key(email))
    if contact is None:
        raise KeyError(email)
    return contact


def unsubscribe(acct: AcAccount, email: str, list_id: str = MASTER_LIST_ID) -> None:
    """The contact clicks "unsubscribe": status 2 on the list (the link stays, with its
    unsubscribe date; no import may subscribe them again, A.9)."""
    with acct.lock:
        contacts.subscribe(acct, _contact(acct, email)["id"], str(list_id), 2)
    acct.changed()


def remove_from_list(acct: AcAccount, email: str, list_id: str = MASTER_LIST_ID) -> None:
    """A user removes the contact from the list in the UI: the link is gone (this is not
    an unsubscribe)."""
    with acct.lock:
        contact_id = _contact(acct, email)["id"]
        store = acct.data["contact_lists"]
        for key in [k for k, cl in store.items()
                    if cl["contact"] == contact_id and cl["list"] == str(list_id)]:
            del store[key]
    acct.changed()


def delete_contact(acct: AcAccount, email: str) -> None:
    """A user deletes the contact in the UI (what ``DELETE /contacts/{id}`` does)."""
    with acct.lock:
        contacts.delete_contact(acct, _contact(acct, email)["id"])
    acct.changed()


ACTIONS = {"unsubscribe": unsubscribe, "remove_from_list": remove_from_list}


def admin_routes(acct: AcAccount) -> list[Route]:
    """``POST /_sandbox/contacts/{action}`` with ``{"email": ..., "list": "1"}``
    (``delete`` takes no list); 404 for an unknown contact."""

    async def contact_action(request: Request) -> Response:
        action = request.path_params["action"]
        body = await json_body(request)
        try:
            if action == "delete":
                delete_contact(acct, str(body["email"]))
            elif action in ACTIONS:
                ACTIONS[action](acct, str(body["email"]), str(body.get("list", MASTER_LIST_ID)))
            else:
                return JSONResponse({"error": f"unknown action {action}"}, status_code=404)
        except KeyError as exc:
            return JSONResponse({"error": f"unknown contact or field: {exc}"}, status_code=404)
        return JSONResponse({"done": action})

    return [Route("/_sandbox/contacts/{action}", contact_action, methods=["POST"])]

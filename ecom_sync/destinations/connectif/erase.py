"""Erase a person from a Connectif store (`ecom-sync forget`): what its API allows.

Deleted: their purchases (``DELETE /purchases/purchase-id/{id}``, the ids the ledger and
outbox hold). Not possible through the documented API (destinations.md B.2, B.5): the
contact itself (Connectif's support pages say contacts can be deleted, but no delete path
is documented) and the cart events sent for them (no endpoint reads or deletes custom
events). Both are reported for the merchant to delete in Connectif.
"""

from __future__ import annotations

from ecom_sync.destinations.connectif.client import ConnectifClient
from ecom_sync.publish.erasure import DestinationErasure, PersonObject


def erase(client: ConnectifClient, objects: list[PersonObject]) -> DestinationErasure:
    deleted = 0
    for obj in objects:
        if obj.kind != "purchase":
            continue
        purchase_id = obj.remote_id or (obj.payload or {}).get("purchase", {}).get("purchaseId")
        if purchase_id and client.delete_purchase(purchase_id):
            deleted += 1
    notes = []
    if any(o.kind == "contact" and o.remote_id for o in objects):
        notes.append("the contact stays in Connectif: its API documents no contact "
                     "deletion; delete it in Connectif (Contacts) or ask Connectif support")
    sent_carts = sum(1 for o in objects if o.kind == "cart" and o.remote_id)
    if sent_carts:
        notes.append(f"{sent_carts} abandoned-cart event(s) stay in Connectif: custom events "
                     "cannot be deleted through its API")
    return DestinationErasure({"purchase": deleted} if deleted else {}, notes)

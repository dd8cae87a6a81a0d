"""Erase a person from an ActiveCampaign account (`ecom-sync forget`), looked up by e-mail
in the account itself, so what an earlier run or another tool wrote goes too.

Order: their v3 e-commerce orders and abandoned carts (``GET /ecomOrders?filters[email]``,
``DELETE /ecomOrders/{id}``), their e-commerce customers on every connection (``GET
/ecomCustomers?filters[email]``, ``DELETE /ecomCustomers/{id}``), then the contact
(``GET /contacts?email=``, ``DELETE /contacts/{id}``: AC's own GDPR path, which removes
its list memberships, tags and field values). The GraphQL order store has no documented
order deletion; its records belong to the contact (ac-graphql.md 5), so they go with it.
"""

from __future__ import annotations

from collections import Counter

from ecom_sync.destinations.activecampaign.client import ActiveCampaignClient
from ecom_sync.publish.erasure import DestinationErasure


def erase(client: ActiveCampaignClient, email_key: str) -> DestinationErasure:
    deleted: Counter[str] = Counter()
    orders = [o for page in client.pages("/ecomOrders", "ecomOrders",
                                         {"filters[email]": email_key}) for o in page]
    for order in orders:
        if client.delete(f"/ecomOrders/{order['id']}"):
            deleted["order" if order.get("externalid") else "cart"] += 1
    customers = [c for page in client.pages("/ecomCustomers", "ecomCustomers",
                                            {"filters[email]": email_key}) for c in page]
    for customer in customers:
        if client.delete(f"/ecomCustomers/{customer['id']}"):
            deleted["ecom_customer"] += 1
    for contact in client.get("/contacts", {"email": email_key}).get("contacts") or []:
        if client.delete(f"/contacts/{contact['id']}"):
            deleted["contact"] += 1
    return DestinationErasure(dict(deleted), [])

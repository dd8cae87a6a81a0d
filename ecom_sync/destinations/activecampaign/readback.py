"""Read an ActiveCampaign account back for reconciliation (specs/destinations.md A.1, A.3-A.8),
through the publisher's client and its account pacing.

Walks (a full reconcile): the ``ecom_sync-*`` connections (one request), every contact by
``id_greater`` (100 a request), the master list's subscribed and unsubscribed members
(``listid`` + ``status``), and per connection its e-commerce customers and its v3
ecomOrders (orders and abandoned carts in one list). Look-ups (a sampled reconcile):
``GET /contacts?email=``, the contact's ``contactLists``, and the e-commerce objects by
``filters[connectionid]`` with ``filters[email]``, ``filters[externalid]`` or
``filters[externalcheckoutid]``. Orders are compared on their v3 copy (what "Makes a
purchase" and the segments read; ac-graphql.md 5: AC copies GraphQL orders there
asynchronously, so an order sent seconds ago may show as missing).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ecom_sync.destinations.activecampaign.client import (
    PAGE_LIMIT,
    SUBSCRIBED,
    UNSUBSCRIBED,
    ActiveCampaignClient,
)
from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination
from ecom_sync.publish.reconcile import OutOfBudget, RemoteRow

SERVICE_PREFIX = "ecom_sync-"
LIST_STATUS = {SUBSCRIBED: "subscribed", UNSUBSCRIBED: "unsubscribed"}
EXPECTED_SQL = Path(__file__).parent / "sql" / "readback.sql"


def email_key(email: Any) -> str:
    return str(email or "").strip().lower()


def _text(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


class ActiveCampaignReadBack:
    """The :class:`ecom_sync.publish.reconcile.ReadBack` of one account."""

    walks = (("connection",), ("contact",), ("list_membership",), ("ecom_customer",),
             ("order", "cart"))
    page_size = PAGE_LIMIT
    lookup_kinds = ("connection", "contact", "list_membership", "ecom_customer", "order",
                    "cart")
    owned_kinds = ("connection", "ecom_customer", "order", "cart")
    unreadable: dict[str, str] = {}
    opt_out = ("list_membership", "list", "unsubscribed")

    def __init__(self, dest: ActiveCampaignDestination, client: ActiveCampaignClient,
                 max_requests: int | None = None) -> None:
        self.dest = dest
        self.client = client
        self.max_requests = max_requests
        self._connections: dict[str, dict[str, Any]] | None = None  # name → AC record
        self._list_usable: bool | None = None
        self._contacts: dict[str, dict[str, Any] | None] = {}  # looked up, by e-mail key

    # -- the ReadBack protocol ------------------------------------------------------------
    def expected_sql(self) -> str:
        return EXPECTED_SQL.read_text()

    def params(self) -> dict[str, Any]:
        return {"list_usable": self.list_usable()}

    def requests_made(self) -> int:
        return self.client.requests_made

    def read_all(self, walk: tuple[str, ...]) -> Iterator[list[RemoteRow]]:
        if walk == ("connection",):
            yield [self._connection_row(name, c) for name, c in self.connections().items()]
        elif walk == ("contact",):
            for page in self._pages(self.client.contact_pages()):
                yield [self._contact_row(c) for c in page]
        elif walk == ("list_membership",):
            if self.list_usable():
                for status in (SUBSCRIBED, UNSUBSCRIBED):
                    for page in self._pages(self.client.contact_pages(
                            {"listid": self.dest.master_list_id, "status": status})):
                        yield [RemoteRow("list_membership", email_key(c["email"]),
                                         {"list": LIST_STATUS[status]}) for c in page]
        elif walk == ("ecom_customer",):
            for name, conn in self.connections().items():
                for page in self._pages(self.client.pages(
                        "/ecomCustomers", "ecomCustomers",
                        {"filters[connectionid]": str(conn["id"])})):
                    yield [self._customer_row(name, c) for c in page]
        elif walk == ("order", "cart"):
            for name, conn in self.connections().items():
                for page in self._pages(self.client.pages(
                        "/ecomOrders", "ecomOrders",
                        {"filters[connectionid]": str(conn["id"])})):
                    yield [self._order_row(name, o) for o in page]

    def read_keys(self, kind: str, keys: list[tuple[str, str | None]]
                  ) -> Iterator[list[RemoteRow]]:
        for key, _ in keys:
            self._spend()
            yield [self._look_up(kind, key)]

    # -- reading --------------------------------------------------------------------------
    def _spend(self) -> None:
        if self.max_requests is not None and self.client.requests_made >= self.max_requests:
            raise OutOfBudget

    def _pages(self, pages: Iterator[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
        """The pages of a walk, stopped before a request over the budget."""
        while True:
            self._spend()
            page = next(pages, None)
            if page is None:
                return
            yield page

    def connections(self) -> dict[str, dict[str, Any]]:
        """This sync's connections in the account (service ``ecom_sync-<platform>``), by
        connection name (their ``externalid``)."""
        if self._connections is None:
            found: dict[str, dict[str, Any]] = {}
            for page in self._pages(self.client.pages("/connections", "connections")):
                for conn in page:
                    if str(conn.get("service", "")).startswith(SERVICE_PREFIX):
                        found[str(conn["externalid"])] = conn
            self._connections = found
        return self._connections

    def list_usable(self) -> bool:
        """C4: the master list exists under its name (else contacts join no list). One
        request, outside the budget (the expected SQL needs it)."""
        if self._list_usable is None:
            found = self.client.get_list(self.dest.master_list_id)
            self._list_usable = found is not None and \
                found.get("name") == self.dest.master_list_name
        return self._list_usable

    def _look_up(self, kind: str, key: str) -> RemoteRow:
        connection, _, ident = key.partition("|")
        if kind == "connection":
            conn = self.connections().get(key)
            return RemoteRow(kind, key, self._connection_row(key, conn).fields if conn else None)
        if kind in ("contact", "list_membership"):
            contact = self._contact(key)
            if contact is None:
                return RemoteRow(kind, key, None)
            if kind == "contact":
                return self._contact_row(contact)
            return RemoteRow(kind, key, self._membership(contact))
        conn = self.connections().get(connection)
        if conn is None:
            return RemoteRow(kind, key, None)
        if kind == "ecom_customer":
            found = self.client.find_one("/ecomCustomers", "ecomCustomers", {
                "connectionid": str(conn["id"]), "email": ident})
            return self._customer_row(connection, found) if found else RemoteRow(kind, key, None)
        field = "externalid" if kind == "order" else "externalcheckoutid"
        found = self.client.find_one("/ecomOrders", "ecomOrders", {
            "connectionid": str(conn["id"]), field: ident})
        row = self._order_row(connection, found) if found else None
        return row if row is not None and row.kind == kind else RemoteRow(kind, key, None)

    def _contact(self, key: str) -> dict[str, Any] | None:
        """``GET /contacts?email=`` once per key (its contact and list look-ups share it)."""
        if key not in self._contacts:
            found = self.client.get("/contacts", {"email": key}).get("contacts") or []
            self._contacts[key] = found[0] if found else None
        return self._contacts[key]

    def _membership(self, contact: dict[str, Any]) -> dict[str, str | None] | None:
        """The contact's status on the master list (None: not on it)."""
        if not self.list_usable():
            return None
        self._spend()
        links = self.client.get(f"/contacts/{contact['id']}/contactLists").get(
            "contactLists") or []
        for link in links:
            if str(link.get("list")) == self.dest.master_list_id:
                status = LIST_STATUS.get(str(link.get("status")))
                return {"list": status} if status else None
        return None

    # -- rows: the fields readback.sql names, as text -----------------------------------
    @staticmethod
    def _connection_row(name: str, conn: dict[str, Any]) -> RemoteRow:
        return RemoteRow("connection", name, {"name": _text(conn.get("name"))})

    @staticmethod
    def _contact_row(contact: dict[str, Any]) -> RemoteRow:
        return RemoteRow("contact", email_key(contact["email"]), {
            "first_name": _text(contact.get("firstName")),
            "last_name": _text(contact.get("lastName")),
            "phone": _text(contact.get("phone"))})

    @staticmethod
    def _customer_row(connection: str, customer: dict[str, Any]) -> RemoteRow:
        return RemoteRow("ecom_customer", f"{connection}|{email_key(customer['email'])}",
                         {"accepts_marketing": _text(customer.get("acceptsMarketing"))})

    @staticmethod
    def _order_row(connection: str, order: dict[str, Any]) -> RemoteRow:
        """An order by its store id; a cart (no store order id yet) by its checkout id."""
        fields = {"total_minor": _text(order.get("totalPrice")),
                  "currency": _text(order.get("currency")),
                  "email": email_key(order.get("email")) or None}
        if _text(order.get("externalid")):
            return RemoteRow("order", f"{connection}|{order['externalid']}", fields)
        return RemoteRow("cart", f"{connection}|{order.get('externalcheckoutid')}", fields)

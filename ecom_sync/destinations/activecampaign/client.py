"""ActiveCampaign v3 REST and Ecommerce GraphQL over one paced httpx client.

specs/destinations.md A: ``Api-Token`` (403 when wrong), ``/api/3`` paths, wrapped bodies,
integer cents on REST; specs/ac-graphql.md: ``/api/3/ecom/graphql`` with decimal units.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination
from ecom_sync.publish.ratelimit import AccountPacing, per_minute_limiter
from ecom_sync.sources.http import ApiClient, SourceError

PAGE_LIMIT = 100  # the most a v3 list answers per request (A.1)
SUBSCRIBED, UNSUBSCRIBED = "1", "2"  # a contact's status on a list (A.7)

BULK_ORDERS = (
    "mutation Push($orders: [OrderInput]) { bulkUpsertOrdersAsync(orders: $orders) { recordId } }"
)


class GraphQLError(SourceError):
    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = errors


class ActiveCampaignClient:
    def __init__(
        self,
        dest: ActiveCampaignDestination,
        token: str,
        transport: httpx.BaseTransport | None = None,
    ) -> None:

        self.pacing = AccountPacing(dest.rate_limit_per_second)
        self.bulk_pacing = per_minute_limiter(dest.bulk_imports_per_minute)
        self.api = ApiClient(
            base_url=f"{dest.api_url.rstrip('/')}/api/3",
            headers={"Api-Token": token, "Content-Type": "application/json"},
            settings=dest.http_settings(),
            label=f"ActiveCampaign '{dest.name}'",
            reconnect_hint=(
                f"copy the API key from Settings → Developer into the environment variable "
                f"{dest.token_env}"
            ),
            policy=self.pacing,
            transport=transport,
        )

    def close(self) -> None:
        self.api.close()

    @property
    def requests_made(self) -> int:
        return self.api.requests_made

    # -- REST ---------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.api.get(path, params).json()

    def post(self, path: str, body: dict[str, Any], idempotent: bool = False) -> dict[str, Any]:
        """A create unless ``idempotent``: an answer lost on the way raises
        ``UnansweredRequest`` (look it up before creating again)."""
        return self.api.request("POST", path, json=body, idempotent=idempotent).json()

    def put(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.api.request("PUT", path, json=body).json()

    def delete(self, path: str) -> bool:
        """DELETE; False if it was gone already (a 404), so deleting twice is harmless."""
        try:
            self.api.request("DELETE", path)
        except SourceError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def pages(self, path: str, plural: str, params: dict[str, str] | None = None
              ) -> Iterator[list[dict[str, Any]]]:
        """Every item of a v3 list, a page (``limit`` 100, zero-based ``offset``) per
        request, until a short page or ``meta.total``."""
        offset = 0
        while True:
            body = self.get(path, {**(params or {}), "limit": str(PAGE_LIMIT),
                                   "offset": str(offset)})
            items = body.get(plural) or []
            yield items
            offset += len(items)
            total = int((body.get("meta") or {}).get("total") or 0)
            if len(items) < PAGE_LIMIT or offset >= total:
                return

    def contact_pages(self, params: dict[str, str] | None = None
                      ) -> Iterator[list[dict[str, Any]]]:
        """Contacts in id order by ``id_greater`` (A.1: deep paging without an offset that
        shifts while contacts are added)."""
        after = "0"
        while True:
            items = self.get("/contacts", {**(params or {}), "id_greater": after,
                                           "orders[id]": "ASC",
                                           "limit": str(PAGE_LIMIT)}).get("contacts") or []
            yield items
            if len(items) < PAGE_LIMIT:
                return
            after = str(items[-1]["id"])

    def find_one(self, path: str, plural: str, filters: dict[str, str]) -> dict[str, Any] | None:
        params = {f"filters[{k}]": v for k, v in filters.items()}
        items = self.get(path, params).get(plural) or []
        return items[0] if items else None

    def get_list(self, list_id: str) -> dict[str, Any] | None:
        try:
            return self.get(f"/lists/{list_id}").get("list")
        except SourceError as exc:
            if exc.status == 404:
                return None
            raise

    def bulk_import(self, contacts: list[dict[str, Any]]) -> str:
        self.bulk_pacing.try_acquire("bulk_import")
        # An import upserts by e-mail: repeating one changes nothing.
        body = self.post("/import/bulk_import", {"contacts": contacts}, idempotent=True)
        return str(body["batchId"])

    def import_info(self, batch_id: str) -> dict[str, Any]:
        return self.get("/import/info", {"batchId": batch_id})

    # -- GraphQL ------------------------------------------------------------------------

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        # Reads and upserts by store id (bulkUpsertOrdersAsync): safe to repeat.
        body = self.api.request(
            "POST", "/ecom/graphql", json={"query": query, "variables": variables},
            idempotent=True,
        ).json()
        if body.get("errors"):
            first = body["errors"][0].get("message", "GraphQL error")
            raise GraphQLError(f"ActiveCampaign GraphQL: {first}", body["errors"])
        return body["data"]

    def bulk_upsert_orders(self, orders: list[dict[str, Any]]) -> str:
        return self.graphql(BULK_ORDERS, {"orders": orders})["bulkUpsertOrdersAsync"]["recordId"]

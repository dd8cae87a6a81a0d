"""Shopify Admin REST client: auth and the leaky bucket (pages: ``LinkHeader``).

specs/sources.md 2: ``X-Shopify-Access-Token``; ``/admin/api/{version}/x.json``; filters
only on the first request, then the ``page_info`` URL exactly as given; bucket of 40
leaking 2/s reported in ``X-Shopify-Shop-Api-Call-Limit``; 429 with ``Retry-After``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from ecom_sync.sources.http import ApiClient, RatePolicy, sleep
from ecom_sync.sources.shopify.config import ShopifyConnection

LEAK_PER_SECOND = 2.0  # the Standard plan's rate; faster plans just pause less often


class ShopifyBucket(RatePolicy):
    """Keep the shop's leaky bucket from overflowing: other apps share it too."""

    def __init__(self, headroom: int) -> None:
        self.headroom = headroom
        self.used: int | None = None
        self.capacity: int | None = None
        self.pauses = 0

    def after_response(self, response: httpx.Response) -> None:
        value = response.headers.get("X-Shopify-Shop-Api-Call-Limit", "")
        try:
            used, capacity = (int(x) for x in value.split("/"))
        except ValueError:
            return
        self.used, self.capacity = used, capacity

    def before_request(self) -> None:
        if self.used is None or self.capacity is None:
            return
        over = self.used - (self.capacity - self.headroom)
        if over > 0:
            self.pauses += 1
            sleep(over / LEAK_PER_SECOND)
            self.used = None

    def retry_after(self, response: httpx.Response) -> float | None:
        # The retry waits Retry-After, by which the bucket has leaked: do not wait twice.
        self.used = None
        return super().retry_after(response)

    def error_detail(self, response: httpx.Response) -> str:
        try:
            errors = response.json().get("errors")
        except (ValueError, AttributeError):
            return response.text[:200]
        if isinstance(errors, dict):  # {"field": ["msg"]} or {"field": "msg"}
            return "; ".join(f"{k}: {v}" for k, v in errors.items())[:300]
        return str(errors)[:300]


def api_timestamp(ts: datetime) -> str:
    """Always an explicit offset: a naive value's time zone is not documented."""
    return ts.astimezone(UTC).isoformat(timespec="seconds")


def api_client(conn: ShopifyConnection) -> ApiClient:
    """The shop's Admin REST API (``/admin/api/{version}``), paced by its leaky bucket."""
    return ApiClient(
        base_url=f"{conn.store_base_url}/admin/api/{conn.api_version}",
        headers={"X-Shopify-Access-Token": conn.token().get_secret_value()},
        settings=conn.http,
        label=f"Shopify shop '{conn.name}'",
        reconnect_hint=(
            f"create a new Admin API access token for the custom app (scopes read_customers, "
            f"read_orders, read_all_orders, read_products) and put it in {conn.token_env}"
        ),
        policy=ShopifyBucket(headroom=max(2, conn.http.min_requests_left)),
    )


def granted_scopes(api: ApiClient, conn: ShopifyConnection) -> set[str]:
    """The token's granted scopes (``/admin/oauth/access_scopes.json``, unversioned)."""
    body = api.get(f"{conn.store_base_url}/admin/oauth/access_scopes.json").json()
    return {s["handle"] for s in body.get("access_scopes", [])}

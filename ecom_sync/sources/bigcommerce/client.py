"""BigCommerce REST: the client (auth, the shared quota) and its pagination styles.

specs/sources.md 1.1-1.6: ``X-Auth-Token``; v3 ``{"data","meta"}`` envelopes; v2 bare
arrays and 204 past the last page; quota headers ``X-Rate-Limit-Requests-Left`` and
``X-Rate-Limit-Time-Reset-Ms``; 429 waits for the window reset.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx

from ecom_sync.sources.bigcommerce.config import BigCommerceConnection
from ecom_sync.sources.http import ApiClient, RatePolicy, sleep
from ecom_sync.sources.paginators import Cursor, Keyset, PageNumber, dig


class BigCommerceQuota(RatePolicy):
    """Spend the store's 30 s quota, then wait for its reset rather than hitting 429."""

    def __init__(self, min_requests_left: int) -> None:
        self.min_requests_left = min_requests_left
        self.requests_left: int | None = None
        self.reset_ms: int | None = None
        self.pauses = 0

    @staticmethod
    def _int(response: httpx.Response, name: str) -> int | None:
        try:
            return int(response.headers[name])
        except (KeyError, ValueError):
            return None

    def after_response(self, response: httpx.Response) -> None:
        self.requests_left = self._int(response, "X-Rate-Limit-Requests-Left")
        self.reset_ms = self._int(response, "X-Rate-Limit-Time-Reset-Ms")

    def before_request(self) -> None:
        if (
            self.requests_left is not None
            and self.reset_ms is not None
            and self.requests_left <= self.min_requests_left
        ):
            self.pauses += 1
            sleep(self.reset_ms / 1000)
            self.requests_left = None

    def retry_after(self, response: httpx.Response) -> float | None:
        reset_ms = self._int(response, "X-Rate-Limit-Time-Reset-Ms")
        if reset_ms is not None:
            self.requests_left = None  # the retry waits for the reset; do not wait twice
            return reset_ms / 1000
        retry_s = self._int(response, "X-Retry-After")
        # No quota headers on a 429 means platform-wide load: back off exponentially.
        return float(retry_s) if retry_s is not None else None

    def error_detail(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return response.text[:200]
        if isinstance(body, list) and body and isinstance(body[0], dict):  # v2
            return "; ".join(str(e.get("message", e)) for e in body)[:300]
        if isinstance(body, dict):  # v3
            errors = body.get("errors") or {}
            detail = "; ".join(f"{k}: {v}" for k, v in errors.items()) if errors else ""
            return f"{body.get('title', '')} {detail}".strip()[:300]
        return str(body)[:300]


def api_timestamp(ts: datetime) -> str:
    """Full UTC timestamp: a date-only bound is not midnight at BigCommerce (sources 1.9)."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def api_client(conn: BigCommerceConnection) -> ApiClient:
    """The store's API (``/stores/{hash}``, v2 and v3 under it), paced by its quota."""
    return ApiClient(
        base_url=conn.store_base_url,
        headers={"X-Auth-Token": conn.token().get_secret_value(),
                 "Content-Type": "application/json"},
        settings=conn.http,
        label=f"BigCommerce store '{conn.name}'",
        reconnect_hint=(
            f"create a new API account in the BigCommerce control panel and put its "
            f"access token in the environment variable {conn.token_env}"
        ),
        policy=BigCommerceQuota(conn.http.min_requests_left),
    )


# Pagination styles (specs/sources.md 1.2), most stable first.
V3_CURSOR = Cursor(  # customers: stable while records change under us
    next_cursor=lambda body: (
        dig(body, "meta.cursor_pagination.end_cursor")
        if dig(body, "meta.cursor_pagination.links.next") else None
    ),
    param="after",
)
V2_KEYSET = Keyset("min_id", first=1, step=1, sort={"sort": "id:asc"})
V3_KEYSET = Keyset("id:greater", first=0, step=0,
                   sort={"sort": "id", "direction": "asc", "page": 1})
V3_PAGES = PageNumber(total_pages="meta.pagination.total_pages", total="meta.pagination.total")
# Subscribers have only offset pages: walk again when the total moved mid-walk.
V3_PAGES_REWALK = replace(V3_PAGES, rewalk_when_total_moves=True)
V2_PAGES = PageNumber()  # 204 with no body past the last page

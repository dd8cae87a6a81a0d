"""BigCommerce REST client: v2/v3 envelopes, pagination styles and the shared quota.

specs/sources.md 1.1-1.6: ``X-Auth-Token``; v3 ``{"data","meta"}`` envelopes; v2 bare
arrays and 204 past the last page; quota headers ``X-Rate-Limit-Requests-Left`` and
``X-Rate-Limit-Time-Reset-Ms``; 429 waits for the window reset.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from ecom_sync.sources.bigcommerce.config import BigCommerceConnection
from ecom_sync.sources.http import ApiClient, RatePolicy, sleep


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


class BigCommerceClient:
    def __init__(
        self,
        conn: BigCommerceConnection,
        token: str,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.conn = conn
        self.quota = BigCommerceQuota(conn.http.min_requests_left)
        self.api = ApiClient(
            base_url=conn.store_base_url,
            headers={"X-Auth-Token": token, "Content-Type": "application/json"},
            settings=conn.http,
            label=f"BigCommerce store '{conn.name}'",
            reconnect_hint=(
                f"create a new API account in the BigCommerce control panel and put its "
                f"access token in the environment variable {conn.token_env}"
            ),
            policy=self.quota,
            transport=transport,
        )

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> BigCommerceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pagination styles ------------------------------------------------------------

    def v3_pages(self, path: str, params: dict[str, Any]) -> Iterator[tuple[list[dict], int]]:
        """Offset pages; yields (records, total reported by that page)."""
        page = 1
        while True:
            body = self.api.get(path, {**params, "page": page, "limit": self.conn.page_size}).json()
            pagination = body.get("meta", {}).get("pagination", {})
            data = body.get("data") or []
            yield data, int(pagination.get("total", len(data)))
            if not data or page >= int(pagination.get("total_pages", page)):
                return
            page += 1

    def v3_cursor_pages(self, path: str, params: dict[str, Any]) -> Iterator[list[dict]]:
        """Cursor pages (customers): stable while records change under us."""
        after: str | None = None
        while True:
            query = {**params, "limit": self.conn.page_size}
            if after:
                query["after"] = after
            body = self.api.get(path, query).json()
            data = body.get("data") or []
            yield data
            cursor = body.get("meta", {}).get("cursor_pagination", {})
            after = cursor.get("end_cursor")
            if not data or not after or not cursor.get("links", {}).get("next"):
                return

    def v2_pages(self, path: str, params: dict[str, Any]) -> Iterator[list[dict]]:
        """v2 pages; 204 (no body) past the last page."""
        page = 1
        while True:
            response = self.api.get(path, {**params, "page": page, "limit": self.conn.page_size})
            if response.status_code == 204 or not response.content:
                return
            data = response.json()
            yield data
            if len(data) < self.conn.page_size:
                return
            page += 1

    def v2_all(self, path: str) -> list[dict]:
        return [row for page in self.v2_pages(path, {}) for row in page]

    def v2_keyset(self, path: str, params: dict[str, Any]) -> Iterator[list[dict]]:
        """Orders by ``min_id``: a record leaving the filter mid-walk shifts nothing."""
        min_id = 1
        while True:
            query = {**params, "sort": "id:asc", "min_id": min_id, "limit": self.conn.page_size}
            response = self.api.get(path, query)
            if response.status_code == 204 or not response.content:
                return
            data = response.json()
            if not data:
                return
            yield data
            if len(data) < self.conn.page_size:
                return
            min_id = max(int(r["id"]) for r in data) + 1

    def v3_keyset(self, path: str, params: dict[str, Any]) -> Iterator[list[dict]]:
        """Catalog by ``id:greater``; same reasoning as ``v2_keyset``."""
        last_id = 0
        while True:
            query = {
                **params,
                "id:greater": last_id,
                "sort": "id",
                "direction": "asc",
                "limit": self.conn.page_size,
                "page": 1,
            }
            data = self.api.get(path, query).json().get("data") or []
            if not data:
                return
            yield data
            if len(data) < self.conn.page_size:
                return
            last_id = max(int(r["id"]) for r in data)

"""The shop-site API client (specs/shopsite.md): Bearer token, ``{"error": {...}}``
bodies, 10 requests a second per token (paced here; a 429 waits its ``Retry-After``),
``page``/``per_page`` lists ordered by ``(modified_at, id)``, timestamps with the site's
offset, money as decimal strings."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from pyrate_limiter import Limiter, Rate

from ecom_sync.sources.http import ApiClient, RatePolicy
from ecom_sync.sources.paginators import TimeKeyset
from ecom_sync.sources.shopsite.config import ShopsiteConnection

MAX_PAGE_SIZE = 200
# Lists are ordered by (modified_at, id) and filtered from an inclusive modified_since: a
# walk moves that filter forward, so a record changed mid-walk is read again later, never
# skipped (the carts list has no upper filter; page numbers would shift under a change).
BY_MODIFIED = TimeKeyset(param="modified_since", cursor="modified_at")
BY_FINISHED = TimeKeyset(param="finished_since", cursor="finished_at")


class SitePacing(RatePolicy):
    """Stay under the site's per-token rate, whole requests per window."""

    def __init__(self, per_second: float) -> None:
        count = max(1, round(per_second)) if per_second >= 1 else 1
        self.limiter = Limiter(Rate(count, round(1000 * count / per_second)))

    def before_request(self) -> None:
        self.limiter.try_acquire("site")

    def error_detail(self, response: httpx.Response) -> str:
        try:
            error = response.json()["error"]
            return f"{error['code']}: {error['message']}"[:300]
        except (ValueError, KeyError, TypeError):
            return response.text[:200]


def api_timestamp(ts: datetime) -> str:
    """ISO 8601 with an explicit offset (UTC); the site answers in its own offset."""
    return ts.astimezone(UTC).isoformat(timespec="seconds")


def api_client(conn: ShopsiteConnection) -> ApiClient:
    return ApiClient(
        base_url=conn.api_base_url,
        headers={"Authorization": f"Bearer {conn.token().get_secret_value()}"},
        settings=conn.http,
        label=f"shop site '{conn.name}'",
        reconnect_hint=(
            f"create a new API token in the site's back office (ecom-api) and put it in "
            f"the environment variable {conn.token_env}"
        ),
        policy=SitePacing(conn.rate_limit_per_second),
    )

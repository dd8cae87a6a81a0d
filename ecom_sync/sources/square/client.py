"""Square API client: Bearer auth, the ``Square-Version`` pin, the ``errors[]`` body, and
the cursor every list and search pages with.

specs/sources.md 3.1-3.6: ``/v2/...``; list endpoints are GETs with a query, searches are
POSTs with a JSON body; a ``cursor`` in the body means more, sent back with the identical
query (in the query or the body); cursors live about five minutes and a stale one is a 400
naming the cursor; 429 ``RATE_LIMITED`` carries no rate headers, so the client backs off
exponentially with jitter (the ApiClient default).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from ecom_sync.sources.http import ApiClient, RatePolicy
from ecom_sync.sources.paginators import Cursor
from ecom_sync.sources.square.config import SquareConnection

INVALID_CURSOR = "INVALID_CURSOR"


def square_errors(response: httpx.Response) -> list[dict[str, Any]]:
    """``{"errors": [{"category", "code", "detail", "field"}]}``; [] when not that shape."""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        return []
    return [e for e in errors or [] if isinstance(e, dict)]


class SquareErrors(RatePolicy):
    """Square documents no rate headers: a 429 is waited out by exponential backoff with
    jitter. What this adds is reading the ``errors[]`` body."""

    def error_detail(self, response: httpx.Response) -> str:
        errors = square_errors(response)
        if not errors:
            return response.text[:200]
        return "; ".join(
            f"{e.get('code')}: {e.get('detail', '')}"
            + (f" (field {e['field']})" if e.get("field") else "") for e in errors
        )[:300]

    def error_code(self, response: httpx.Response) -> str | None:
        errors = square_errors(response)
        # A cursor Square no longer honours is refused naming the field (not always with
        # this code): it is the expired-cursor case either way.
        if any(e.get("field") == "cursor" for e in errors):
            return INVALID_CURSOR
        return errors[0].get("code") if errors else None


def api_timestamp(ts: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as Square writes its own."""
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def api_client(conn: SquareConnection) -> ApiClient:
    """The merchant's API (``{api_base_url}/v2/...``), pinned to ``square_version``."""
    return ApiClient(
        base_url=conn.api_base_url,
        headers={"Authorization": f"Bearer {conn.token().get_secret_value()}",
                 "Square-Version": conn.square_version,
                 "Content-Type": "application/json"},
        settings=conn.http,
        label=f"Square location '{conn.name}'",
        reconnect_hint=(
            "create a new access token (Developer Dashboard → Credentials, or re-authorise "
            "the OAuth app with PAYMENTS_READ, ORDERS_READ, CUSTOMERS_READ, ITEMS_READ and "
            f"MERCHANT_PROFILE_READ) and put it in {conn.token_env}"
        ),
        policy=SquareErrors(),
    )


# Every Square listing: the cursor in the body's ``cursor``, sent back in the query of a
# GET or the body of a POST, followed while there is one (an empty page with a cursor
# included: the page size is advisory); a stale one restarts the walk (Stream.restarts).
CURSOR = Cursor(next_cursor=lambda body: body.get("cursor"), expired_status=400,
                expired_code=INVALID_CURSOR, empty_page_ends=False)

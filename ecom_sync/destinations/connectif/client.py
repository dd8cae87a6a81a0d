"""The Connectif REST API over one paced httpx client (specs/destinations.md Part B).

``Authorization: apiKey <id>:<secret>``; plain JSON bodies; errors ``{status, title,
detail, code?}`` (custom codes E0101 ... on 400). The budget is read from
``X-RateLimit-Remaining`` / ``X-RateLimit-Reset`` (epoch seconds): at 0 remaining the next
request waits for the reset, and a 429 is retried after ``Retry-After`` if given, else
after the reset, else with exponential backoff.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx

from ecom_sync.destinations.connectif.config import ConnectifDestination
from ecom_sync.publish.ratelimit import AccountPacing
from ecom_sync.sources.http import ApiClient, ReconnectRequired, SourceError, sleep

MAX_RESET_WAIT_S = 60.0


class ConnectifError(SourceError):
    """A refused request, with Connectif's custom error code (E0101 ...) and body."""

    def __init__(self, message: str, status: int | None, code: str | None,
                 body: dict[str, Any]) -> None:
        super().__init__(message, status)
        self.code = code
        self.body = body


class ConnectifPacing(AccountPacing):
    """The configured pace, plus the account's own window: ``X-RateLimit-Remaining: 0``
    holds the next request until ``X-RateLimit-Reset``."""

    def __init__(self, per_second: float) -> None:
        super().__init__(per_second)
        self._reset_at: float | None = None
        self.last_error: dict[str, Any] = {}

    def before_request(self) -> None:
        super().before_request()
        if self._reset_at is not None:
            wait, self._reset_at = self._reset_at - time.time(), None
            sleep(min(wait, MAX_RESET_WAIT_S))

    def after_response(self, response: httpx.Response) -> None:
        super().after_response(response)
        reset = _number(response.headers.get("X-RateLimit-Reset"))
        if response.headers.get("X-RateLimit-Remaining") == "0" and reset is not None:
            self._reset_at = reset
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            self.last_error = body if isinstance(body, dict) else {}

    def retry_after(self, response: httpx.Response) -> float | None:
        given = super().retry_after(response)
        if given is not None:
            return given
        reset = _number(response.headers.get("X-RateLimit-Reset"))
        if reset is None:
            return None  # exponential backoff
        self._reset_at = None  # this wait covers it
        return min(max(0.05, reset - time.time()), MAX_RESET_WAIT_S)

    def error_detail(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return response.text[:300]
        if not isinstance(body, dict):
            return response.text[:300]
        problems = "; ".join(f"{v.get('path')}: {v.get('reason')}"
                             for v in body.get("validationErrors") or [])
        text = " ".join(str(p) for p in (body.get("code"), body.get("detail"), problems) if p)
        return text[:300] or response.text[:300]


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _segment(value: str) -> str:
    return quote(value, safe="@")


class ConnectifClient:
    def __init__(self, dest: ConnectifDestination, api_key: str,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.pacing = ConnectifPacing(dest.rate_limit_per_second)
        self.api = ApiClient(
            base_url=dest.api_url,
            headers={"Authorization": f"apiKey {api_key}", "Content-Type": "application/json"},
            settings=dest.http_settings(),
            label=f"Connectif '{dest.name}'",
            reconnect_hint=(f"create an API key in Connectif and put its Key Id into "
                            f"{dest.key_id_env} and its Key Secret into {dest.token_env}"),
            policy=self.pacing,
            transport=transport,
        )

    def close(self) -> None:
        self.api.close()

    @property
    def requests_made(self) -> int:
        return self.api.requests_made

    def _call(self, method: str, path: str, *, params: dict[str, str] | None = None,
              body: dict[str, Any] | None = None) -> httpx.Response:
        try:
            return self.api.request(method, path, params=params, json=body)
        except ReconnectRequired:
            raise
        except SourceError as exc:
            if exc.status is None or exc.status == 429 or exc.status >= 500:
                raise  # retries exhausted: the run stops, the ledger keeps its place
            error = self.pacing.last_error
            raise ConnectifError(str(exc), exc.status, error.get("code"), error) from None

    # -- contacts (B.2) and products (B.3): upserts ---------------------------------------
    def patch_contact(self, email: str, fields: dict[str, Any]) -> dict[str, Any]:
        return self._call("PATCH", f"/contacts/{_segment(email)}", body=fields).json()

    def patch_product(self, product_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("PATCH", f"/products/product-id/{_segment(product_id)}",
                          body=body).json()

    # -- purchases (B.4): create, look up, delete by the store's purchase id ---------------
    def create_purchase(self, body: dict[str, Any], trigger: bool) -> dict[str, Any]:
        return self._call("POST", "/purchases/", body=body,
                          params={"triggerPurchaseEvent": "true" if trigger else "false"}).json()

    def purchase_exists(self, purchase_id: str) -> bool:
        return self._found("GET", f"/purchases/purchase-id/{_segment(purchase_id)}")

    def delete_purchase(self, purchase_id: str) -> bool:
        """Delete; False if it was not there (deleting twice is harmless)."""
        return self._found("DELETE", f"/purchases/purchase-id/{_segment(purchase_id)}")

    READ_PATHS = {"contact": "/contacts/{}", "product": "/products/product-id/{}",
                  "purchase": "/purchases/purchase-id/{}"}

    def get(self, kind: str, ident: str) -> dict[str, Any] | None:
        """A contact (by e-mail), product (by store id) or purchase (by purchase id) as
        Connectif holds it; None if it is not there."""
        try:
            return self._call("GET", self.READ_PATHS[kind].format(_segment(ident))).json()
        except ConnectifError as exc:
            if exc.status == 404:
                return None
            raise

    def _found(self, method: str, path: str) -> bool:
        """The request succeeded (True) or the resource was not there (False, a 404)."""
        try:
            self._call(method, path)
        except ConnectifError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    # -- custom event types and events (B.5) ----------------------------------------------
    def create_event_type(self, integration_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", f"/custom-integrations/{_segment(integration_id)}"
                          "/custom-event-types/", body=body).json()

    def send_event(self, alias: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", f"/custom-events/alias/{_segment(alias)}", body=body,
                          params={"createContact": "false"}).json()

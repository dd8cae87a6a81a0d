"""The HTTP client every store connector uses: httpx plus tenacity retries.

Platforms plug in what differs (auth header, rate-limit signals, error bodies) through a
``RatePolicy``; retrying, backoff and the "reconnect" error live here once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from ecom_sync.config import HttpSettings

log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """A store API problem, worded for the merchant. Never contains a token. ``code`` is
    the API's own error code when its body names one (Square's ``INVALID_CURSOR``)."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class ReconnectRequired(SourceError):
    """401/403: the token is wrong, revoked or lacks a scope; retrying will not help."""


class RetryableError(SourceError):
    def __init__(
        self, message: str, retry_after: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class RatePolicy:
    """Platform hooks for rate limits. The default knows only ``Retry-After``."""

    def before_request(self) -> None:  # noqa: B027 - optional hook
        pass

    def after_response(self, response: httpx.Response) -> None:  # noqa: B027
        pass

    def retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    def error_detail(self, response: httpx.Response) -> str:
        return response.text[:300]

    def error_code(self, response: httpx.Response) -> str | None:
        """The API's error code in a refused response's body, if it has one."""
        return None


class ApiClient:
    """One store API: base URL, auth headers, politeness, retries."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        settings: HttpSettings,
        label: str,
        reconnect_hint: str,
        policy: RatePolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.label = label
        self.reconnect_hint = reconnect_hint
        self.settings = settings
        self.policy = policy or RatePolicy()
        self.requests_made = 0
        self._backoff = wait_exponential(multiplier=0.5, max=settings.backoff_max_s) + wait_random(
            0, 1
        )
        self.retries = 0
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Accept": "application/json", **headers},
            timeout=settings.timeout_s,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableError) and exc.retry_after is not None:
            return min(exc.retry_after, self.settings.backoff_max_s)
        # Exponential backoff (0.5 s, 1 s, 2 s, ...) plus up to 1 s of jitter, capped.
        return min(self._backoff(state), self.settings.backoff_max_s)

    def _before_sleep(self, state: RetryCallState) -> None:
        self.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "%s: %s; retry %d/%d in %.1fs",
            self.label,
            exc,
            state.attempt_number,
            self.settings.max_attempts - 1,
            state.next_action.sleep if state.next_action else 0,
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        retrying = Retrying(
            retry=retry_if_exception_type(RetryableError),
            stop=stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        return retrying(self._send, method, path, **kwargs)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self.request("GET", path, params=params)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.policy.before_request()
        where = f"{method} {path}"
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise RetryableError(f"{self.label}: {where} timed out") from None
        except httpx.TransportError as exc:
            raise RetryableError(f"{self.label}: {where} failed: {type(exc).__name__}") from None
        self.requests_made += 1
        self.policy.after_response(response)
        status = response.status_code
        if status in (401, 403):
            raise ReconnectRequired(
                f"{self.label}: the store refused our credentials (HTTP {status} on {where}). "
                f"Reconnect: {self.reconnect_hint}",
                status,
            )
        if status == 429 or status >= 500:
            raise RetryableError(
                f"{self.label}: HTTP {status} on {where}",
                retry_after=self.policy.retry_after(response),
                status=status,
            )
        if status >= 400:
            raise SourceError(
                f"{self.label}: HTTP {status} on {where}: {self.policy.error_detail(response)}",
                status,
                self.policy.error_code(response),
            )
        return response


def sleep(seconds: float) -> None:
    """Indirection so politeness pauses show up in one place (and in logs)."""
    if seconds > 0:
        log.info("pausing %.2fs for the store's rate limit", seconds)
        time.sleep(seconds)

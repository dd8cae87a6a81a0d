"""The HTTP client every store connector and destination uses: httpx plus tenacity retries.

Platforms plug in what differs (auth header, rate-limit signals, error bodies) through a
``RatePolicy``; retrying, backoff and the "reconnect" error live here once.

What is retried: 429, 5xx, timeouts, dropped connections and a 2xx whose body is not the
JSON it should be (a proxy's page, a body cut short): the same request again, with
backoff, up to ``max_attempts``; then the error names what kept failing, never a token.
A request that is not idempotent (a POST that creates) is repeated only when it cannot
have reached the API (the connection was never made); when it may have been served but
its answer was lost, :class:`UnansweredRequest` hands the decision to the caller, which
looks up before it creates again.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any, NoReturn

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
from ecom_sync.crashpoints import crash_point

log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """A store API problem, worded for the merchant. Never contains a token. ``code`` is
    the API's own error code when its body names one (Square's ``INVALID_CURSOR``)."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class UnansweredRequest(SourceError):
    """A request that is not idempotent may have been served but its answer was lost
    (timed out after it was sent, the connection dropped, an unreadable body). Repeating
    it could do it twice: the caller looks the object up first."""


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
            "%s; retry %d/%d in %.1fs",
            exc,
            state.attempt_number,
            self.settings.max_attempts - 1,
            state.next_action.sleep if state.next_action else 0,
        )

    def request(self, method: str, path: str, *, idempotent: bool | None = None,
                **kwargs: Any) -> httpx.Response:
        """Send with retries. ``idempotent`` (default: every method but POST) says whether
        the request may be repeated when its answer was lost."""
        retrying = Retrying(
            retry=retry_if_exception_type(RetryableError),
            stop=stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        repeatable = method.upper() != "POST" if idempotent is None else idempotent
        return retrying(self._send, method, path, repeatable, **kwargs)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self.request("GET", path, params=params)

    def _send(self, method: str, path: str, repeatable: bool, **kwargs: Any) -> httpx.Response:
        self.policy.before_request()
        where = f"{method} {_without_query(path)}"
        try:
            response = self._http.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Never reached the API: always safe to send again.
            raise RetryableError(f"{self.label}: {where} failed: {type(exc).__name__}") from None
        except httpx.TimeoutException:
            self._lost(where, "timed out", repeatable)
        except httpx.TransportError as exc:
            self._lost(where, f"failed: {type(exc).__name__}", repeatable)
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
        if response.content and status != 204 and not _is_json(response.content):
            self._lost(where, f"answered HTTP {status} with a body that is not valid JSON "
                       f"({len(response.content)} bytes)", repeatable)
        crash_point("api.answered")
        return response

    def _lost(self, where: str, what: str, repeatable: bool, status: int | None = None
              ) -> NoReturn:
        """The answer is lost: retry what may be repeated, hand the rest to the caller."""
        message = f"{self.label}: {where} {what}"
        if repeatable:
            raise RetryableError(message, status=status) from None
        raise UnansweredRequest(f"{message}; not repeated (it may have been done)",
                                status) from None


def _is_json(content: bytes) -> bool:
    try:
        json.loads(content)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        return False
    return True


def _without_query(path: str) -> str:
    """A request target for messages: a full URL (a ``Link`` header's) keeps its path."""
    return httpx.URL(path).path if "://" in path else path.split("?", 1)[0]


def sleep(seconds: float) -> None:
    """Indirection so politeness pauses show up in one place (and in logs)."""
    if seconds > 0:
        log.info("pausing %.2fs for the store's rate limit", seconds)
        time.sleep(seconds)

"""Square's wire formats: RFC 3339 UTC timestamps with milliseconds, the ``errors[]``
body, and records rendered without the stand-in's internal keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]


class ApiError(Exception):
    """A refused request: ``{"errors": [{"category", "code", "detail", "field"}]}``, the
    HTTP status matching the first error (specs/sources.md 3.6)."""

    def __init__(self, status: int, code: str, detail: str, field: str | None = None,
                 category: str = "INVALID_REQUEST_ERROR") -> None:
        super().__init__(detail)
        self.status = status
        self.error: Record = {"category": category, "code": code, "detail": detail}
        if field is not None:
            self.error["field"] = field

    def body(self) -> Record:
        return {"errors": [self.error]}


def errors_body(category: str, code: str, detail: str) -> Record:
    return {"errors": [{"category": category, "code": code, "detail": detail}]}


RATE_LIMITED = errors_body("RATE_LIMIT_ERROR", "RATE_LIMITED",
                           "This request was rate limited. Please retry later.")
SERVER_ERRORS: dict[int, tuple[str, str]] = {
    500: ("INTERNAL_SERVER_ERROR", "An internal error has occurred."),
    502: ("BAD_GATEWAY", "Bad gateway."),
    503: ("SERVICE_UNAVAILABLE", "The service is temporarily unavailable."),
    504: ("GATEWAY_TIMEOUT", "The request timed out."),
}


def server_error(status: int) -> Record:
    code, detail = SERVER_ERRORS.get(status, SERVER_ERRORS[500])
    return errors_body("API_ERROR", code, detail)


def to_ms(moment: datetime) -> datetime:
    """UTC, to the millisecond: what Square keeps and shows, so stored times equal the
    rendered ones and filters compare what a client sent back."""
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def rfc3339(moment: datetime) -> str:
    return to_ms(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: Any, field: str) -> datetime:
    """A client's RFC 3339 timestamp (any offset); a date alone or garbage is refused."""
    try:
        if not isinstance(value, str) or "T" not in value:
            raise ValueError(value)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError(value)
    except ValueError:
        raise ApiError(400, "INVALID_TIME", f"Invalid RFC 3339 timestamp: {value!r}",
                       field) from None
    return to_ms(parsed)


def render(value: Any) -> Any:
    """A record as served: timestamps in RFC 3339, internal ``_`` keys dropped."""
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, dict):
        return {k: render(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [render(v) for v in value]
    return value

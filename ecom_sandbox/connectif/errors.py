"""Connectif error bodies (destinations.md B.1): ``{status, title, detail, code?, ...}``;
422 carries ``validationErrors[{path, reason}]``."""

from __future__ import annotations

from typing import Any

TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          409: "Conflict", 413: "Payload Too Large", 422: "Unprocessable Entity",
          429: "Too Many Requests"}


class HttpError(Exception):
    """Raised by handlers; rendered as ``status`` + ``body``."""

    def __init__(self, status: int, detail: str, code: str | None = None,
                 **extra: Any) -> None:
        super().__init__(f"{status} {code or ''} {detail}")
        self.status = status
        self.body: dict[str, Any] = {"status": status, "title": TITLES.get(status, "Error"),
                                     "detail": detail}
        if code is not None:
            self.body["code"] = code
        self.body.update(extra)


def unprocessable(errors: list[tuple[str, str]]) -> HttpError:
    return HttpError(422, "Resource contains validation errors",
                     validationErrors=[{"path": p, "reason": r} for p, r in errors])


def not_found(detail: str) -> HttpError:
    return HttpError(404, detail)


UNAUTHORIZED = HttpError(401, "Not authorized to access API").body
FORBIDDEN = HttpError(
    403, "Permission not granted to the API Key or account has been blocked").body
RATE_LIMITED = HttpError(429, "Requests rate limit reached").body

"""Error bodies (v3 object / v2 array) and the exception handlers raise."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

STATUS_DOC = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"

_TITLES = {
    400: "Input is invalid.",
    401: "Unauthorized - the v3 Auth client ID or token in the request are not a valid "
         "combination for this store.",
    404: "The requested resource was not found.",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "The request payload is too large. The maximum items allowed in the array is 250",
    422: "JSON data is missing or invalid",
    429: "Too many requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ApiError(Exception):
    """Raised by handlers; rendered in the request's API version shape."""

    def __init__(
        self, status: int, message: str | None = None, errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(message or _TITLES.get(status, "Error"))
        self.status = status
        self.message = message or _TITLES.get(status, "Error")
        self.errors = errors


def error_response(
    version: str, status: int, message: str | None = None,
    errors: dict[str, str] | None = None, headers: dict[str, str] | None = None,
) -> Response:
    """``v3``: ``{"status","title","type","errors"?}``; ``v2``: ``[{"status","message"}]``."""
    text = message or _TITLES.get(status, "Error")
    body: Any
    if version == "v2":
        body = [{"status": status, "message": text}]
    else:
        body = {"status": status, "title": text, "type": STATUS_DOC}
        if errors is not None:
            body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)

"""Error bodies of the ActiveCampaign stand-in (destinations.md A.1, A.10 item 4)."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Raised by handlers and domain functions; rendered as ``status`` + ``body``."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def issue(title: str, code: str, field: str | None = None, detail: str = "") -> dict[str, Any]:
    """One entry of a 422 ``errors`` list (AC docs shape)."""
    entry: dict[str, Any] = {"title": title, "detail": detail, "code": code}
    if field is not None:
        entry["source"] = {"pointer": f"/data/attributes/{field}"}
    return entry


def unprocessable(errors: list[dict[str, Any]]) -> ApiError:
    return ApiError(422, {"errors": errors})


def invalid(title: str, code: str, field: str | None = None) -> ApiError:
    return unprocessable([issue(title, code, field)])


def not_found(entity: str, record_id: object) -> ApiError:
    return ApiError(404, {"message": f"No Result found for {entity} with id {record_id}"})


def bad_request(body: Any = None) -> ApiError:
    return ApiError(400, {} if body is None else body)


FORBIDDEN = {"message": "Forbidden"}
TOO_MANY = {"message": "Too Many Requests"}
UNAVAILABLE = {"message": "Service Unavailable"}

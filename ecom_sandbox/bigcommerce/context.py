"""Per-request context handed to the API handlers, and the filter helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from ecom_sandbox.bigcommerce.formats import (
    DateParseError,
    parse_v2_datetime,
    parse_v3_datetime,
)
from ecom_sandbox.bigcommerce.responses import ApiError
from ecom_sandbox.bigcommerce.sandbox import Sandbox
from ecom_sandbox.bigcommerce.store import Predicate, Record, StoreData


@dataclass
class Ctx:
    """What a handler needs: the store, the parsed request, and the server's base URL."""

    sandbox: Sandbox
    store: StoreData
    method: str
    params: dict[str, str]
    body: Any
    api_base: str  # e.g. http://127.0.0.1:8000/stores/acmeoutdoor
    base_url: str  # e.g. http://127.0.0.1:8000
    now: datetime

    @property
    def max_limit(self) -> int:
        return self.sandbox.settings.max_page_size


@dataclass(frozen=True)
class Result:
    """A handler's answer: JSON body (``None`` → 204 No Content) and status."""

    body: Any
    status: int = 200


Handler = Callable[[Ctx, dict[str, str]], Result]


def date_bound(
    ctx: Ctx, name: str, *, v2: bool = False, date_only_now: bool = False
) -> datetime | None:
    raw = ctx.params.get(name)
    if raw is None or raw == "":
        return None
    try:
        if v2:
            return parse_v2_datetime(raw)
        tod: time | None = ctx.now.time().replace(tzinfo=None) if date_only_now else None
        return parse_v3_datetime(raw, date_only_time=tod)
    except DateParseError as exc:
        if v2:
            raise ApiError(400, f"The field '{name}' is invalid.") from exc
        raise ApiError(422, f"Invalid date in {name}", {name: "error.invalid.date"}) from exc


def date_range(
    ctx: Ctx, field_name: str, low: str, high: str, *, v2: bool = False,
    date_only_now: bool = False,
) -> list[Predicate]:
    """Inclusive ``low <= record[field] <= high`` predicates from two query params."""
    preds: list[Predicate] = []
    lo = date_bound(ctx, low, v2=v2, date_only_now=date_only_now)
    hi = date_bound(ctx, high, v2=v2, date_only_now=date_only_now)
    if lo is not None:
        preds.append(lambda r, lo=lo: r[field_name] >= lo)
    if hi is not None:
        preds.append(lambda r, hi=hi: r[field_name] <= hi)
    return preds


def int_list(ctx: Ctx, name: str) -> list[int] | None:
    raw = ctx.params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return [int(x) for x in raw.split(",") if x.strip()]
    except ValueError as exc:
        raise ApiError(400, f"Invalid value for {name}", {name: "error.expected.int"}) from exc


def str_list(ctx: Ctx, name: str) -> list[str] | None:
    raw = ctx.params.get(name)
    if raw is None:
        return None
    return [x for x in raw.split(",") if x != ""]


def id_filters(ctx: Ctx, field_name: str = "id") -> list[Predicate]:
    """``id``, ``id:in``, ``id:not_in``, ``id:min``, ``id:max``, ``id:greater``, ``id:less``."""
    preds: list[Predicate] = []
    ops: dict[str, Callable[[int, int], bool]] = {
        "min": lambda v, b: v >= b, "max": lambda v, b: v <= b,
        "greater": lambda v, b: v > b, "less": lambda v, b: v < b,
    }
    for suffix, op in ops.items():
        values = int_list(ctx, f"{field_name}:{suffix}")
        if values:
            preds.append(lambda r, b=values[0], op=op: op(r[field_name], b))
    exact = int_list(ctx, field_name)
    if exact:
        preds.append(lambda r, b=exact[0]: r[field_name] == b)
    ins = int_list(ctx, f"{field_name}:in")
    if ins is not None:
        preds.append(lambda r, s=set(ins): r[field_name] in s)
    not_in = int_list(ctx, f"{field_name}:not_in")
    if not_in is not None:
        preds.append(lambda r, s=set(not_in): r[field_name] not in s)
    return preds


def includes(ctx: Ctx) -> set[str]:
    return {x.strip() for x in ctx.params.get("include", "").split(",") if x.strip()}


def as_bool(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes")


__all__ = ["Ctx", "Handler", "Record", "Result"]

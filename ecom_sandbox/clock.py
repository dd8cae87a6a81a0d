"""Default clocks of the stand-ins; tests swap ``sandbox.clock`` for a fixed one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def whole_seconds(moment: datetime) -> datetime:
    """``moment`` in UTC without microseconds: Shopify stamps records to the second, so
    stored times equal the rendered ones."""
    return moment.astimezone(UTC).replace(microsecond=0)


def utc_now_whole_seconds() -> datetime:
    return whole_seconds(utc_now())

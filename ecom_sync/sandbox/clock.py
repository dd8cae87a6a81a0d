"""Default clocks of the stand-ins; tests swap ``sandbox.clock`` for a fixed one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_now_whole_seconds() -> datetime:
    """Shopify stamps records to the second; a clock without microseconds keeps the stored
    times equal to the rendered ones."""
    return utc_now().replace(microsecond=0)

"""BigCommerce wire formats: dates and money as the real API writes and reads them.

- v2: RFC 2822 dates with ``+0000`` and money as strings with 4 decimals.
- v3: ISO 8601 per entity (customers ``Z``, catalog ``+00:00``, carts ``.000Z``), money
  as JSON numbers.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from email.utils import parsedate_to_datetime

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime (naive values are taken as UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def rfc2822(dt: datetime | None) -> str:
    """``Wed, 05 Dec 2018 20:16:55 +0000``; empty string when unset (v2 convention)."""
    if dt is None:
        return ""
    d = utc(dt)
    return (
        f"{_DAYS[d.weekday()]}, {d.day:02d} {_MONTHS[d.month - 1]} {d.year:04d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} +0000"
    )


def iso_z(dt: datetime | None) -> str | None:
    """Customers / subscribers: ``2018-11-13T21:42:06Z``."""
    if dt is None:
        return None
    return utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_offset(dt: datetime | None) -> str | None:
    """Catalog: ``2018-08-15T14:49:05+00:00``."""
    if dt is None:
        return None
    return utc(dt).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def iso_millis(dt: datetime | None) -> str | None:
    """Carts: ``2018-09-17T14:27:39.000Z``."""
    if dt is None:
        return None
    d = utc(dt)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def money4(value: float | int | Decimal) -> str:
    """v2 money string with 4 decimals: ``"361.9500"``."""
    return str(Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def rate10(value: float | int | Decimal) -> str:
    """v2 exchange rate string with 10 decimals."""
    return str(Decimal(str(value)).quantize(Decimal("0.0000000001"), rounding=ROUND_HALF_UP))


def round_money(value: float, decimals: int) -> float:
    """Round half-up to the currency's minor unit (JPY: 0 decimals)."""
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(str(value)).quantize(q, rounding=ROUND_HALF_UP))


class DateParseError(ValueError):
    """A filter value that is not a date the API accepts."""


def _is_date_only(value: str) -> bool:
    return len(value) == 10 and value[4] == "-" and value[7] == "-"


def parse_v3_datetime(value: str, *, date_only_time: time | None = None) -> datetime:
    """Parse a v3 filter value.

    Accepts ISO 8601 with or without time / offset and unix timestamps. A date without a
    time becomes midnight, unless ``date_only_time`` is given: the catalog API appends the
    current time of the request to a date-only value, so callers pass it for products.
    """
    value = value.strip()
    if not value:
        raise DateParseError("empty date")
    if value.isdigit() and not _is_date_only(value):
        return datetime.fromtimestamp(int(value), tz=UTC)
    try:
        if _is_date_only(value):
            d = date.fromisoformat(value)
            return datetime.combine(d, date_only_time or time(0), tzinfo=UTC)
        if "T" in value:  # a "+" offset that arrived unencoded in a query string
            value = value.replace(" ", "+")
        return utc(datetime.fromisoformat(value))
    except ValueError as exc:
        raise DateParseError(f"invalid date {value!r}") from exc


def parse_v2_datetime(value: str) -> datetime:
    """Parse a v2 filter value: RFC 2822 or ISO 8601 (date-only means midnight UTC)."""
    value = value.strip()
    if not value:
        raise DateParseError("empty date")
    if value[:3] in _DAYS or (value[:2].strip().isdigit() and value[2:3] == " "):
        value = re.sub(r"(\d\d:\d\d:\d\d)\s+(\d{4})$", r"\1 +\2", value)
        try:
            return utc(parsedate_to_datetime(value))
        except (TypeError, ValueError) as exc:
            raise DateParseError(f"invalid date {value!r}") from exc
    return parse_v3_datetime(value)

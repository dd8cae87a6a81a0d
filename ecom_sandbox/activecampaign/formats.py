"""Value checks and conversions shared by v3 REST, bulk import and GraphQL."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")

# ISO 4217 minor units that are not 2.
_MINOR_UNITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}


def email_key(email: str) -> str:
    """Identity of an e-mail address: trimmed, case-insensitive."""
    return email.strip().lower()


def valid_email(value: Any) -> bool:
    return isinstance(value, str) and bool(_EMAIL.match(value.strip()))


def valid_currency(value: Any) -> bool:
    return isinstance(value, str) and bool(_CURRENCY.match(value))


def cents(value: Any) -> int:
    """A v3 money field: a non-negative integer (or a string of digits). Floats such as
    ``12.5`` or ``12.0`` and decimal strings such as ``"12.50"`` raise ``ValueError``."""
    if isinstance(value, bool):
        raise ValueError("boolean")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("negative")
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError(f"not an integer amount in cents: {value!r}")


def whole(value: Any) -> int:
    """A non-negative integer count (quantity)."""
    if isinstance(value, bool):
        raise ValueError("boolean")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError(f"not a whole number: {value!r}")


def minor_units(currency: str | None) -> int:
    return _MINOR_UNITS.get((currency or "").upper(), 2)


def to_minor(amount: Any, currency: str | None) -> int:
    """Decimal currency units (GraphQL ``BigDecimal``) → the currency's minor unit
    (cents for USD/EUR, yen for JPY), rounded half up."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {amount!r}") from exc
    scaled = value.scaleb(minor_units(currency))
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_datetime(value: Any, tz: tzinfo) -> datetime:
    """ISO 8601 (``Z`` or offset); a value without offset is in the account's zone."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 date: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def render_datetime(value: datetime, tz: tzinfo) -> str:
    """AC renders dates in the account's time zone with an offset."""
    return value.astimezone(tz).isoformat(timespec="seconds")


def stringify(value: Any) -> Any:
    """GET rendering: numbers become strings (``"totalPrice": "1000"``)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    return value

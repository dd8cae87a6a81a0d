"""Payload helpers destinations share."""

from __future__ import annotations

from typing import Any


def without_nulls(value: Any) -> Any:
    """Leave absent fields out instead of sending them as null (a null often clears a
    field in a PATCH)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value

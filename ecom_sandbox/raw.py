"""Records a stand-in serves exactly as given, on its real pages (the bad-input corpus,
issue 13): the stand-in files, filters, sorts and pages them by an ordinary internal record
(a copy of one of its own, stamped now, under a fresh id) and renders the raw JSON in its
place: wrong types, missing ids, odd dates and all."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

Record = dict[str, Any]
RAW = "_raw"


def raw_record(template: Record, raw: Any, record_id: Any, stamps: dict[str, datetime]
               ) -> Record:
    """An internal record that pages like ``template`` and renders as ``raw``."""
    record = copy.deepcopy(template)
    record.update(stamps)
    record["id"] = record_id
    record[RAW] = raw
    return record


def raw_key(records: dict[Any, Record], raw: Any, read: Callable[[Any], Any] = int) -> Any:
    """The internal key for ``raw``: its own id when ``read`` reads it (an integer; a
    text id for APIs with text ids) and it is free (so the API's by-id routes find it,
    e.g. an order's line items), else a fresh one of the same kind."""
    try:
        wanted = read(raw["id"])
    except (TypeError, KeyError, ValueError):
        wanted = None
    if wanted is not None and wanted not in records:
        return wanted
    if read is int:
        return max(records, default=0) + 1
    return f"~raw-{len(records)}"  # sorts after the API's own ids


def text_id(value: Any) -> str:
    """``read`` for APIs whose ids are text: a non-empty string, else ValueError."""
    if not isinstance(value, str) or not value:
        raise ValueError(value)
    return value


def is_raw(record: Any) -> bool:
    return isinstance(record, dict) and RAW in record

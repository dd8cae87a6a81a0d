"""Records a stand-in serves exactly as given, on its real pages (the bad-input corpus,
issue 13): the stand-in files, filters, sorts and pages them by an ordinary internal record
(a copy of one of its own, stamped now, under a fresh id) and renders the raw JSON in its
place: wrong types, missing ids, odd dates and all."""

from __future__ import annotations

import copy
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


def raw_key(records: dict[Any, Record], raw: Any) -> int:
    """The internal key for ``raw``: its own id when it reads as an integer and is free (so
    the API's by-id routes find it, e.g. an order's line items), else a fresh one."""
    try:
        wanted = int(raw["id"])
    except (TypeError, KeyError, ValueError):
        wanted = None
    if wanted is not None and wanted not in records:
        return wanted
    return max(records, default=0) + 1


def is_raw(record: Any) -> bool:
    return isinstance(record, dict) and RAW in record

"""The bad-input corpus (``ecom_sync_tests/data/bad/``, issue 13): reading its cases and
serving them on a stand-in's real pages. A case is its stream's base record with ``set``
applied and ``unset`` keys removed; ``$now:...`` and ``$repeat:...`` placeholders are
expanded here (see the files' ``about``)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).parent / "data" / "bad"
NOW_FORMATS: dict[str, Callable[[datetime], Any]] = {
    "iso": lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "rfc2822": lambda t: format_datetime(t),
    "epoch": lambda t: int(t.timestamp()),
    "+05:30": lambda t: t.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat(),
    "+01:00": lambda t: t.astimezone(timezone(timedelta(hours=1))).isoformat(),
    "+00:00": lambda t: t.isoformat(timespec="seconds"),
}


@dataclass
class Case:
    stream: str
    entity: str
    why: str
    expect: str
    record: dict[str, Any]
    lines: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (expect, line)
    text_ids: bool = False  # the API's ids are text (else integers)

    @property
    def record_id(self) -> str | None:
        """The id staging can read (an integer, or digits; with text ids, any non-empty
        text or number), else None."""
        value = self.record.get("id")
        if isinstance(value, bool):
            return None
        if self.text_ids:
            return str(value) if isinstance(value, int | str) and value != "" else None
        return str(int(value)) if isinstance(value, int) or str(value).isdigit() else None

    def line_key(self, position: int, line: dict[str, Any]) -> str:
        """How skipped_records names a line: the order's id, then the line's own id or
        (APIs without line ids) its position from 1."""
        return f"{self.record_id}:{line.get('id', position)}"


def expand(value: Any, now: datetime) -> Any:
    if isinstance(value, dict):
        return {k: expand(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, now) for v in value]
    if isinstance(value, str) and value.startswith("$repeat:"):
        _, char, n = value.split(":")
        return char * int(n)
    if isinstance(value, str) and value.startswith("$now"):
        head, _, fmt = value.partition(":")
        moment = now + (timedelta(seconds=1) if head == "$now+1s" else timedelta(0))
        return NOW_FORMATS[fmt](moment) if fmt in NOW_FORMATS else moment.strftime(fmt)
    return value


def _built(base: dict[str, Any], case: dict[str, Any], now: datetime) -> dict[str, Any]:
    record = copy.deepcopy(base)
    record.update(case.get("set", {}))
    for key in case.get("unset", []):
        record.pop(key, None)
    return expand(record, now)


def load(platform: str, now: datetime) -> tuple[dict[str, Any], list[Case]]:
    """The platform's corpus file and its cases, in file order."""
    doc = json.loads((CORPUS_DIR / f"{platform}.json").read_text())
    cases = []
    for stream, spec in doc["streams"].items():
        for raw in spec["cases"]:
            lines = [(line["expect"], _built(spec["line_base"], line, now))
                     for line in raw.get("lines", [])]
            record = _built(spec["base"], raw, now)
            if lines and "lines_field" in spec:  # served inside the record
                record[spec["lines_field"]] = [line for _, line in lines]
            cases.append(Case(stream, spec["entity"], raw["why"], raw["expect"], record,
                              lines, doc.get("text_ids", False)))
    return doc, cases


def corpus_now() -> datetime:
    """An hour ago, to the second: inside a sync of today, before its upper bound."""
    return (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)

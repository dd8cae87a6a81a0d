"""Persistence every stand-in shares: the whole sandbox as one JSON file, so a served
stand-in keeps its data across restarts (``--state``)."""

from __future__ import annotations

import json
import random
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self

from ecom_sandbox.clock import Clock


class SavedRecords(Protocol):
    """One store's (or shop's) data as it goes into and comes out of the file."""

    def to_json(self) -> dict[str, Any]: ...

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Self: ...


class RecordsJson:
    """Mixin for a store's (or shop's) dataclass: ``to_json`` / ``from_json``.

    The platform names in ``record_kinds`` the fields that hold records keyed by id; they
    are saved as lists (each record carries its ``id``) and keyed again on load. Every
    other field is saved as it is; datetimes anywhere go through :func:`encode`.
    """

    record_kinds: ClassVar[tuple[str, ...]]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            out[key] = list(value.values()) if key in self.record_kinds else value
        return encode(out)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Self:
        data = decode(raw)
        for key in cls.record_kinds:
            data[key] = {rec["id"]: rec for rec in data.get(key, [])}
        return cls(**data)  # type: ignore[call-arg]  # the dataclass takes its fields


def encode(value: Any) -> Any:
    """Make ``value`` JSON-safe; datetimes become ``{"$dt": iso}``."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(value, dict):
        if set(value) == {"$dt"}:
            return datetime.fromisoformat(value["$dt"]).astimezone(UTC)
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


class SavedState:
    """Mixin: ``save`` / ``load`` of the whole sandbox.

    The host sets ``lock``, ``settings`` (a dataclass) and ``_activity_rng``, names in
    ``records_key`` both its dict of records (``stores`` / ``shops``) and the file's key for
    them, and is built as ``cls(records, settings=..., clock=...)`` (``clock=None``: its
    default clock).
    """

    records_key: ClassVar[str]
    record_type: ClassVar[type[SavedRecords]]
    settings_type: ClassVar[type[Any]]

    lock: threading.RLock
    settings: Any
    _activity_rng: random.Random

    def save(self, path: Path | str) -> None:
        """Write atomically (a ``.tmp`` file then a rename): a crash never leaves half a file."""
        records: dict[str, SavedRecords] = getattr(self, self.records_key)
        with self.lock:
            state = self._activity_rng.getstate()
            doc = {
                "version": 1,
                "settings": asdict(self.settings),
                "activity_rng": [state[0], list(state[1]), state[2]],
                self.records_key: [r.to_json() for r in records.values()],
            }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(doc))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path | str, *, clock: Clock | None = None) -> Self:
        """The sandbox saved at ``path``, its activity generator where it stopped."""
        doc = json.loads(Path(path).read_text())
        records = [cls.record_type.from_json(raw) for raw in doc[cls.records_key]]
        settings = cls.settings_type(**doc["settings"])
        sandbox = cls(records, settings=settings, clock=clock)  # type: ignore[call-arg]
        version, internal, gauss = doc["activity_rng"]
        sandbox._activity_rng.setstate((version, tuple(internal), gauss))
        return sandbox

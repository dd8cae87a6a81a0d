"""The raw zone: each extract writes its pages as gzip NDJSON files, one folder per window.

``landing/<connection>/<stream>/window=<start>--<end>/page-000001.ndjson.gz``

A folder is written under a temporary name and swapped in whole, so a window's files
are always one complete extract (re-running the window replaces them). The files are the
audit trail and let staging be rebuilt without calling the store again.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecom_sync.crashpoints import crash_point

_STAMP = "%Y%m%dT%H%M%SZ"
REJECTED_PART = "rejected"  # records an extract could not land, with why (staging lists them)


@dataclass
class ExtractStats:
    records: int = 0
    pages: int = 0
    requests: int = 0
    retries: int = 0
    repeated: int = 0  # records served again (same key and version), landed once
    skipped: dict[str, int] = field(default_factory=dict)  # reason → records left out
    deferred: int = 0  # in the window but after the run's upper bound: a later run lands them

    def as_metadata(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "pages": self.pages,
            "api_requests": self.requests,
            "api_retries": self.retries,
            "repeated_records": self.repeated,
            "deferred": self.deferred,
            "skipped": dict(self.skipped),
        }


@dataclass(frozen=True)
class Window:
    """A half-open UTC window ``[start, end)``; partitions and API filters use it."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError(f"empty window {self.start} .. {self.end}")

    @property
    def folder(self) -> str:
        return f"window={self.start.astimezone(UTC):{_STAMP}}--{self.end.astimezone(UTC):{_STAMP}}"

    @classmethod
    def from_folder(cls, name: str) -> Window | None:
        if not name.startswith("window="):
            return None
        try:
            start, end = name.removeprefix("window=").split("--")
            return cls(
                datetime.strptime(start, _STAMP).replace(tzinfo=UTC),
                datetime.strptime(end, _STAMP).replace(tzinfo=UTC),
            )
        except ValueError:
            return None

    def contains(self, ts: datetime) -> bool:
        return self.start <= ts < self.end


def stream_dir(root: Path, connection: str, stream: str) -> Path:
    return root / connection / stream


def write_page_file(
    folder: Path, part: str, number: int, records: Iterable[dict[str, Any]]
) -> int:
    """Write ``<part>-<number>.ndjson.gz`` (gzip NDJSON) in ``folder``; returns the number of
    records. An empty page leaves no file. Shared by :class:`LandingWriter` and the
    benchmark's generator, which writes pages in parallel without a writer."""
    path = folder / f"{part}-{number:06d}.ndjson.gz"
    n = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=3) as fh:
        for record in records:
            fh.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
            fh.write("\n")
            n += 1
    if n == 0:
        path.unlink()
    return n


def swap_in(tmp: Path, final: Path) -> None:
    """Put folder ``tmp`` where ``final`` is, whole: readers see the old folder or the new
    one, never half of either (a process killed between the two renames leaves the old one
    aside, named after it: :func:`recover_swaps` puts it back)."""
    trash = None
    if final.exists():
        trash = final.parent / f"{_ASIDE}{final.name}{_ASIDE_END}{uuid.uuid4().hex}"
        final.rename(trash)
        crash_point("landing.swap")
    try:
        tmp.rename(final)
    except OSError:
        # Put the previous extract back where readers look for it.
        if trash is not None:
            trash.rename(final)
        raise
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


_ASIDE, _ASIDE_END = ".old-", "~"
STALE_TMP_S = 3600.0  # a writer's folder untouched this long belongs to a dead process


def recover_swaps(base: Path) -> None:
    """Undo what a killed writer left in a stream's folder: a window folder set aside by a
    swap that never finished goes back in place (it is the last complete extract), one
    replaced already is deleted, and writing folders untouched for an hour are removed."""
    if not base.is_dir():
        return
    for child in base.iterdir():
        if child.name.startswith(_ASIDE) and _ASIDE_END in child.name:
            final = base / child.name[len(_ASIDE):].rpartition(_ASIDE_END)[0]
            if final.exists():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.rename(final)
        elif child.name.startswith(".tmp-") and \
                time.time() - child.stat().st_mtime > STALE_TMP_S:
            shutil.rmtree(child, ignore_errors=True)


class LandingWriter:
    """Writes one window of one stream; ``commit`` swaps the folder in atomically."""

    def __init__(self, root: Path, connection: str, stream: str, window: Window) -> None:
        self.base = stream_dir(root, connection, stream)
        recover_swaps(self.base)  # one writer per connection at a time (its api_ pool)
        self.window = window
        self.final = self.base / window.folder
        self.tmp = self.base / f".tmp-{uuid.uuid4().hex}"
        self.tmp.mkdir(parents=True)
        self.counts: dict[str, int] = {}
        self.pages: dict[str, int] = {}

    def write_page(self, records: Iterable[dict[str, Any]], part: str = "page") -> int:
        """One page → one file. Returns the number of records written."""
        number = self.pages.get(part, 0) + 1
        n = write_page_file(self.tmp, part, number, records)
        crash_point("landing.page")
        if n == 0:
            return 0
        self.pages[part] = number
        self.counts[part] = self.counts.get(part, 0) + n
        return n

    def commit(self, **manifest: Any) -> Path:
        info = {
            "window_start": self.window.start.isoformat(),
            "window_end": self.window.end.isoformat(),
            "committed_at": datetime.now(UTC).isoformat(),
            "records": self.counts,
            "pages": self.pages,
            **manifest,
        }
        (self.tmp / "_manifest.json").write_text(json.dumps(info, indent=2, default=str))
        swap_in(self.tmp, self.final)
        return self.final

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> LandingWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is not None or self.tmp.exists():
            self.abort()


def landed_windows(root: Path, connection: str, stream: str) -> Iterator[tuple[Window, Path]]:
    base = stream_dir(root, connection, stream)
    if not base.is_dir():
        return
    for child in sorted(base.iterdir()):
        window = Window.from_folder(child.name)
        if window is not None and (child / "_manifest.json").exists():
            yield window, child


def landed_files(
    root: Path, connection: str, stream: str, window: Window, part: str = "page"
) -> list[Path]:
    """Files of every committed window folder inside ``window``.

    A run stages the folder it just landed (same window); replaying a range stages every
    extract made within it. A daily run does not re-read a historical extract that spans it.
    """
    files: list[Path] = []
    for landed, folder in landed_windows(root, connection, stream):
        if window.start <= landed.start and landed.end <= window.end:
            files.extend(sorted(folder.glob(f"{part}-*.ndjson.gz")))
    return files


def utc_ts(value: str) -> datetime:
    """An ISO 8601 timestamp (``Z`` or any offset) in UTC, to compare with a window."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)

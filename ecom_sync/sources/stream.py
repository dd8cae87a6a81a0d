"""The base stream: one declaration per stream, one extract loop for every platform.

A platform declares each stream as data (path, key, cursor, how the window becomes
request parameters, the paginator, where the records sit in the body) plus the hooks it
needs, the way singer-sdk streams or Airbyte's declarative manifests do. What every
source repeats lives here once: the walk over slices with a fixed upper bound, restarts
on an expired cursor, the half-open window filter (widened by a lookback for the store's
clock skew and late data), records served twice landed once, enrichment, landing each
page with ``_extracted_at``, counted skips and the request/retry stats.

A record whose key or cursor cannot be read is landed as the API gave it (the API filter
put it in this window): staging rejects it into ``staging.rejected_records`` with the
reason, so it shows in ``canonical.skipped_records`` instead of vanishing here.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.http import ApiClient, ReconnectRequired, SourceError
from ecom_sync.sources.landing import REJECTED_PART, ExtractStats, LandingWriter, Window, utc_ts
from ecom_sync.sources.paginators import (
    ExpiredCursor,
    ListRequest,
    Page,
    Paginator,
    Record,
    RecordsAt,
)

log = logging.getLogger(__name__)

# How a walk's bounds become request parameters: (lower, upper) → query / body fields.
WindowParams = Callable[[datetime, datetime], dict[str, Any]]
# Extra parameters per walk: one walk per entry (a status, a location).
Slices = Sequence[Mapping[str, Any]]


def bounds(lower: str, upper: str, fmt: Callable[[datetime], str]) -> WindowParams:
    """The usual filter pair, e.g. ``date_modified:min`` / ``date_modified:max``."""
    return lambda lo, hi: {lower: fmt(lo), upper: fmt(hi)}


def no_window(lo: datetime, hi: datetime) -> dict[str, Any]:
    """For listings the API cannot filter by time (the window filter still applies)."""
    return {}


@dataclass
class StreamRun:
    """One extract of one stream: what hooks see and may use."""

    conn: ConnectionConfig
    api: ApiClient
    window: Window
    # min(window end, now): a walk never asks for the future. A ``check`` hook may narrow
    # it (records become visible later, e.g. shop-site carts only once a back-office sync
    # has finished); records after it are left to a later run, counted in ``deferred``.
    upper: datetime
    writer: LandingWriter
    stats: ExtractStats
    extracted_at: str
    lower: datetime  # the window's start minus the lookback (clock skew, late data)
    landed: set[int] = field(default_factory=set)  # (key, cursor) of records landed

    rejected: list[Record] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        """Count a record left out, with the reason (visible in the run's metadata)."""
        self.stats.skipped[reason] = self.stats.skipped.get(reason, 0) + 1

    def reject(self, record: Any, record_id: Any, reason: str) -> None:
        """A record that cannot be landed: counted here, and landed as a rejection (its id,
        the reason) that staging lists in ``staging.rejected_records``."""
        self.skip(reason)
        fingerprint = hashlib.md5(json.dumps(record, sort_keys=True, default=str).encode())
        self.rejected.append({"record_id": None if record_id is None else str(record_id),
                              "reason": reason, "fingerprint": fingerprint.hexdigest(),
                              "_extracted_at": self.extracted_at})


@dataclass(frozen=True)
class Part:
    """A small listing landed whole beside a stream on every run (no time filter), e.g.
    BigCommerce's category tree; staged into its own table, newest extract wins."""

    name: str
    staging_table: str
    path: str
    paginator: Paginator
    records: RecordsAt = "data"
    params: Mapping[str, Any] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ("id",)


@dataclass(frozen=True)
class Stream:
    """One stream of a platform, declared as data, plus optional hooks.

    Data: ``path``/``method``/``params`` (query of a GET, body of a POST),
    ``window_params`` (the walk's bounds → request fields), ``paginator``, ``records``
    (where the list sits in the body, or a function of the body), ``cursor_field`` and
    ``parse_cursor`` (the platform's timestamp format), ``slices`` (one walk per extra
    parameter set: a status, a location; or a function of the connection), ``restarts``
    (walks restarted when the API expires a cursor: from the newest cursor value seen if
    ``sorted_by_cursor``, else from the window's start), ``max_page_size`` (the endpoint's
    limit, below the connection's ``page_size``), ``lookback`` (data that reaches the API
    late, stamped in the past: each walk starts that much before the window, at least the
    connection's ``clock_skew_s``, and lands those records too), ``version_field``
    (staging keeps the newest cursor, then the highest version), ``parts``. Hooks, each
    given the :class:`StreamRun`: ``check`` before any page (a missing scope, an unknown
    location), ``read`` instead of the API walk (records announced by webhooks),
    ``enrich`` per kept record (sub-resources).
    """

    name: str
    primary_key: tuple[str, ...]
    cursor_field: str
    staging_table: str
    description: str
    path: str = ""
    paginator: Paginator | None = None
    window_params: WindowParams = no_window
    records: RecordsAt = "data"
    method: str = "GET"
    params: Mapping[str, Any] = field(default_factory=dict)
    parse_cursor: Callable[[Any], datetime] = utc_ts
    slices: Slices | Callable[[ConnectionConfig], Slices] = ({},)
    restarts: int = 0
    sorted_by_cursor: bool = True
    max_page_size: int | None = None
    lookback: timedelta = timedelta(0)
    version_field: str | None = None
    parts: tuple[Part, ...] = ()
    check: Callable[[StreamRun], None] | None = None
    read: Callable[[StreamRun], Iterable[Page]] | None = None
    enrich: Callable[[StreamRun, Record], Record] | None = None

    # -- the extract ----------------------------------------------------------------------

    def extract(
        self, api: ApiClient, conn: ConnectionConfig, window: Window, writer: LandingWriter
    ) -> ExtractStats:
        """Page the API for ``window`` and land every page through ``writer``."""
        now = datetime.now(UTC)
        run = StreamRun(conn, api, window, min(window.end, now), writer, ExtractStats(),
                        now.isoformat(), self.lower_bound(conn, window))
        if self.check is not None:
            self.check(run)
        if run.upper < run.lower:  # narrowed below the walk: nothing is visible yet
            pages: Iterable[Page] = ()
        else:
            pages = self.read(run) if self.read is not None else self.walk(run)
        for page in pages:
            self._land(run, page)
        for part in self.parts:
            request = ListRequest(api, part.path, part.params, conn.page_size, part.records)
            for page in part.paginator.pages(request):
                writer.write_page(({**r, "_extracted_at": run.extracted_at} for r in page),
                                  part=part.name)
        run.stats.requests = api.requests_made
        run.stats.retries = api.retries
        return run.stats

    def lower_bound(self, conn: ConnectionConfig, window: Window) -> datetime:
        """Where walks of ``window`` start: its start, less the stream's lookback or the
        store's clock skew, whichever is longer. A record the store stamps with a clock
        behind ours (or commits late) can carry a time before a window that was already
        walked; the next window's walk still reaches back to it."""
        skew = timedelta(seconds=conn.clock_skew_s)
        return window.start - max(self.lookback, skew)

    def walk(self, run: StreamRun) -> Iterator[Page]:
        """Every slice's pages for ``[lower, upper]`` (API bounds are inclusive; ``_land``
        keeps the half-open window, widened by the lookback). A record listed under two
        slices, or served twice, is landed once (``_land``)."""
        assert self.paginator is not None, f"stream {self.name}: no paginator and no read hook"
        slices = self.slices(run.conn) if callable(self.slices) else self.slices
        for extra in slices:
            yield from self._walk_slice(run, extra)

    def _walk_slice(self, run: StreamRun, extra: Mapping[str, Any]) -> Iterator[Page]:
        assert self.paginator is not None
        lower = run.lower
        page_size = min(run.conn.page_size, self.max_page_size or run.conn.page_size)
        for attempt in range(self.restarts + 1):
            params = {**self.params, **extra, **self.window_params(lower, run.upper)}
            request = ListRequest(run.api, self.path, params, page_size, self.records,
                                  self.method)
            last: Page = []
            try:
                for page in self.paginator.pages(request):
                    yield page
                    last = page or last
                return
            except ExpiredCursor:
                if attempt == self.restarts:
                    raise
                newest = max(filter(None, map(self._cursor, last)), default=None)
                # Pages in cursor order resume from the newest value seen, inclusive; others
                # walk the slice again. Records come twice; staging keeps one per key.
                if self.sorted_by_cursor and newest is not None:
                    lower = newest
                log.info("%s: cursor expired; walking again from %s", self.name, lower)

    def _land(self, run: StreamRun, page: Page) -> None:
        run.stats.pages += 1
        kept = []
        for record in page:
            if not isinstance(record, dict):
                run.reject(record, None, "not_an_object")
                continue
            cursor = self._cursor(record)
            if cursor is not None and not run.lower <= cursor < run.window.end:
                continue  # another window's (API bounds are inclusive)
            if cursor is not None and cursor > run.upper:
                run.stats.deferred += 1  # not visible yet: the next run of the window lands it
                continue
            served = self._fingerprint(record)
            if served in run.landed:
                run.stats.repeated += 1  # the same version again: a page repeated
                continue
            run.landed.add(served)
            kept.append(record)  # an unreadable cursor lands for staging to reject
        if self.enrich is not None:
            kept = [r for r in (self._enriched(run, r) for r in kept) if r is not None]
        run.stats.records += run.writer.write_page(
            {**r, "_extracted_at": run.extracted_at} for r in kept
        )
        if run.rejected:
            run.writer.write_page(run.rejected, part=REJECTED_PART)
            run.rejected.clear()

    def _enriched(self, run: StreamRun, record: Record) -> Record | None:
        """The record with its sub-resources. One without an id lands as given (staging
        rejects it with the reason); one whose sub-resources the API refuses (a 4xx: an id
        of the wrong type, the record gone meanwhile) is rejected, never failing the run.
        Outages and refused credentials still stop the run."""
        assert self.enrich is not None
        if not self._has_key(record):
            return record
        try:
            return self.enrich(run, record)
        except SourceError as exc:
            if isinstance(exc, ReconnectRequired) or exc.status is None or exc.status == 429 \
                    or exc.status >= 500:
                raise
            run.reject(record, record.get(self.primary_key[0]), f"sub_resources_http_{exc.status}")
            return None

    def _fingerprint(self, record: Record) -> int:
        """The record's key and version (cursor, and ``version_field`` if any); the whole
        record when its key is incomplete."""
        if self._has_key(record):
            version = (record.get(self.cursor_field),
                       record.get(self.version_field) if self.version_field else None)
            return hash((self._key(record), repr(version)))
        return hash(json.dumps(record, sort_keys=True, default=str))

    def _has_key(self, record: Record) -> bool:
        return all(record.get(k) not in (None, "") for k in self.primary_key)

    def _cursor(self, record: Record) -> datetime | None:
        try:
            return self.parse_cursor(record[self.cursor_field])
        except (AttributeError, KeyError, TypeError, ValueError):
            return None

    def _key(self, record: Record) -> tuple[str, ...]:
        return tuple(str(record.get(k)) for k in self.primary_key)

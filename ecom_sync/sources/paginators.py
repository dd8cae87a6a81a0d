"""How a list endpoint is paged, declared once and reused by every platform's streams.

A :class:`ListRequest` is the first request of a walk (path, filters, page size, where the
records sit in the body); a :class:`Paginator` turns it into pages. Pick the most stable
style the endpoint offers: a server cursor, then keyset by id or by time, then page
numbers with a re-walk when the total moved (specs/sources.md 1.2, 2.2, 3.2;
specs/shopsite.md).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from ecom_sync.sources.http import ApiClient, SourceError

log = logging.getLogger(__name__)

Record = dict[str, Any]
Page = list[Record]
# Where a body holds its records: a dotted path (``"data"``, ``"meta.items"``), ``None`` for
# the body itself, or a function of the body (records joined with related objects).
RecordsAt = str | Callable[[Any], Any] | None


class ExpiredCursor(SourceError):
    """The API refused a continuation (cursor too old); the stream may restart the walk
    from the newest cursor value it saw."""


def dig(body: Any, path: str | None) -> Any:
    """``body["a"]["b"]`` for ``"a.b"``; ``None`` when a level is missing. ``path=None``
    is the body itself (a bare JSON array, BigCommerce v2)."""
    if path is None:
        return body
    for key in path.split("."):
        if not isinstance(body, Mapping):
            return None
        body = body.get(key)
    return body


@dataclass(frozen=True)
class ListRequest:
    """The first request of a walk. ``params`` are the query of a GET and the JSON body of
    a POST (Square's searches); paginators add their own keys to it."""

    api: ApiClient
    path: str
    params: Mapping[str, Any]
    page_size: int
    records: RecordsAt = "data"
    method: str = "GET"

    def send(self, params: Mapping[str, Any] | None, path: str | None = None) -> httpx.Response:
        target = path or self.path
        if self.method == "GET":
            return self.api.request("GET", target, params=params)
        # A search by POST reads only: safe to send again when its answer was lost.
        return self.api.request(self.method, target, json=dict(params or {}), idempotent=True)

    def records_of(self, response: httpx.Response) -> Page | None:
        """The page's records; ``None`` for 204 / no body (past the last page). Records
        that are not a list (a body of another shape) fail the walk: taking them for an
        empty page would end it early and lose the rest."""
        if response.status_code == 204 or not response.content:
            return None
        body = response.json()
        found = self.records(body) if callable(self.records) else dig(body, self.records)
        if found is not None and not isinstance(found, list):
            where = self.records if isinstance(self.records, str) else "the body"
            raise SourceError(f"{self.api.label}: {self.path} answered a body whose "
                              f"records ({where}) are not a list")
        return list(found or [])


class Paginator(ABC):
    """Turns a first request into pages. Every page a response carried is yielded, an
    empty one included; a 204 ends the walk without a page."""

    size_param: str = "limit"

    @abstractmethod
    def pages(self, request: ListRequest) -> Iterator[Page]: ...


def fetch_all(request: ListRequest, paginator: Paginator) -> list[Record]:
    """Every record of a small listing (sub-resources, hooks, a category tree)."""
    return [record for page in paginator.pages(request) for record in page]


@dataclass(frozen=True)
class PageNumber(Paginator):
    """``page=1,2,…``. The walk ends on an empty page, at ``total_pages`` when the body
    says it, else on a short page. With ``rewalk_when_total_moves`` a total that changed
    during the walk (a row left an earlier page, shifting the rest) means walk again;
    duplicates are harmless, staging keeps one version per key."""

    size_param: str = "limit"
    page_param: str = "page"
    total_pages: str | None = None  # where the body says how many pages there are
    total: str | None = None  # where the body says how many records there are
    rewalk_when_total_moves: bool = False
    max_walks: int = 3

    def pages(self, request: ListRequest) -> Iterator[Page]:
        walks = self.max_walks if self.rewalk_when_total_moves else 1
        for walk in range(1, walks + 1):
            totals: set[Any] = set()
            yield from self._walk(request, totals)
            if len(totals) <= 1:
                return
            if walk < walks:
                log.info("%s: total changed during pagination, walking again (%d)",
                         request.path, walk)
        log.warning("%s: still changing after %d walks; the next run picks up the rest",
                    request.path, walks)

    def _walk(self, request: ListRequest, totals: set[Any]) -> Iterator[Page]:
        page = 1
        while True:
            query = {**request.params, self.page_param: page, self.size_param: request.page_size}
            response = request.send(query)
            records = request.records_of(response)
            if records is None:
                return
            body = response.json()
            if self.total is not None:
                totals.add(dig(body, self.total))
            yield records
            if not records:
                return
            if self.total_pages is not None:
                last = dig(body, self.total_pages)
                if last is None or page >= int(last):
                    return
            elif len(records) < request.page_size:
                return
            page += 1


@dataclass(frozen=True)
class Keyset(Paginator):
    """Pages by the highest id seen: ``param`` starts at ``first`` and then is the last
    id plus ``step`` (``min_id``: step 1; ``id:greater``: step 0). ``sort`` makes the
    endpoint return ids ascending. A record leaving the filter mid-walk shifts nothing."""

    param: str
    first: int
    step: int
    sort: Mapping[str, Any] = field(default_factory=dict)
    key: str = "id"
    size_param: str = "limit"

    def pages(self, request: ListRequest) -> Iterator[Page]:
        value = self.first
        while True:
            query = {**request.params, **self.sort, self.param: value,
                     self.size_param: request.page_size}
            records = request.records_of(request.send(query))
            if not records:
                return
            yield records
            if len(records) < request.page_size:
                return
            ids = [i for i in map(self._id, records) if i is not None]
            if not ids or max(ids) + self.step <= value:
                raise SourceError(f"{request.api.label}: {request.path} answered a full page "
                                  f"without a higher {self.key}; pagination cannot advance")
            value = max(ids) + self.step

    def _id(self, record: Any) -> int | None:
        """A record's id for the next page; one without a usable id does not move it."""
        try:
            return int(record[self.key])
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class TimeKeyset(Paginator):
    """For lists ordered by ``(cursor, key)`` with an inclusive lower-bound filter
    (``param``, e.g. ``modified_since``): after each full page the filter moves to the
    page's last cursor value, as the API wrote it, and the page number starts again at 1;
    records at that value already read are dropped. Only a full page that shares one
    value moves the page number instead. A record changed mid-walk moves ahead of the
    walk and is read again, never skipped, even without an upper-bound filter (page
    numbers would shift the rest under it)."""

    param: str
    cursor: str
    key: str = "id"
    size_param: str = "per_page"
    page_param: str = "page"

    def pages(self, request: ListRequest) -> Iterator[Page]:
        since = request.params.get(self.param)
        page = 1
        seen: set[Any] = set()  # keys read whose cursor value is ``since``
        while True:
            query = {**request.params, self.param: since, self.page_param: page,
                     self.size_param: request.page_size}
            records = request.records_of(request.send(query))
            if records is None:
                return
            yield [r for r in records
                   if not (r.get(self.cursor) == since and r.get(self.key) in seen)]
            if len(records) < request.page_size:
                return
            last = records[-1].get(self.cursor)
            at_last = {r.get(self.key) for r in records if r.get(self.cursor) == last}
            if last == since:
                page, seen = page + 1, seen | at_last
            else:
                since, page, seen = last, 1, at_last


@dataclass(frozen=True)
class Cursor(Paginator):
    """A server cursor sent back with the identical query: in the query of a GET, in the
    body of a POST. ``next_cursor`` reads it from the body (absent: last page).
    ``empty_page_ends``: an empty page ends the walk even with a cursor; off, a cursor is
    followed through empty pages (Square: "a cursor means more", and its page size is
    advisory), and a cursor that comes back unchanged is an error, not an endless walk.
    ``expired_status`` (and ``expired_code``, the API's error code, when the status alone
    does not say it): how a stale cursor is refused (``ExpiredCursor``)."""

    next_cursor: Callable[[Any], str | None]
    param: str = "cursor"
    size_param: str = "limit"
    expired_status: int | None = None
    expired_code: str | None = None
    empty_page_ends: bool = True

    def pages(self, request: ListRequest) -> Iterator[Page]:
        query: dict[str, Any] = {**request.params, self.size_param: request.page_size}
        while True:
            response = _continue(request, query, self.param in query, self.expired_status,
                                 expired_code=self.expired_code)
            records = request.records_of(response)
            if records is None:
                return
            yield records
            cursor = self.next_cursor(response.json())
            if not cursor or (not records and self.empty_page_ends):
                return
            if cursor == query.get(self.param):
                raise SourceError(f"{request.api.label}: {request.path} returned the cursor "
                                  "it was given; pagination does not advance")
            query = {**query, self.param: cursor}


@dataclass(frozen=True)
class LinkHeader(Paginator):
    """Shopify: the filters go on the first request only; after that the ``Link`` header's
    ``rel="next"`` URL is followed exactly as given. A 400 on such a URL is an expired
    ``page_info``."""

    size_param: str = "limit"
    expired_status: int | None = 400

    def pages(self, request: ListRequest) -> Iterator[Page]:
        first = replace(request, params={**request.params, self.size_param: request.page_size})
        response = first.send(first.params)
        while True:
            records = request.records_of(response)
            if records is None:
                return
            yield records
            url = response.links.get("next", {}).get("url")
            if not url:
                return
            response = _continue(request, None, True, self.expired_status, path=url)


def _continue(
    request: ListRequest, params: Mapping[str, Any] | None, later: bool,
    expired_status: int | None, path: str | None = None, expired_code: str | None = None,
) -> httpx.Response:
    """Send; a refused continuation with ``expired_status`` (and ``expired_code``, if
    given) becomes ``ExpiredCursor``."""
    try:
        return request.send(params, path)
    except SourceError as exc:
        if (later and expired_status is not None and exc.status == expired_status
                and expired_code in (None, exc.code)):
            raise ExpiredCursor(str(exc), exc.status, exc.code) from None
        raise

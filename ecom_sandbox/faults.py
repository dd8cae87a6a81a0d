"""Fault injection every stand-in shares: one catalogue of faults, a thread-safe list of
them consumed request by request, and what each stand-in declares it can do.

The catalogue (issue 13) has two halves:

- **transport** kinds, the same for every API and done once by the ASGI wrapper in
  ``ecom_sandbox/wire.py``: ``http_429`` (429 without rate-limit headers: platform-wide
  load), ``http_5xx`` (``status``, a gateway's HTML body), ``slow`` (the answer waits
  ``seconds`` after the request was served: past a client timeout, the work is done but
  the answer is lost), ``drop`` (the connection closes half-way through the body),
  ``truncated_json`` (a complete 200 whose JSON is cut short) and ``invalid_json`` (a 200
  whose body is not JSON at all: the API served it, a proxy put its own page there);
- **API** kinds, done by each stand-in in its own terms: ``rate_limited`` (429 with the
  API's real rate-limit headers), ``repeat_page`` (a list page that starts with records of
  the page before), ``expired_cursor`` (a continuation refused as the API refuses a stale
  cursor), ``modified_while_paging`` (records already served change before the next page
  is served) and ``clock_skew`` (the store's clock is ``seconds`` off: records it changes
  meanwhile are stamped with that clock).

A stand-in's :class:`FaultList` subclass names the API kinds it implements in
``api_kinds`` (and may keep kinds of its own, ``own_kinds``); the transport kinds come
with the wrapper. Every fault can be limited to one store (``store``), to requests whose
path contains ``path``, and may let ``skip`` matching requests through first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

TRANSPORT_KINDS = ("http_429", "http_5xx", "slow", "drop", "truncated_json", "invalid_json")
API_KINDS = ("rate_limited", "repeat_page", "expired_cursor", "modified_while_paging",
             "clock_skew")
CATALOGUE = TRANSPORT_KINDS + API_KINDS
# Kinds that do not answer a request themselves (they change time, or data, or add up).
_STATEFUL = ("clock_skew", "latency")


@dataclass
class Fault:
    """One injected fault. ``count``: requests it acts on (``clock_skew``: lasts until
    cleared); ``every``: of those, every n-th is answered; ``skip``: matching requests let
    through first; ``records``: how many records ``repeat_page`` and
    ``modified_while_paging`` take from the page before."""

    kind: str
    count: int = 1
    status: int = 503
    every: int = 1
    seconds: float = 0.0
    store: str | None = None
    path: str | None = None
    skip: int = 0
    records: int = 2
    seen: int = field(default=0)

    def store_filter(self) -> str | None:
        """The store this fault is limited to (subclasses may name the field otherwise)."""
        return self.store

    def matches(self, store: str | None, path: str = "") -> bool:
        wanted = self.store_filter()
        return (self.count > 0 and (wanted is None or wanted == store)
                and (self.path is None or self.path in path))


F = TypeVar("F", bound=Fault)
R = TypeVar("R")


class FaultList(Generic[F]):
    """The faults of one stand-in. Latency faults add up; of the others, the first that
    applies answers the request. Transport kinds are consumed by the wire wrapper, the
    others by the stand-in (``consume`` with the kinds it handles at that point)."""

    fault_type: ClassVar[type[Fault]] = Fault
    api_kinds: ClassVar[tuple[str, ...]] = ()
    own_kinds: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[F] = []
        self.injected: dict[str, int] = {}  # kind → requests answered by it (a count)

    # -- what the stand-in offers ----------------------------------------------------------
    @classmethod
    def catalogue(cls) -> tuple[str, ...]:
        """The catalogue kinds this stand-in supports: the transport ones and its own."""
        return TRANSPORT_KINDS + tuple(k for k in API_KINDS if k in cls.api_kinds)

    @classmethod
    def kinds(cls) -> tuple[str, ...]:
        return cls.catalogue() + tuple(k for k in cls.own_kinds if k not in CATALOGUE)

    @classmethod
    def fields(cls) -> frozenset[str]:
        return frozenset(f.name for f in fields(cls.fault_type)) - {"seen"}

    # -- adding and listing ----------------------------------------------------------------
    def add(self, fault: F) -> F:
        with self._lock:
            self._faults.append(fault)
        return fault

    def add_spec(self, spec: dict[str, Any]) -> F:
        """Add from a JSON spec such as ``{"kind": "http_5xx", "count": 2, "status": 502}``."""
        unknown = set(spec) - self.fields()
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        if spec.get("kind") not in self.kinds():
            raise ValueError(f"unknown fault kind: {spec.get('kind')!r} "
                             f"(this stand-in has: {', '.join(self.kinds())})")
        return self.add(self.fault_type(**spec))  # type: ignore[arg-type]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults if f.count > 0]

    def pending(self, kinds: Iterable[str] | None = None) -> int:
        """Requests the active faults (of ``kinds``) still act on; ``clock_skew`` lasts."""
        wanted = set(kinds) if kinds is not None else None
        with self._lock:
            return sum(f.count for f in self._faults if f.kind != "clock_skew"
                       and (wanted is None or f.kind in wanted))

    # -- consuming -------------------------------------------------------------------------
    def consume(self, store: str | None, answer: Callable[[F], R | None],
                kinds: Iterable[str] | None = None, path: str = "") -> tuple[float, R | None]:
        """Consume the faults (of ``kinds``; default: every kind but the transport ones)
        that apply to one request: (delay, the first answer)."""
        wanted = set(kinds) if kinds is not None else set(self.kinds()) - set(TRANSPORT_KINDS)
        delay = 0.0
        result: R | None = None
        with self._lock:
            for fault in self._faults:
                if fault.kind not in wanted or fault.kind == "clock_skew" \
                        or not fault.matches(store, path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                if fault.kind == "latency":
                    fault.count -= 1
                    delay += fault.seconds
                    continue
                if result is not None:
                    continue
                fault.count -= 1
                fault.seen += 1
                result = answer(fault)
                if result is not None:
                    self.injected[fault.kind] = self.injected.get(fault.kind, 0) + 1
            self._faults = [f for f in self._faults if f.count > 0]
        return delay, result

    def take(self, kind: str, store: str | None, path: str = "") -> F | None:
        """Consume one fault of ``kind`` for this request, if one applies (every n-th)."""
        _, fault = self.consume(store, lambda f: f if f.seen % max(1, f.every) == 0 else None,
                                kinds=(kind,), path=path)
        return fault

    def clock_offset(self, store: str | None = None) -> timedelta:
        """How far the store's clock is off (the ``clock_skew`` faults that apply)."""
        with self._lock:
            seconds = sum(f.seconds for f in self._faults
                          if f.kind == "clock_skew" and f.matches(store))
        return timedelta(seconds=seconds)

    def now(self, clock: Callable[[], datetime], store: str | None = None) -> datetime:
        """``clock()`` as the (possibly skewed) store clock reads it."""
        offset = self.clock_offset(store)
        if offset:
            self.injected["clock_skew"] = self.injected.get("clock_skew", 0) + 1
        return clock() + offset


class ListFaults:
    """The API-level faults of list pages, for a stand-in that knows its list paths: it
    calls :meth:`before_page` before it computes a page (``modified_while_paging``: records
    of the page before change, as the merchant would, through ``touch``) and
    :meth:`after_page` with the rendered records (``repeat_page``: the page before's last
    records come again in front). The last page served per (store, path) is remembered."""

    def __init__(self, faults: FaultList[Any]) -> None:
        self.faults = faults
        self._lock = threading.Lock()
        self._last: dict[tuple[str | None, str], list[Any]] = {}

    def _previous(self, store: str | None, path: str) -> list[Any]:
        with self._lock:
            return list(self._last.get((store, path), []))

    def before_page(self, store: str | None, path: str,
                    touch: Callable[[Any], None]) -> None:
        previous = self._previous(store, path)
        if not previous:
            return
        changed = self.faults.take("modified_while_paging", store, path)
        if changed is not None:
            for record in previous[: max(1, changed.records)]:
                touch(record)

    def after_page(self, store: str | None, path: str, records: list[Any]) -> list[Any]:
        previous = self._previous(store, path)
        with self._lock:
            self._last[(store, path)] = list(records)
        if previous:
            repeat = self.faults.take("repeat_page", store, path)
            if repeat is not None:
                return previous[-max(1, repeat.records):] + records
        return records

"""Fault injection every stand-in shares: a thread-safe list of faults consumed request by
request. Each platform declares its fault kinds and what a fault does to a response."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, Generic, Protocol, TypeVar


class FaultLike(Protocol):
    kind: str
    count: int
    seconds: float
    seen: int

    def matches(self, store: str) -> bool: ...


F = TypeVar("F", bound=FaultLike)
R = TypeVar("R")


class FaultList(Generic[F]):
    """Latency faults add up; of the others, the first that applies answers the request."""

    fault_type: type[F]
    kinds: tuple[str, ...]
    fields: frozenset[str]

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[F] = []

    def add(self, fault: F) -> F:
        with self._lock:
            self._faults.append(fault)
        return fault

    def add_spec(self, spec: dict[str, Any]) -> F:
        """Add from a JSON spec such as ``{"kind": "error", "count": 2, "status": 502}``."""
        unknown = set(spec) - self.fields
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        if spec.get("kind") not in self.kinds:
            raise ValueError(f"unknown fault kind: {spec.get('kind')!r}")
        return self.add(self.fault_type(**spec))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults if f.count > 0]  # type: ignore[call-overload]

    def consume(self, store: str, answer: Callable[[F], R | None]) -> tuple[float, R | None]:
        """Consume the faults that apply to one request: (delay, the first answer)."""
        delay = 0.0
        result: R | None = None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(store):
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
            self._faults = [f for f in self._faults if f.count > 0]
        return delay, result

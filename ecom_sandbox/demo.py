"""What the demo needs from a stand-in, whatever API it imitates.

Each stand-in folder has a ``demo.py`` with ``demo_stand_in(entries, world)``: it builds
the stand-in for the config entries of its platform (connections) or type
(destinations), given as plain dicts, and returns a :class:`StandIn`. The demo starts
them in config order and serves each at its entries' URLs; adding an API adds a folder
here and touches no other stand-in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from starlette.types import ASGIApp


@dataclass
class DemoWorld:
    """What stand-ins share in one demo: the seed, the state folder, and the e-mail
    addresses earlier stand-ins made (later ones reuse some, so one person buys in
    several stores: C1 across platforms)."""

    seed: int
    state_dir: Path
    shared_emails: list[str] = field(default_factory=list)

    @staticmethod
    def days_since(day: date | str) -> int:
        day = date.fromisoformat(day) if isinstance(day, str) else day
        return max(1, (datetime.now(UTC).date() - day).days)


class StandIn(Protocol):
    """One stand-in API serving every entry of its platform in the demo."""

    def app(self) -> ASGIApp: ...

    def add_activity(self) -> dict[str, dict[str, int]]:
        """New store activity (orders, customers, carts ...), counts per store."""
        ...

    def after_activity(self) -> None:
        """Let time-driven behaviour catch up (e.g. abandoned-cart webhooks)."""
        ...

    def request_counts(self) -> dict[str, int]:
        """API requests served, per store name."""
        ...

    def summary_text(self) -> str | None:
        """What a destination now holds (None for sources)."""
        ...


class StandInBase:
    """Defaults for the optional parts of :class:`StandIn`."""

    def add_activity(self) -> dict[str, dict[str, int]]:
        return {}

    def after_activity(self) -> None:
        return None

    def request_counts(self) -> dict[str, int]:
        return {}

    def summary_text(self) -> str | None:
        return None


class StoreStandIn(StandInBase):
    """A store stand-in (a source API) around its sandbox, which has ``add_activity()``
    and a ``summary()`` with each store's name and request count."""

    def __init__(self, sandbox: Any, create_app: Callable[[Any], ASGIApp]) -> None:
        self.sandbox = sandbox
        self._create_app = create_app

    def app(self) -> ASGIApp:
        return self._create_app(self.sandbox)

    def add_activity(self) -> dict[str, dict[str, int]]:
        return self.sandbox.add_activity()

    def request_counts(self) -> dict[str, int]:
        return {s["name"]: s["counts"]["requests"] for s in self.sandbox.summary().values()}


def demo_stand_in(api: str, entries: list[dict[str, Any]], world: DemoWorld) -> StandIn:
    """The stand-in of ``api`` (a platform or destination type) for ``entries``."""
    try:
        module = importlib.import_module(f"ecom_sandbox.{api}.demo")
    except ModuleNotFoundError as exc:
        raise LookupError(f"no stand-in for '{api}' in ecom_sandbox") from exc
    return module.demo_stand_in(entries, world)

"""What every destination does the same way: open its API client for a publish, a
read-back or an erasure and close it after, and record each publish in its ledger. A
destination folder subclasses :class:`Destination` and fills in the hooks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from ecom_sync.config import DestinationConfig
from ecom_sync.publish.erasure import DestinationErasure, PersonObject
from ecom_sync.publish.ledger import Ledger
from ecom_sync.publish.report import PublishReport


class Destination:
    type: str
    config_model: type[DestinationConfig]
    sql_dir: Path
    kinds: tuple[str, ...]

    # -- hooks ------------------------------------------------------------------------

    def client(self, dest: Any) -> Any:
        """A new API client for ``dest`` (anything with ``close()``)."""
        raise NotImplementedError

    def outbox_params(self, dest: Any) -> dict[str, Any]:
        return {}

    def dry_run(self, dest: Any, outbox: Path, ledger: Ledger,
                publish_time: datetime) -> PublishReport:
        """What a publish would send; no client, so no token is needed."""
        raise NotImplementedError

    def send(self, dest: Any, client: Any, outbox: Path, ledger: Ledger,
             publish_time: datetime, fire_nothing: bool) -> PublishReport:
        raise NotImplementedError

    def read_back(self, dest: Any, client: Any, max_requests: int | None) -> Any:
        """The read-back ``ecom_sync.publish.reconcile`` walks."""
        raise NotImplementedError

    def erase_person(self, dest: Any, client: Any, email_key: str,
                     objects: list[PersonObject]) -> DestinationErasure:
        raise NotImplementedError

    # -- what callers use -------------------------------------------------------------

    def publish(
        self,
        dest: Any,
        outbox: Path,
        ledger_path: Path,
        publish_time: datetime,
        *,
        dry_run: bool = False,
        fire_nothing: bool = False,
    ) -> PublishReport:
        with Ledger(ledger_path) as ledger:
            if dry_run:
                return self.dry_run(dest, outbox, ledger, publish_time)
            with closing(self.client(dest)) as client:
                report = self.send(dest, client, outbox, ledger, publish_time, fire_nothing)
            ledger.record_run(publish_time, False, report.requests, report.text())
            return report

    @contextmanager
    def readback(self, dest: Any, max_requests: int | None = None) -> Iterator[Any]:
        """Reads the destination back with the publisher's client and pacing, within
        ``max_requests`` requests."""
        with closing(self.client(dest)) as client:
            yield self.read_back(dest, client, max_requests)

    def erase(self, dest: Any, email_key: str,
              objects: list[PersonObject]) -> DestinationErasure:
        """Delete the person (``ecom-sync forget``) as far as the API allows."""
        with closing(self.client(dest)) as client:
            return self.erase_person(dest, client, email_key, objects)

"""Feeds: what a platform can poll with a cursor to sync as soon as something happens at
the store (an order placed, a back-office sync finished) rather than at the next
scheduled sync. Dagster-free: ``defs/feeds.py`` makes one sensor per (connection, feed)
that keeps the feed's cursor and launches one run per item.

A poll returns the new items and the next cursor. An item names the span of store time
its run syncs (its days become the run's partitions) and what it carried (for the UI);
its ``key`` is stable, so the same item never starts two runs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.http import ApiClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedItem:
    key: str  # stable and unique per connection and feed: the run key
    start: datetime  # the run syncs the days from start to end (UTC)
    end: datetime
    carried: tuple[str, ...]  # what it carries (order numbers, a sync run id), for the UI
    happened_at: datetime  # when it happened at the store (the first order placed, the
    #                        sync's end): how long it took to publish is counted from here


@dataclass(frozen=True)
class FeedPoll:
    items: tuple[FeedItem, ...]
    cursor: str  # where the next poll starts


# (api, connection, stored cursor or None for the first poll, now) → what is new
PollFn = Callable[[ApiClient, ConnectionConfig, str | None, datetime], FeedPoll]


@dataclass(frozen=True)
class Feed:
    """One thing a platform can watch. A launched run syncs ``streams`` (landing and
    staging of the item's days), rebuilds canonical and publishes to every destination
    that receives the connection."""

    name: str
    description: str
    streams: tuple[str, ...]
    poll: PollFn
    interval_s: int = 30


def item_key(connection: str, feed: str, versions: Iterable[tuple[str, str]]) -> str:
    """A stable key for the records an item carries (id and version of each)."""
    digest = hashlib.sha1(json.dumps(sorted(versions)).encode()).hexdigest()[:16]
    return f"{connection}:{feed}:{digest}"


@dataclass
class SeenSince:
    """A feed cursor over timestamped records: the newest timestamp handed over and the
    records seen in the ``overlap`` before it (record id → its timestamp, UTC ISO). Polls
    start ``overlap`` early, so a record the store commits a little after stamping it is
    still found, and one already handed over is never handed over again."""

    since: datetime
    overlap: timedelta
    seen: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, raw: str | None, now: datetime, overlap: timedelta) -> SeenSince:
        """The stored cursor; none (or an unreadable one) starts at ``now``: what came
        before is the schedule's and the historical sync's."""
        if raw:
            try:
                doc = json.loads(raw)
                return cls(datetime.fromisoformat(doc["since"]), overlap, dict(doc["seen"]))
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("feed cursor unreadable (%s): starting from now", exc)
        return cls(now.astimezone(UTC), overlap)

    @property
    def poll_from(self) -> datetime:
        return self.since - self.overlap

    def take(self, record_id: str, stamp: datetime) -> bool:
        """Whether this version of the record is new; remembers it."""
        stamp_iso = stamp.astimezone(UTC).isoformat()
        if self.seen.get(record_id) == stamp_iso or stamp < self.poll_from:
            return False
        self.seen[record_id] = stamp_iso
        self.since = max(self.since, stamp.astimezone(UTC))
        return True

    def dump(self) -> str:
        keep = {k: v for k, v in self.seen.items()
                if datetime.fromisoformat(v) >= self.poll_from}
        return json.dumps({"since": self.since.isoformat(), "seen": keep}, sort_keys=True)

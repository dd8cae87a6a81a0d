"""Read-back reconciliation: does the destination hold what the outbox and the ledger say
it should?

A destination plugs in a :class:`ReadBack`: the SQL of what it should hold (``expected``,
per object the fields it compares, from the outbox's payloads and the ledger) and how its
API reads objects back (whole walks in pages, or object by object). Everything read back
goes into a temp table and the comparison is one set of SQL statements: per kind, objects
*missing* (sent, not there), *extra* (there, not ours to send), *different* (which
fields) and *opted out* (a consent signal the destination holds, e.g. an unsubscribe: never
"repaired"), with samples. ``repair`` re-queues the missing and different objects in the
ledger, so the next publish sends those and nothing else.

A full run walks every readable kind; a sampled run (the asset check after each publish)
looks up ``sample`` sent objects per kind, within ``max_requests`` requests.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd

from ecom_sync.publish.ledger import Ledger
from ecom_sync.publish.outbox import OutboxStore
from ecom_sync.sources.erasure import mask_emails

CATEGORIES = ("missing", "extra", "different", "opted_out")
SAMPLES = 5
CURRENCIES_CSV = Path(__file__).resolve().parents[1] / "warehouse" / "currencies.csv"


class OutOfBudget(Exception):
    """The read-back spent the requests it was allowed."""


@dataclass(frozen=True)
class RemoteRow:
    """One object as the destination holds it: the fields the expected SQL names, as
    text. ``fields`` None: looked up by key and not there."""

    kind: str
    key: str
    fields: dict[str, str | None] | None


class ReadBack(Protocol):
    """What a destination reads back and how (its client and pacing underneath)."""

    # Walks in order; each lists the kinds one walk of the API returns (e.g. v3
    # ecomOrders holds orders and carts alike). A full run reads these in pages.
    walks: tuple[tuple[str, ...], ...]
    # Objects per page of a walk (a sampled run walks a kind when that is cheaper).
    page_size: int
    # Kinds it can look up by key (a sampled run; a full run for kinds it cannot walk).
    lookup_kinds: tuple[str, ...]
    # Kinds the sync owns there (e.g. e-commerce objects of its connections): one it does
    # not know is *extra*. Not contacts: an account holds people from elsewhere too.
    owned_kinds: tuple[str, ...]
    # Kinds its API cannot read back, and why (reported, never guessed).
    unreadable: dict[str, str]
    # Kind, field, value meaning "opted out in the destination" (None: no such signal).
    opt_out: tuple[str, str, str] | None

    def expected_sql(self) -> str:
        """Rows ``(kind, key, state, fields, requeue_kind, requeue_key)`` over the views
        ``live`` (the outbox's objects: payload ``p`` and ``state`` sent | stale |
        pending), ``ledger`` and ``currencies``; ``fields`` a JSON object of text values
        (null: not compared)."""
        ...

    def params(self) -> dict[str, Any]:
        """Named parameters of the expected SQL (read from the destination if needed)."""
        ...

    def read_all(self, walk: tuple[str, ...]) -> Iterator[list[RemoteRow]]:
        """Every object of the walk's kinds within the sync's scope, page by page
        (raises :class:`OutOfBudget` when the request budget is spent)."""
        ...

    def read_keys(self, kind: str, keys: list[tuple[str, str | None]]
                  ) -> Iterator[list[RemoteRow]]:
        """Look these objects up by ``(key, remote id the ledger holds)`` (``fields``
        None for one not there)."""
        ...

    def requests_made(self) -> int: ...


@dataclass
class KindDrift:
    checked: int = 0      # objects compared with what the destination holds
    pending: int = 0      # not sent yet (or failed): not drift
    complete: bool = True  # False: the request budget ran out while reading this kind
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    fields: dict[str, int] = field(default_factory=dict)  # differing field → objects
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def drift(self) -> int:
        return self.counts["missing"] + self.counts["extra"] + self.counts["different"]


@dataclass
class ReconcileReport:
    destination: str
    mode: str
    kinds: dict[str, KindDrift] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    opt_outs: list[str] = field(default_factory=list)  # keys of the opt-out kind seen
    requeued: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0

    @property
    def drift(self) -> int:
        return sum(k.drift for k in self.kinds.values())

    def totals(self) -> dict[str, dict[str, int]]:
        return {kind: {"checked": d.checked, **d.counts, "pending": d.pending}
                for kind, d in self.kinds.items()}

    def text(self, mask: bool = False) -> str:
        lines = [f"{self.destination}: reconcile ({self.mode}); {self.requests} requests, "
                 f"{self.seconds:.1f}s; drift {self.drift}"]
        for kind, d in self.kinds.items():
            counts = ", ".join(f"{c.replace('_', ' ')} {d.counts[c]}" for c in CATEGORIES)
            partial = "" if d.complete else " (budget spent: partly read)"
            lines.append(f"  {kind}: checked {d.checked}, {counts}, pending {d.pending}"
                         f"{partial}")
            if d.fields:
                lines.append("    fields: " + ", ".join(f"{f} {n}"
                                                        for f, n in sorted(d.fields.items())))
            for category, samples in d.samples.items():
                for sample in samples:
                    lines.append(f"    {category}: {_show(sample, mask)}")
        for kind, why in self.unreadable.items():
            lines.append(f"  {kind}: not read back: {why}")
        if self.requeued:
            lines.append("  re-queued for the next publish: " + ", ".join(
                f"{k} {n}" for k, n in sorted(self.requeued.items())))
        return "\n".join(lines)

    def samples(self, mask: bool = True) -> dict[str, dict[str, list[str]]]:
        return {kind: {c: [_show(s, mask) for s in rows] for c, rows in d.samples.items()}
                for kind, d in self.kinds.items() if d.samples}


def _show(sample: dict[str, Any], mask: bool) -> str:
    diffs = "; ".join(f"{f}: {want} → {got}" for f, want, got in sample.get("diffs") or [])
    text = f"{sample['key']} ({diffs})" if diffs else str(sample["key"])
    return mask_emails(text) if mask else text


def reconcile(destination: str, readback: ReadBack, outbox: Path, ledger: Ledger, *,
              sample: int | None = None, repair: bool = False) -> ReconcileReport:
    """Compare what the destination holds with the outbox (the canonical tables as the
    destination should hold them) and the ledger; with ``repair``, re-queue what is
    missing or different. ``sample``: look up that many sent objects per kind instead of
    walking everything."""
    started = time.monotonic()
    report = ReconcileReport(destination, "full" if sample is None else f"sample of {sample}",
                             unreadable=dict(readback.unreadable))
    con = ledger.con.cursor()
    try:
        with OutboxStore(outbox).snapshot() as files:
            _expected(con, files.state_sql(
                "kind, key, connection, email_key, placed_at, skip_reason, payload, hash"),
                readback)
            con.execute("create or replace temp table rc_remote (kind varchar, key varchar, "
                        "present boolean, fields json)")
            whole, cut_short = _read(con, readback, sample)
            _diff(con, report, whole, set(readback.owned_kinds), readback.opt_out, cut_short)
        # An unsubscribe seen in the destination holds back every later subscription.
        ledger.record_opt_outs(report.opt_outs, "reconcile")
        if repair:
            report.requeued = _requeue(con, ledger)
    finally:
        con.close()
    report.requests = readback.requests_made()
    report.seconds = time.monotonic() - started
    return report


def _expected(con: duckdb.DuckDBPyConnection, outbox_sql: str, readback: ReadBack) -> None:
    con.execute(f"create or replace temp view outbox as {outbox_sql}")
    con.execute("create or replace temp view ledger as select * from objects")
    # The outbox's objects with their payloads and where the ledger has them: sent (as
    # the outbox has them now), stale (sent, changed since) or pending (not sent yet).
    con.execute("""
        create or replace temp view live as
        select o.kind, o.key, o.connection, o.email_key, o.placed_at, o.skip_reason,
               o.payload::json as p,
               case when l.status = 'sent' and l.hash = o.hash then 'sent'
                    when l.status = 'sent' then 'stale' else 'pending' end as state
        from outbox o
        left join ledger l on l.kind = o.kind and l.key = o.key
        """)
    con.execute("create or replace temp table currencies as select code, "
                "minor_unit::integer as minor_unit from read_csv(?, header = true)",
                [str(CURRENCIES_CSV)])
    params = readback.params()
    sql = readback.expected_sql()
    con.execute(f"create or replace temp table rc_expected as {sql}",
                {k: v for k, v in params.items() if f"${k}" in sql})


def _read(con: duckdb.DuckDBPyConnection, readback: ReadBack, sample: int | None
          ) -> tuple[set[str], set[str]]:
    """Read into ``rc_remote``: a full run walks (paged) what it can and looks up every
    sent object of the kinds it cannot walk; a sampled run looks up ``sample`` sent
    objects per kind, or walks a kind whole when that takes fewer requests (a small
    account). Returns the kinds read whole and those the budget cut short."""
    whole: set[str] = set()
    cut_short: set[str] = set()
    walked: set[str] = set()
    for walk in readback.walks:
        kinds = {k for k in walk if k not in readback.unreadable}
        if kinds and (sample is None or _pages(con, kinds, readback) <= sample * len(kinds)):
            walked |= kinds
            (whole if _load(con, readback.read_all(walk)) else cut_short).update(kinds)
    for kind in readback.lookup_kinds:
        if kind in walked or kind in readback.unreadable:
            continue
        keys = con.execute(
            "select e.key, l.remote_id from rc_expected e "
            "left join ledger l on l.kind = e.kind and l.key = e.key "
            "where e.kind = ? and e.state <> 'pending' order by random() limit ?",
            [kind, sample if sample is not None else 2**62]).fetchall()
        if not _load(con, readback.read_keys(kind, keys)):
            cut_short.add(kind)
        elif sample is None:
            whole.add(kind)
    return whole, cut_short


def _pages(con: duckdb.DuckDBPyConnection, kinds: set[str], readback: ReadBack) -> int:
    """About how many requests a walk of ``kinds`` takes (what the sync expects there)."""
    ((n,),) = con.execute("select count(*) from rc_expected where list_contains(?, kind)",
                          [sorted(kinds)]).fetchall()
    return -(-n // readback.page_size) + 1


def _load(con: duckdb.DuckDBPyConnection, pages: Iterator[list[RemoteRow]]) -> bool:
    """Append what was read to ``rc_remote`` page by page; False if the budget ran out."""
    try:
        for rows in pages:
            if not rows:
                continue
            frame = pd.DataFrame({
                "kind": [r.kind for r in rows], "key": [r.key for r in rows],
                "present": [r.fields is not None for r in rows],
                "fields": [json.dumps(r.fields or {}) for r in rows]})
            con.register("rc_page", frame)
            con.execute("insert into rc_remote select kind, key, present, fields::json "
                        "from rc_page")
            con.unregister("rc_page")
    except OutOfBudget:
        return False
    return True


def _diff(con: duckdb.DuckDBPyConnection, report: ReconcileReport, complete: set[str],
          owned: set[str], opt_out: tuple[str, str, str] | None, cut_short: set[str]
          ) -> None:
    """Classify every object in scope: a kind read whole (``complete``) is compared in
    full, and if the sync ``owned`` it there, objects it does not know are extra;
    otherwise only the keys read back are compared."""
    opt_kind, opt_field, opt_value = opt_out or ("", "", "")
    con.execute("""
        create or replace temp table rc_remote_one as
        select kind, key, bool_or(present) as present, arg_max(fields, present) as fields
        from rc_remote group by all
        """)
    con.execute("""
        create or replace temp table rc_rows as
        select coalesce(e.kind, r.kind) as kind, coalesce(e.key, r.key) as key, e.state,
               e.fields as expected, r.fields as actual, coalesce(r.present, false) as present,
               r.key is not null or list_contains($complete, coalesce(e.kind, r.kind))
                   as in_scope,
               e.requeue_kind, e.requeue_key
        from rc_expected e
        full outer join rc_remote_one r on r.kind = e.kind and r.key = e.key
        """, {"complete": sorted(complete)})
    con.execute("""
        create or replace temp table rc_fields as
        select r.kind, r.key, f as field, r.expected->>f as want, r.actual->>f as got
        from rc_rows r, unnest(json_keys(r.expected)) t(f)
        where r.state = 'sent' and r.present and r.expected->>f is not null
          and (r.expected->>f) is distinct from (r.actual->>f)
        """)
    con.execute("""
        create or replace temp table rc_result as
        select kind, key, 'missing' as category from rc_rows
        where in_scope and state in ('sent', 'stale') and not present
        union all
        select kind, key, 'extra' from rc_rows
        where state is null and present and list_contains($owned, kind)
        union all
        select distinct kind, key, 'different' from rc_fields
        where not (kind = $opt_kind and field = $opt_field and got is not distinct from $opt_value)
        union all
        select kind, key, 'opted_out' from rc_rows
        where kind = $opt_kind and present and actual->>$opt_field = $opt_value
        """, {"owned": sorted(complete & owned), "opt_kind": opt_kind, "opt_field": opt_field,
              "opt_value": opt_value})
    kinds = [k for (k,) in con.execute(
        "select distinct kind from rc_rows order by kind").fetchall()
        if k not in report.unreadable]
    for kind in kinds:
        drift = KindDrift(complete=kind not in cut_short)
        drift.checked, drift.pending = con.execute(
            "select count(*) filter (present), count(*) filter (state = 'pending' "
            "and not present) from rc_rows where kind = ? and in_scope", [kind]).fetchone()
        for category, n in con.execute("select category, count(*) from rc_result "
                                        "where kind = ? group by all", [kind]).fetchall():
            drift.counts[category] = n
        drift.fields = dict(con.execute(
            "select field, count(*) from rc_fields where kind = $kind and not (field = "
            "$opt_field and got is not distinct from $opt_value and kind = $opt_kind) "
            "group by all",
            {"kind": kind, "opt_kind": opt_kind, "opt_field": opt_field,
             "opt_value": opt_value}).fetchall())
        for category in CATEGORIES:
            rows = con.execute(
                "select key from rc_result where kind = ? and category = ? order by key "
                "limit ?", [kind, category, SAMPLES]).fetchall()
            if rows:
                drift.samples[category] = [
                    {"key": key, "diffs": con.execute(
                        "select field, want, got from rc_fields where kind = ? and key = ? "
                        "order by field", [kind, key]).fetchall()
                     if category == "different" else []}
                    for (key,) in rows]
        report.kinds[kind] = drift
    report.opt_outs = [k for (k,) in con.execute(
        "select key from rc_result where category = 'opted_out' order by key").fetchall()]


def _requeue(con: duckdb.DuckDBPyConnection, ledger: Ledger) -> dict[str, int]:
    """The ledger objects behind every missing or different object, marked for the next
    publish (the expected SQL names which object re-creates one: e.g. a list membership
    is re-made by its contact's import)."""
    pairs = con.execute("""
        select distinct e.requeue_kind, e.requeue_key
        from rc_result r join rc_expected e using (kind, key)
        where r.category in ('missing', 'different') and e.requeue_key is not null
        """).fetchall()
    return ledger.requeue(pairs, "reconcile: the destination no longer held what was sent")


class ReadsBack(Protocol):
    """A destination (its ``DESTINATION``) that can read itself back."""

    def readback(self, dest: Any, max_requests: int | None = None
                 ) -> AbstractContextManager[ReadBack]: ...


def reconcile_destination(destination: ReadsBack, dest: Any, outbox: Path, ledger_path: Path,
                          *, sample: int | None = None, max_requests: int | None = None,
                          repair: bool = False) -> ReconcileReport:
    """Reconcile destination entry ``dest`` (its outbox and ledger) through its read-back."""
    with destination.readback(dest, max_requests) as readback, Ledger(ledger_path) as ledger:
        return reconcile(dest.name, readback, outbox, ledger, sample=sample, repair=repair)

"""The outbox: what a destination should hold, one row per object with its payload and the
payload's hash, built from canonical tables by the destination's SQL files.

Incremental. Each kind has two SQL files: ``<kind>.keys.sql`` lists every object with its
send metadata and a *fingerprint* (a hash of the canonical rows its payload is made from,
one hash per row, no JSON), and ``<kind>.sql`` renders the payloads of the keys in the
``render_keys`` temp table. A build renders only the objects whose fingerprint changed: a
day with 1% changed renders 1%, not the whole merchant. An optional ``prelude.sql`` makes
what a destination's files share (temp tables) before them. ``$name`` parameters (the
destination's settings) are bound in all of them and folded into the fingerprints.

On disk (``OutboxStore``) the outbox is a folder of generations: ``gen-NNNNNN/`` holds the
rows one build wrote (rendered objects, skipped ones without payload, tombstones for
objects that left) and ``manifest.json`` lists them with the live counts; the newest row
per (kind, key) wins. Deltas are compacted into one base when they pile up. A publish
reads a ``snapshot`` (hard links), so a build or a compaction never pulls files from under
a publish that runs for hours, and it only compares the generations it has not yet
published (``Generation.covers``) with its ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

FORMAT = 2
# Rendered this many objects per statement: memory stays bounded whatever the merchant's size.
ROWS_PER_CHUNK = 100_000
# Deltas are folded into a new base when they hold this share of the base's rows, or when
# there are this many generations (each is another set of files for a publish to open).
COMPACT_RATIO = 0.25
MAX_GENERATIONS = 32
SNAPSHOT_MAX_AGE_S = 7 * 24 * 3600

META_COLUMNS = ("kind", "key", "connection", "email_key", "placed_at", "skip_reason",
                "fingerprint")
ROW_COLUMNS = ", ".join([*META_COLUMNS, "payload", "hash", "gen", "deleted"])
_EMPTY = ("select null::varchar as kind, null::varchar as key, null::varchar as connection, "
          "null::varchar as email_key, null::timestamptz as placed_at, "
          "null::varchar as skip_reason, null::ubigint as fingerprint, "
          "null::varchar as payload, null::varchar as hash, null::integer as gen, "
          "null::boolean as deleted where false")


def _gen_dir(gen: int) -> str:
    return f"gen-{gen:06d}"


@dataclass(frozen=True)
class Generation:
    gen: int
    rows: int
    covers: int  # a compacted base holds the state as of this generation; else = gen
    parts: int   # Parquet files in its folder (a snapshot checks it linked them all)

    @property
    def dirname(self) -> str:
        return _gen_dir(self.gen)

    def as_json(self) -> dict[str, int]:
        return {"gen": self.gen, "rows": self.rows, "covers": self.covers, "parts": self.parts}


@dataclass(frozen=True)
class OutboxFiles:
    """A fixed list of generations (the newest row per kind and key wins), with the live
    object counts the build recorded for them."""

    root: Path
    outbox_id: str
    generations: tuple[Generation, ...]
    counts: dict[str, dict[str, Any]]

    @property
    def gen(self) -> int:
        return self.generations[-1].gen if self.generations else 0

    def since(self, published: int) -> tuple[Generation, ...]:
        """The generations holding changes after generation ``published``."""
        return tuple(g for g in self.generations if g.covers > published)

    def files_sql(self, gens: tuple[Generation, ...] | None = None) -> str:
        gens = self.generations if gens is None else gens
        if not gens:
            return f"({_EMPTY})"
        globs = ", ".join(f"'{self.root / g.dirname}/*.parquet'" for g in gens)
        return f"read_parquet([{globs}])"

    def state_sql(self, columns: str = ROW_COLUMNS,
                  gens: tuple[Generation, ...] | None = None) -> str:
        """The live objects of ``gens`` (default: all), newest version. The rows stream
        past the (small) set of keys that a newer generation rewrote."""
        gens = self.generations if gens is None else gens
        newer = gens[1:]
        superseded = (
            f" and not exists (select 1 from {self.files_sql(newer)} n "
            "where n.kind = o.kind and n.key = o.key and n.gen > o.gen)" if newer else "")
        return (f"select {columns} from {self.files_sql(gens)} o "
                f"where not o.deleted{superseded}")


@dataclass
class OutboxBuild:
    """What a build found and wrote (asset metadata, bench figures)."""

    objects: dict[str, int] = field(default_factory=dict)   # live objects per kind
    to_send: dict[str, int] = field(default_factory=dict)   # of which not skipped
    rendered: dict[str, int] = field(default_factory=dict)  # payloads rendered this build
    removed: int = 0
    generation: int = 0
    generations: int = 0
    compacted: bool = False
    full: bool = False


class OutboxStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def read_manifest(self) -> dict[str, Any]:
        if self.manifest_path.exists():
            manifest = json.loads(self.manifest_path.read_text())
            if manifest.get("format") == FORMAT and all(
                    (self.root / _gen_dir(g["gen"])).is_dir()
                    for g in manifest["generations"]):
                return manifest
        # New, of another format, or with a generation deleted by hand: start over (a full
        # render under a new id, so no ledger trusts its old mark).
        return {"format": FORMAT, "outbox_id": uuid.uuid4().hex, "versions": {},
                "counts": {}, "generations": []}

    def files(self, manifest: dict[str, Any] | None = None) -> OutboxFiles:
        manifest = manifest or self.read_manifest()
        gens = tuple(Generation(**g) for g in manifest["generations"])
        return OutboxFiles(self.root, manifest["outbox_id"], gens, manifest["counts"])

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
        os.replace(tmp, self.manifest_path)

    def remove_unlisted(self, manifest: dict[str, Any]) -> None:
        """Generation folders no longer listed, half-written ones, and stale snapshots."""
        listed = {_gen_dir(g["gen"]) for g in manifest["generations"]}
        for path in [*self.root.glob("gen-*"), *self.root.glob(".gen-*.tmp")]:
            if path.name not in listed:
                shutil.rmtree(path, ignore_errors=True)
        for path in (self.root / "snapshots").glob("*"):
            if time.time() - path.stat().st_mtime > SNAPSHOT_MAX_AGE_S:
                shutil.rmtree(path, ignore_errors=True)

    def write_base(self, con: duckdb.DuckDBPyConnection, rows_sql: str,
                   manifest: dict[str, Any] | None = None, covers: int = 0) -> dict[str, Any]:
        """Make ``rows_sql`` (live rows, ``ROW_COLUMNS``) the outbox's only generation: a
        compaction (same counts, ``covers`` the generations it folds), or an outbox written
        whole (a new one: counts from the rows, a new id)."""
        manifest = manifest or self.read_manifest()
        gen = max([g["gen"] for g in manifest["generations"]], default=0) + 1
        writer = _GenerationWriter(con, self.root, gen)
        columns = ", ".join([*META_COLUMNS, "payload", "hash", f"{gen}::integer as gen",
                             "deleted"])
        writer.copy(f"select {columns} from ({rows_sql})")
        if not manifest["generations"]:
            manifest = {**manifest, "counts": _counts(con, writer.glob)}
        rows, parts = writer.finish()
        manifest = {**manifest,
                    "generations": [Generation(gen, rows, covers or gen, parts).as_json()]}
        self.write_manifest(manifest)
        self.remove_unlisted(manifest)
        return manifest

    @contextmanager
    def snapshot(self, attempts: int = 5) -> Iterator[OutboxFiles]:
        """The current generations, hard-linked so that they outlive a compaction. A
        compaction that removes a generation while it is being linked shows as a missing
        part: the snapshot is then taken again from the new manifest."""
        snap = self.root / "snapshots" / uuid.uuid4().hex
        try:
            for _ in range(attempts):
                shutil.rmtree(snap, ignore_errors=True)
                files = self.files()
                if all(self._link(gen, snap / gen.dirname) for gen in files.generations):
                    break
            else:
                raise RuntimeError(f"outbox {self.root} kept changing while being read")
            yield OutboxFiles(snap, files.outbox_id, files.generations, files.counts)
        finally:
            shutil.rmtree(snap, ignore_errors=True)

    def _link(self, gen: Generation, target: Path) -> bool:
        target.mkdir(parents=True)
        linked = 0
        for part in (self.root / gen.dirname).glob("*.parquet"):
            try:
                _link_or_copy(part, target / part.name)
            except FileNotFoundError:  # removed by a compaction meanwhile
                return False
            linked += 1
        return linked == gen.parts


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileNotFoundError:
        raise
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


class _GenerationWriter:
    """Part files of generation ``gen`` written into a hidden folder, renamed into place
    whole by ``finish`` (a reader never sees half a generation)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, root: Path, gen: int) -> None:
        self.con, self.gen = con, gen
        self.final, self.tmp = root / _gen_dir(gen), root / f".{_gen_dir(gen)}.tmp"
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True)
        self.parts = self.rows = 0

    @property
    def glob(self) -> str:
        return f"{self.tmp}/*.parquet"

    def copy(self, select: str, values: dict[str, Any] | None = None) -> None:
        # COPY answers with the rows it wrote: no re-read of the parts to count them.
        (written,) = self.con.execute(
            f"copy ({select}) to '{self.tmp / f'part-{self.parts:05d}.parquet'}' "
            "(format parquet)", values or {}).fetchone()
        self.parts += 1
        self.rows += written

    def finish(self) -> tuple[int, int]:
        shutil.rmtree(self.final, ignore_errors=True)
        self.tmp.rename(self.final)
        return self.rows, self.parts


def _versions(keys_sql: dict[str, str], render_sql: dict[str, str],
              params: dict[str, Any], prelude: str = "") -> dict[str, str]:
    """Per kind, a hash of its SQL (and the prelude's) and the parameters, folded into
    every fingerprint: new code re-renders that kind (the payload hashes then decide
    whether anything is sent)."""
    out = {}
    for kind, keys in keys_sql.items():
        sql = prelude + keys + render_sql[kind]
        text = "\n".join([str(FORMAT), json.dumps(_used(sql, params), sort_keys=True,
                                                  default=str), sql])
        out[kind] = hashlib.md5(text.encode()).hexdigest()
    return out


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if f"${k}" in sql}


def _run_prelude(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
    """A destination's ``prelude.sql``: statements (temp tables, e.g. its settings as rows)
    that its keys and render SQL share, run once per build before them."""
    for statement in duckdb.extract_statements(sql):
        con.execute(statement, {k: params[k] for k in statement.named_parameters})


NOT_PUBLISHED_HERE = "connection_not_published_here"
PRELUDE = "prelude.sql"  # optional, in a destination's SQL folder


def _scoped_skip(connections: tuple[str, ...] | None) -> str:
    """The skip reason, with objects outside the destination's ``connections`` skipped:
    an object of another store, or a contact (no connection of its own) known only from
    other stores. ``connections`` None: every store, the reason as the SQL gave it."""
    if connections is None:
        return "skip_reason"
    return f"""case when skip_reason is null and not (case
            when connection is not null then list_contains($published_connections, connection)
            when email_key is not null then email_key in (
                select email_key from canonical.contacts
                where list_has_any(connections, $published_connections))
            else true end)
        then '{NOT_PUBLISHED_HERE}' else skip_reason end"""


def _load_opt_outs(con: duckdb.DuckDBPyConnection, opt_outs: Path | None) -> None:
    """``destination_opt_outs``: contacts seen opted out in the destination itself (the
    ledger's export, ``Ledger.opt_outs_file``), for the SQL that holds subscriptions back."""
    if opt_outs is not None and opt_outs.exists():
        con.execute("create or replace temp table destination_opt_outs as "
                    f"select email_key, seen_at from read_parquet('{opt_outs}')")
    else:
        con.execute("create or replace temp table destination_opt_outs "
                    "(email_key varchar, seen_at timestamptz)")


def build_outbox(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path,
    kinds: tuple[str, ...],
    params: dict[str, Any],
    root: Path,
    connections: tuple[str, ...] | None = None,
    opt_outs: Path | None = None,
) -> OutboxBuild:
    """Bring the outbox at ``root`` up to date with the canonical tables: fingerprint every
    object, render the new and changed ones and tombstone the gone ones, as one generation.
    ``params`` are bound in both the keys and the render SQL; ``connections`` limits the
    destination to those stores (the rest is skipped with a reason); ``opt_outs`` is the
    destination's file of contacts opted out there (temp table ``destination_opt_outs``)."""
    root.mkdir(parents=True, exist_ok=True)
    _load_opt_outs(con, opt_outs)
    store = OutboxStore(root)
    manifest = store.read_manifest()
    keys_sql = {kind: (sql_dir / f"{kind}.keys.sql").read_text() for kind in kinds}
    render_sql = {kind: (sql_dir / f"{kind}.sql").read_text() for kind in kinds}
    prelude_path = sql_dir / PRELUDE
    prelude = prelude_path.read_text() if prelude_path.exists() else ""
    versions = _versions(keys_sql, render_sql, params, prelude)
    _run_prelude(con, prelude, params)
    previous = store.files(manifest)
    report = OutboxBuild(full=not previous.generations)

    skip = _scoped_skip(connections)
    current = " union all ".join(
        f"select '{kind}' as kind, key, connection, email_key, placed_at, {skip} as skip_reason, "
        f"hash(fingerprint, connection, email_key, placed_at, {skip}, "
        f"'{versions[kind]}') as fingerprint from ({keys_sql[kind]})"
        for kind in kinds)
    values = _used(current, {**params, "published_connections": list(connections or ())})
    # One pass: only the objects that are new, changed or gone are kept.
    con.execute(f"""
        create or replace temp table _outbox_diff as
        select coalesce(n.kind, p.kind) as kind, coalesce(n.key, p.key) as key,
               n.connection, n.email_key, n.placed_at, n.skip_reason, n.fingerprint,
               n.key is not null as live, p.key is not null as was_live,
               p.skip_reason as was_skip_reason
        from ({current}) n
        full outer join ({previous.state_sql("kind, key, fingerprint, skip_reason")}) p
          on p.kind = n.kind and p.key = n.key
        where n.key is null or p.key is null or n.fingerprint <> p.fingerprint
        """, values)
    counts = _updated_counts(con, manifest["counts"])
    report.objects = {k: c["objects"] for k, c in counts.items()}
    report.to_send = {k: c["to_send"] for k, c in counts.items()}
    changed, report.removed = con.execute(
        "select count(*) filter (live), count(*) filter (not live) from _outbox_diff"
    ).fetchone()
    report.generation, report.generations = previous.gen, len(previous.generations)
    if changed == 0 and report.removed == 0:
        return report

    gen = previous.gen + 1
    rows, parts = _write_generation(con, render_sql, params, root, gen, report)
    new = Generation(gen, rows, gen, parts).as_json()
    manifest = {**manifest, "versions": versions, "counts": counts,
                "generations": [new] if report.full else [*manifest["generations"], new]}
    store.write_manifest(manifest)
    if _needs_compaction(manifest):
        manifest = _compact(con, store, manifest)
        report.compacted = True
    store.remove_unlisted(manifest)
    report.generation, report.generations = manifest["generations"][-1]["gen"], len(
        manifest["generations"])
    return report


def _counts(con: duckdb.DuckDBPyConnection, glob: str) -> dict[str, dict[str, Any]]:
    """The live counts of a whole outbox written at once."""
    return moved_counts({}, con.execute(
        f"select kind, skip_reason, count(*) from read_parquet('{glob}') group by all"
    ).fetchall())


def _updated_counts(con: duckdb.DuckDBPyConnection,
                    counts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The live counts per kind (objects, to send, skipped by reason), moved by the diff:
    each changed row leaves its old bucket and joins its new one."""
    return moved_counts(counts, con.execute("""
        select kind, skip_reason as reason, count(*) as n from _outbox_diff where live
        group by all
        union all
        select kind, was_skip_reason, -count(*) from _outbox_diff where was_live group by all
        """).fetchall())


def moved_counts(counts: dict[str, dict[str, Any]],
           moves: list[tuple[str, str | None, int]]) -> dict[str, dict[str, Any]]:
    out = {k: {"objects": c["objects"], "to_send": c["to_send"], "skipped": dict(c["skipped"])}
           for k, c in counts.items()}
    for kind, reason, n in moves:
        c = out.setdefault(kind, {"objects": 0, "to_send": 0, "skipped": {}})
        c["objects"] += n
        if reason is None:
            c["to_send"] += n
        else:
            c["skipped"][reason] = c["skipped"].get(reason, 0) + n
    for c in out.values():
        c["skipped"] = {r: n for r, n in sorted(c["skipped"].items()) if n}
    return out


def _write_generation(con: duckdb.DuckDBPyConnection, renders: dict[str, str],
                      params: dict[str, Any], root: Path, gen: int, report: OutboxBuild
                      ) -> tuple[int, int]:
    """Render the diff's live, sendable rows (``renders``: each kind's render SQL) chunk by
    chunk into the part files of generation ``gen``; skipped rows go without payload, gone
    ones as tombstones. The folder appears whole (renamed into place)."""
    writer = _GenerationWriter(con, root, gen)
    meta = "t.kind, t.key, t.connection, t.email_key, t.placed_at"
    sendable = dict(con.execute(
        "select kind, count(*) from _outbox_diff where live and skip_reason is null group by 1"
    ).fetchall())
    for kind, sql in renders.items():
        chunks = -(-sendable.get(kind, 0) // ROWS_PER_CHUNK)
        for chunk in range(chunks):
            which = {"kind": kind, "chunk": chunk, "chunks": chunks}
            con.execute(
                "create or replace temp table render_keys as select key from _outbox_diff "
                "where live and skip_reason is null and kind = $kind "
                "and hash(key) % $chunks = $chunk", which)
            # A key the render drops (e.g. an unknown currency) stays visible as a skip.
            writer.copy(
                f"select {meta}, case when r.key is null then 'not_rendered' end "
                "as skip_reason, t.fingerprint, r.payload::varchar as payload, "
                f"md5(r.payload::varchar) as hash, {gen}::integer as gen, false as deleted "
                f"from _outbox_diff t join render_keys k on k.key = t.key "
                f"left join ({sql}) r on r.key = t.key where t.kind = $kind",
                {**_used(sql, params), "kind": kind})
        if chunks:
            report.rendered[kind] = sendable[kind]
    writer.copy(f"select {meta}, t.skip_reason, t.fingerprint, null::varchar as payload, "
                f"null::varchar as hash, {gen}::integer as gen, false as deleted "
                "from _outbox_diff t where t.live and t.skip_reason is not null")
    writer.copy(f"select {meta}, null::varchar as skip_reason, null::ubigint as fingerprint, "
                f"null::varchar as payload, null::varchar as hash, {gen}::integer as gen, "
                "true as deleted from _outbox_diff t where not t.live")
    con.execute("drop table if exists render_keys")
    return writer.finish()


def _needs_compaction(manifest: dict[str, Any]) -> bool:
    gens = manifest["generations"]
    deltas = sum(g["rows"] for g in gens[1:])
    return len(gens) > MAX_GENERATIONS or deltas > COMPACT_RATIO * max(1, gens[0]["rows"])


def _compact(con: duckdb.DuckDBPyConnection, store: OutboxStore,
             manifest: dict[str, Any]) -> dict[str, Any]:
    """Fold every generation into one base of live rows that ``covers`` the newest."""
    files = store.files(manifest)
    return store.write_base(con, files.state_sql(), manifest, covers=files.gen)

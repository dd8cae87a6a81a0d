"""Erasure in the raw zone: which text names a person's e-mail, and landing files rewritten
without the records that do.

A record *names* an e-mail when the address appears in it as a whole address, in any
case (C1: trimmed, case-insensitive): ``ann@x.com`` is named by ``"Ann@X.com"`` but not by
``joann@x.com`` or ``ann@x.com.au``. The same rule, as a regular expression, finds the
rows to delete in DuckDB (``sql_pattern``) and the records to drop here.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import uuid
from pathlib import Path

from ecom_sync.sources.landing import swap_in

# Characters that may continue an address on either side (local part before, domain after).
_BEFORE = "a-z0-9._%+-"
_AFTER = "a-z0-9-"


def normalise(email: str) -> str:
    """The contact key of an e-mail address (C1)."""
    return email.strip().lower()


def sql_pattern(email_key: str) -> str:
    """An RE2 pattern (no look-arounds) for ``lower(text)`` naming ``email_key``."""
    return (f"(^|[^{_BEFORE}]){re.escape(email_key)}"
            f"($|[^{_AFTER}.]|\\.($|[^{_AFTER}]))")


def names(email_key: str) -> re.Pattern[str]:
    """A compiled pattern matching text that names ``email_key`` (any case)."""
    return re.compile(sql_pattern(email_key), re.IGNORECASE)


def purge_landing(root: Path, email_key: str) -> dict[str, int]:
    """Rewrite every landed window folder holding records that name ``email_key`` without
    them (a new folder swapped in whole, its manifest's counts updated). Returns records
    removed per ``<connection>/<stream>``."""
    pattern = names(email_key)
    removed: dict[str, int] = {}
    if not root.is_dir():
        return removed
    for manifest in sorted(root.glob("*/*/window=*/_manifest.json")):
        folder = manifest.parent
        pages = sorted(folder.glob("*.ndjson.gz"))
        hits = [p for p in pages if pattern.search(gzip.decompress(p.read_bytes()).decode())]
        if not hits:
            continue
        n = _rewrite(folder, pages, set(hits), pattern)
        stream = f"{folder.parent.parent.name}/{folder.parent.name}"
        removed[stream] = removed.get(stream, 0) + n
    return removed


def _rewrite(folder: Path, pages: list[Path], hits: set[Path], pattern: re.Pattern[str]) -> int:
    tmp = folder.parent / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        info = json.loads((folder / "_manifest.json").read_text())
        removed = 0
        by_part: dict[str, int] = {}
        for page in pages:
            if page not in hits:
                shutil.copy2(page, tmp / page.name)
                continue
            lines = gzip.decompress(page.read_bytes()).decode().splitlines(keepends=True)
            kept = [line for line in lines if not pattern.search(line)]
            part = page.name.split("-", 1)[0]
            by_part[part] = by_part.get(part, 0) + len(lines) - len(kept)
            removed += len(lines) - len(kept)
            if kept:  # an emptied page leaves no file, as the writer does
                with gzip.open(tmp / page.name, "wt", encoding="utf-8", compresslevel=3) as fh:
                    fh.writelines(kept)
        # "records": a total (what an extract reports) or per part (a writer's own)
        records = info.get("records")
        if isinstance(records, dict):
            info["records"] = {p: n - by_part.get(p, 0) for p, n in records.items()}
        elif isinstance(records, int):
            info["records"] = records - removed
        info["erasures"] = info.get("erasures", 0) + 1  # rewritten: records were erased
        (tmp / "_manifest.json").write_text(json.dumps(info, indent=2, default=str))
        swap_in(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return removed


# Any script (internationalised addresses too); bounded to an address's longest parts (64
# local, 253 domain) so a 10 MB run of letters is scanned in linear time, not quadratic.
_ANY_EMAIL = re.compile(
    r"([\w.%+-])[\w.%+-]{0,63}@([\w.-]{1,253}\.[^\W\d_]{2,63})")


def mask_emails(text: str) -> str:
    """``ann.lee@example.com`` → ``a***@example.com`` wherever an address appears: what
    run metadata and logs show (no address in clear outlives an erasure there)."""
    return _ANY_EMAIL.sub(r"\1***@\2", text)


def purge_sqlite(path: Path, email_key: str) -> int:
    """Delete the rows of every table of a SQLite file that name ``email_key``, then
    VACUUM (freed pages are rewritten). Returns rows deleted."""
    import sqlite3

    if not path.exists():
        return 0
    pattern = names(email_key)
    con = sqlite3.connect(path)
    try:
        removed = 0
        tables = [t for (t,) in con.execute(
            "select name from sqlite_master where type = 'table' "
            "and name not like 'sqlite_%'")]
        for table in tables:
            doomed = [rowid for rowid, *values in con.execute(
                f'select rowid, * from "{table}"')
                if pattern.search(json.dumps(values, default=str))]
            con.executemany(f'delete from "{table}" where rowid = ?',
                            [(r,) for r in doomed])
            removed += len(doomed)
        con.commit()
        if removed:
            con.execute("vacuum")
        return removed
    finally:
        con.close()

"""The staging merge over many landed pages: chunked, still newest-wins and idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ecom_sync.sources.landing import LandingWriter, Window, landed_files
from ecom_sync.sources.registry import get_platform
from ecom_sync.warehouse import staging
from ecom_sync.warehouse.db import connect


def test_chunked_merge_keeps_the_newest_version_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages merged a few at a time (here 2): a record whose newer version sits in a later
    page than its older one ends up once, newest; a re-run changes nothing."""
    monkeypatch.setattr(staging, "FILES_PER_MERGE", 2)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    window = Window(start, start + timedelta(days=1))
    with LandingWriter(tmp_path, "shop", "customers", window) as writer:
        for page in range(5):
            writer.write_page({
                "id": i, "email": f"c{i}@example.com", "first_name": f"v{page}",
                "date_modified": (start + timedelta(minutes=page)).isoformat(),
                "_extracted_at": start.isoformat(),
            } for i in range(3))
        writer.commit()
    platform = get_platform("bigcommerce")
    files = landed_files(tmp_path, "shop", "customers", window)
    assert len(files) == 5
    db = tmp_path / "w.duckdb"
    for _ in range(2):
        with connect(db) as con:
            staging.ensure_schema(con, platform)
            result = staging.merge_files(
                con, select_sql=platform.sql("stage_customers"), table="bigcommerce_customers",
                key=("id",), cursor="date_modified", files=files, connection="shop")
    # Each chunk of 2 pages brings the 3 ids once (5 pages → 3 chunks).
    assert result.rows_read == 9 and result.table_rows == 3
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select id, first_name from staging.bigcommerce_customers order by id"
                       ).fetchall() == [(0, "v4"), (1, "v4"), (2, "v4")]
    con.close()

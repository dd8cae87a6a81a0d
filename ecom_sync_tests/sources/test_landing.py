"""LandingWriter: one folder per window, written aside and swapped in whole (M6)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ecom_sync.sources.landing import LandingWriter, Window, landed_files, landed_windows

from .conftest import landed_rows, read_ndjson

DAY = timedelta(days=1)
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def day(n: int, days: int = 1) -> Window:
    return Window(T0 + n * DAY, T0 + (n + days) * DAY)


def land(root: Path, window: Window, ids: list[int], stream: str = "orders",
         page_size: int = 2, **manifest: object) -> Path:
    with LandingWriter(root, "shop", stream, window) as writer:
        for i in range(0, len(ids), page_size):
            writer.write_page({"id": x} for x in ids[i:i + page_size])
        return writer.commit(**manifest)


def leftovers(root: Path, stream: str = "orders") -> list[str]:
    base = root / "shop" / stream
    return sorted(p.name for p in base.iterdir() if p.name.startswith("."))


# ----- Window --------------------------------------------------------------------------
def test_window_is_half_open_and_round_trips_through_its_folder_name() -> None:
    w = day(0)
    assert w.contains(w.start) and not w.contains(w.end)
    assert w.folder == "window=20260301T000000Z--20260302T000000Z"
    assert Window.from_folder(w.folder) == w
    assert Window.from_folder(".tmp-abc") is None
    assert Window.from_folder("window=garbage") is None
    with pytest.raises(ValueError):
        Window(T0, T0)
    with pytest.raises(ValueError):
        Window(T0.replace(tzinfo=None), T0 + DAY)


# ----- writing and the manifest ---------------------------------------------------------
def test_pages_and_manifest(tmp_path: Path) -> None:
    w = day(0)
    with LandingWriter(tmp_path, "shop", "products", w) as writer:
        assert writer.write_page({"id": i} for i in range(3)) == 3
        assert writer.write_page([]) == 0  # an empty page leaves no file
        assert writer.write_page([{"id": 3}]) == 1
        assert writer.write_page([{"id": 9}], part="categories") == 1
        folder = writer.commit(records_seen=4, api_requests=7)
    assert folder == tmp_path / "shop" / "products" / w.folder
    assert sorted(p.name for p in folder.iterdir()) == [
        "_manifest.json", "categories-000001.ndjson.gz",
        "page-000001.ndjson.gz", "page-000002.ndjson.gz",
    ]
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert manifest["window_start"] == w.start.isoformat()
    assert manifest["window_end"] == w.end.isoformat()
    assert manifest["records"] == {"page": 4, "categories": 1}
    assert manifest["pages"] == {"page": 2, "categories": 1}
    assert manifest["api_requests"] == 7 and manifest["records_seen"] == 4
    assert datetime.fromisoformat(manifest["committed_at"]).tzinfo is not None
    assert [r["id"] for r in landed_rows(folder)] == [0, 1, 2, 3]
    assert [r["id"] for r in landed_rows(folder, "categories")] == [9]


def test_non_ascii_is_kept_verbatim(tmp_path: Path) -> None:
    with LandingWriter(tmp_path, "shop", "customers", day(0)) as writer:
        writer.write_page([{"id": 1, "name": "Jürgen Müller-Łukasz 東京"}])
        folder = writer.commit()
    assert landed_rows(folder)[0]["name"] == "Jürgen Müller-Łukasz 東京"


# ----- atomic swap ------------------------------------------------------------------------
def test_r_m6_relanding_a_window_replaces_it_whole(tmp_path: Path) -> None:
    """M6: the second extract of a window replaces the first; nothing of the old one (page
    files beyond the new page count) survives, and no temporary folders are left."""
    w = day(0)
    first = land(tmp_path, w, [1, 2, 3, 4, 5, 6, 7])
    second = land(tmp_path, w, [1, 2, 3])
    assert first == second
    assert [r["id"] for r in landed_rows(second)] == [1, 2, 3]
    assert sorted(p.name for p in second.glob("page-*")) == [
        "page-000001.ndjson.gz", "page-000002.ndjson.gz",
    ]
    assert leftovers(tmp_path) == []
    assert [win for win, _ in landed_windows(tmp_path, "shop", "orders")] == [w]


def test_r_m6_a_failed_write_leaves_the_previous_folder_intact(tmp_path: Path) -> None:
    w = day(0)
    folder = land(tmp_path, w, [1, 2, 3])
    before = (folder / "_manifest.json").read_text()

    class Boom(RuntimeError):
        pass

    with pytest.raises(Boom), LandingWriter(tmp_path, "shop", "orders", w) as writer:
        writer.write_page([{"id": 10}, {"id": 11}])
        raise Boom("store API failed mid-walk")
    assert [r["id"] for r in landed_rows(folder)] == [1, 2, 3]
    assert (folder / "_manifest.json").read_text() == before
    assert leftovers(tmp_path) == []


def test_r_m6_an_unserialisable_record_aborts_without_touching_the_old_folder(
    tmp_path: Path,
) -> None:
    w = day(0)
    folder = land(tmp_path, w, [1, 2])
    with pytest.raises(TypeError), LandingWriter(tmp_path, "shop", "orders", w) as writer:
        writer.write_page([{"id": 3, "when": object()}])
    assert [r["id"] for r in landed_rows(folder)] == [1, 2]
    assert leftovers(tmp_path) == []


def test_r_m6_leaving_without_commit_lands_nothing(tmp_path: Path) -> None:
    w = day(0)
    with LandingWriter(tmp_path, "shop", "orders", w) as writer:
        writer.write_page([{"id": 1}])
    assert leftovers(tmp_path) == []
    assert not (tmp_path / "shop" / "orders" / w.folder).exists()
    assert list(landed_windows(tmp_path, "shop", "orders")) == []


def test_r_m6_a_failed_swap_restores_the_previous_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If moving the new folder into place fails (disk, permissions), the previous extract
    must still be where readers look for it, not parked under a temporary name."""
    w = day(0)
    folder = land(tmp_path, w, [1, 2, 3])
    real_rename = Path.rename

    def rename(self: Path, target: Path) -> Path:  # type: ignore[override]
        if self.name.startswith(".tmp-"):
            raise OSError("simulated failure moving the new extract into place")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError), LandingWriter(tmp_path, "shop", "orders", w) as writer:
        writer.write_page([{"id": 10}])
        writer.commit()
    monkeypatch.undo()
    assert [r["id"] for r in landed_rows(folder)] == [1, 2, 3]
    assert (folder / "_manifest.json").exists()
    assert leftovers(tmp_path) == []
    assert [win for win, _ in landed_windows(tmp_path, "shop", "orders")] == [w]


def test_uncommitted_or_foreign_folders_are_not_landed_windows(tmp_path: Path) -> None:
    land(tmp_path, day(0), [1])
    base = tmp_path / "shop" / "orders"
    (base / day(1).folder).mkdir()  # a window folder without a manifest (crashed copy)
    (base / "notes").mkdir()
    assert [w for w, _ in landed_windows(tmp_path, "shop", "orders")] == [day(0)]
    assert list(landed_windows(tmp_path, "shop", "missing")) == []


# ----- landed_files containment --------------------------------------------------------------
def test_landed_files_takes_only_windows_inside_the_asked_window(tmp_path: Path) -> None:
    """A run stages its own window; a replayed range stages every extract made inside it;
    a daily run does not re-read a historical extract that spans it."""
    land(tmp_path, day(0), [1, 2, 3])
    land(tmp_path, day(1), [4])
    land(tmp_path, day(2), [5, 6])
    land(tmp_path, day(0, days=30), [100, 101])  # historical extract spanning the days
    land(tmp_path, day(1), [7], stream="customers")

    def ids(window: Window, stream: str = "orders") -> list[int]:
        return [r["id"] for r in read_ndjson(landed_files(tmp_path, "shop", stream, window))]

    assert ids(day(1)) == [4]
    assert ids(day(0, days=2)) == [1, 2, 3, 4]
    assert ids(day(0, days=3)) == [1, 2, 3, 4, 5, 6]
    assert sorted(ids(day(0, days=30))) == [1, 2, 3, 4, 5, 6, 100, 101]
    assert sorted(ids(day(-1, days=40))) == [1, 2, 3, 4, 5, 6, 100, 101]
    # overlapping but not contained: not taken
    assert ids(Window(T0 + DAY / 2, T0 + 2 * DAY)) == [4]
    assert ids(day(5)) == []
    assert ids(day(1), "customers") == [7]


def test_landed_files_are_ordered_and_per_part(tmp_path: Path) -> None:
    w = day(0)
    with LandingWriter(tmp_path, "shop", "products", w) as writer:
        for i in range(12):
            writer.write_page([{"id": i}])
        writer.write_page([{"id": 99}], part="categories")
        writer.commit()
    pages = landed_files(tmp_path, "shop", "products", w)
    assert [p.name for p in pages] == [f"page-{i:06d}.ndjson.gz" for i in range(1, 13)]
    assert [r["id"] for r in read_ndjson(pages)] == list(range(12))
    cats = landed_files(tmp_path, "shop", "products", w, part="categories")
    assert [r["id"] for r in read_ndjson(cats)] == [99]


def test_a_swap_killed_between_its_renames_is_undone_by_the_next_writer(tmp_path: Path) -> None:
    """Issue 13: a process killed after moving a window's folder aside and before putting
    the new extract in place leaves the old folder aside; the next writer of the stream
    puts it back, so readers find the last complete extract again."""
    window = Window(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC))
    with LandingWriter(tmp_path, "c", "orders", window) as writer:
        writer.write_page([{"id": 1}])
        final = writer.commit()
    aside = final.parent / f".old-{final.name}~dead"
    final.rename(aside)  # what the killed swap left
    LandingWriter(tmp_path, "c", "orders", window).abort()
    assert final.is_dir() and not aside.exists()
    assert [w for w, _ in landed_windows(tmp_path, "c", "orders")] == [window]

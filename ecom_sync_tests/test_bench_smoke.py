"""The benchmark's tiny smoke run (``python -m bench run --smoke``): it runs end to end and
writes a RESULTS-style table. CI never runs the full benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_bench_smoke_writes_results_table(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ECOM_SYNC_HOME", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--smoke", "--results", str(results)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    text = results.read_text()
    assert "## Targets" in text and "## Measurements" in text
    assert "| staging ≥ 0.7× bare DuckDB `read_json`" in text
    assert "| 1 | staging: our `stage_stream`" in text
    assert "## Publish plan (4)" in text and "| **all** |" in text
    assert "| failed |" not in text
    assert "## Machine and versions" in text


def test_bench_data_is_the_same_whatever_the_workers_or_earlier_scales(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seeded data must not depend on how it was made: in process after another scale
    (the record caches are keyed by store and id, not scale) or by a worker pool."""
    import gzip
    import hashlib

    from bench import gen

    def digest(cache: Path) -> dict[str, str]:
        root = gen.data_dir(cache, 0.001)
        return {str(p.relative_to(root)): hashlib.md5(gzip.decompress(p.read_bytes())).hexdigest()
                for p in sorted(root.rglob("*.ndjson.gz"))}

    gen.generate(tmp_path / "fresh", 0.001, workers=1)
    gen.generate(tmp_path / "after", 0.002, workers=1)
    gen.generate(tmp_path / "after", 0.001, workers=1)
    monkeypatch.setattr(gen, "SERIAL_BELOW_PAGES", 0)
    gen.generate(tmp_path / "pool", 0.001, workers=2)
    fresh = digest(tmp_path / "fresh")
    assert fresh and fresh == digest(tmp_path / "after") == digest(tmp_path / "pool")

"""The benchmark's tiny smoke run (``python -m bench run --smoke``): it runs end to end and
writes a RESULTS-style table. CI never runs the full benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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

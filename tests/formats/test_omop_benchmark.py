"""benchmarks/omop.py at a tiny size (a smoke test: the figures are not checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parents[2]


def test_omop_benchmark_runs_and_reads_every_person() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "omop.py"), "--sizes", "56",
                           "112", "--chunk", "20"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "       56 " in done.stdout
    assert "      112 " in done.stdout
    assert "ratio 112 vs 56 persons: peak RSS x" in done.stdout

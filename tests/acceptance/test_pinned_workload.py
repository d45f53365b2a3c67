"""CLI output on a generated workload is pinned byte for byte (SHA-256 pins).

The pins in tests/golden/pinned/workload.sha256 were computed with the command
line of main at 0edecb2 (before issue 17's throughput work landed; the first pins,
from 0.1.0, were replaced when issues 12/13 deliberately reworded reasons) on the input built here: 300
patients from benchmarks/workload.py (fixed seed) with bad lines of each kind
mixed in. Each pin covers the exit status, stdout, stderr and the report files.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from _workload import ROOT, load

PINS = ROOT / "tests" / "golden" / "pinned" / "workload.sha256"
COMMANDS = {
    "text": ["--format", "text"],
    "json": ["--format", "json"],
    "csv": ["--format", "csv"],
    "json-2027-02-28": ["--format", "json", "--as-of", "2027-02-28"],
}


def workload_file(folder: Path) -> Path:
    """300 generated patients, with bad and blank lines at fixed places."""
    lines = [json.dumps(p) for p in load().patients(300, seed=20270301)]
    lines[10] = "{not json"
    lines[50] = json.dumps({"id": "B50", "observations": [
        {"code": "edss", "value": 6.3, "date": "2026-01-01"}]})
    lines[90] = ""
    lines[120] = '{"id": "B120", "sex": "F"}'
    lines[200] = '{"id": "B200", "id": "B200"}'
    path = folder / "workload.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def digest(name: str, folder: Path) -> str:
    path = workload_file(folder)
    args = ["screen", str(path), "--as-of", "2027-03-01", *COMMANDS[name], "--report",
            str(folder / "report.json"), "--no-progress"]
    done = subprocess.run([sys.executable, "-m", "trialrules.cli", *args], capture_output=True,
                          check=False, timeout=120)
    h = hashlib.sha256(f"exit {done.returncode}\n".encode())
    h.update(done.stdout)
    h.update(done.stderr.replace(str(folder).encode(), b"TMP"))
    h.update((folder / "report.json").read_bytes())
    h.update((folder / "report.txt").read_bytes())
    return h.hexdigest()


def pins() -> dict[str, str]:
    return dict(line.split("\t") for line in PINS.read_text().splitlines() if line)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_workload_output_is_pinned(name: str, tmp_path: Path) -> None:
    assert digest(name, tmp_path) == pins()[name]


if __name__ == "__main__":  # print the pins (run with the code whose output is to be pinned)
    import tempfile

    for key in sorted(COMMANDS):
        with tempfile.TemporaryDirectory() as tmp:
            print(f"{key}\t{digest(key, Path(tmp))}")

"""``trialrules screen --jobs N`` gives exactly the one-process output, bad lines, report and exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from _workload import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "patients.jsonl"
AS_OF = "2027-03-01"

#: Runs the command line with small chunks, so a small file still spans many chunks.
_CHILD = "import sys; from trialrules.cli import _jobs, main; _jobs._CHUNK_LINES = 7; " \
         "sys.exit(main())"


def run(*args: str, tmp: Path) -> tuple[int, str, str, str]:
    """Exit status, stdout, stderr (report paths removed) and the report files' text."""
    report = tmp / "report.json"
    report.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-c", _CHILD, "screen", *args, "--as-of", AS_OF,
                           "--report", str(report), "--no-progress"],
                          capture_output=True, check=False, timeout=120)
    err = done.stderr.decode("utf-8").replace(str(tmp), "TMP")
    files = report.read_text() + report.with_suffix(".txt").read_text() if report.exists() else ""
    return done.returncode, done.stdout.decode("utf-8"), err, files


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Examples, generated patients and bad lines of every kind, blank and CRLF lines."""
    people = [json.dumps(p) for p in load().patients(60, seed=17)]
    good = EXAMPLES.read_bytes().splitlines()
    lines = [b"\xef\xbb\xbf" + good[0], *good[1:], b"", b"{not json", b"\xff\xfe bad bytes",
             b'{"id": "B1", "sex": "F"}', b"   ", b'{"id": 7}', b"[1, 2]", b"NaN",
             *(p.encode() for p in people[:30]), b'{"id": "B2", "age": 40}\r',
             *(p.encode() + b"\r" for p in people[30:]), b'{"id": "P9", "id": "P9"}',
             people[3].encode()]  # an id read before, many chunks earlier
    path = tmp_path_factory.mktemp("jobs") / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "decisions"])
def test_jobs_equal_one_process(mixed: Path, fmt: str, tmp_path: Path) -> None:
    one = run(str(mixed), "--format", fmt, tmp=tmp_path)
    two = run(str(mixed), "--format", fmt, "--jobs", "2", tmp=tmp_path)
    assert one[0] == 1  # some lines are bad, the rest screened
    assert two == one
    assert "line 1," not in one[2]  # the byte order mark is accepted on line 1
    assert one[2].count("trialrules: line ") == 8  # every bad line reported on stderr
    assert "was already read on line" in one[2]  # the repeated id, across chunks


def test_all_cores_and_a_clean_file(tmp_path: Path) -> None:
    one = run(str(EXAMPLES), "--format", "json", tmp=tmp_path)
    every = run(str(EXAMPLES), "--format", "json", "--jobs", "0", tmp=tmp_path)
    assert every == one
    assert one[0] == 0


def test_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n\n")
    one = run(str(empty), "--format", "text", tmp=tmp_path)
    assert run(str(empty), "--format", "text", "--jobs", "3", tmp=tmp_path) == one
    assert one[0] == 0
    assert "0 records read" in one[2]


def test_decisions_agree_with_the_full_output(mixed: Path, tmp_path: Path) -> None:
    """Each decisions line is the full line's id and determination, and the criteria that
    exclude: inclusions NOT_MET and exclusions MET (docs/semantics.md)."""
    full = run(str(mixed), "--format", "json", tmp=tmp_path)[1].splitlines()
    light = run(str(mixed), "--format", "decisions", tmp=tmp_path)[1].splitlines()
    assert len(full) == len(light) > 60
    for a, b in zip(map(json.loads, full), map(json.loads, light), strict=True):
        if "error" in a:
            assert b == a
            continue
        deciding = [c["id"] for c in a["criteria"]
                    if (c["id"].startswith("inclusion") and c["outcome"] == "not_met")
                    or (c["id"].startswith("exclusion") and c["outcome"] == "met")]
        assert b == {"id": a["id"], "determination": a["determination"], "deciding": deciding}


@pytest.mark.parametrize("value", ["-1", "two", ""])
def test_jobs_must_be_a_count(value: str, tmp_path: Path) -> None:
    status, _, err, _ = run(str(EXAMPLES), "--jobs", value, tmp=tmp_path)
    assert status == 2
    assert "is not a number of processes" in err

"""``trialrules screen --jobs N`` gives exactly the one-process output, bad lines, report and exit."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from _workload import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "patients.jsonl"
AS_OF = "2027-03-01"

#: Runs the command line with small chunks, so a small file still spans many chunks (of
#: lines read from a pipe, or byte ranges of a file).
_CHILD = "import sys; from trialrules.cli import _jobs, main; _jobs._CHUNK_LINES = 7; " \
         "_jobs._CHUNK_BYTES = 2000; sys.exit(main())"


def run(*args: str, tmp: Path, stdin: bytes | None = None) -> tuple[int, str, str, str]:
    """Exit status, stdout, stderr (report paths removed) and the report files' text."""
    report = tmp / "report.json"
    report.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-c", _CHILD, "screen", *args, "--as-of", AS_OF,
                           "--report", str(report), "--no-progress"], input=stdin,
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


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_jobs_from_a_pipe_equal_one_process(mixed: Path, fmt: str, tmp_path: Path) -> None:
    # Standard input is read by the main process and its lines shipped (no byte ranges).
    one = run(str(mixed), "--format", fmt, tmp=tmp_path)
    two = run("-", "--format", fmt, "--jobs", "2", tmp=tmp_path, stdin=mixed.read_bytes())
    assert two == one
    assert one[2].count("trialrules: line ") == 8


def test_byte_ranges_cut_at_line_starts_with_their_line_numbers(mixed: Path) -> None:
    # The ranges the workers read cover the file, in order, each from a line start, numbered
    # as a count of the line ends before it (the independent oracle here).
    from trialrules.tools.dask import partitions

    data = mixed.read_bytes()
    parts = partitions(str(mixed), blocksize=2000)
    assert len(parts) > 5
    assert parts[0].start == 0
    assert parts[-1].stop is None
    for before, after in itertools.pairwise(parts):
        assert before.stop == after.start
        assert data[after.start - 1:after.start] == b"\n"
        assert after.first_line == data[:after.start].count(b"\n") + 1


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

"""Dask: workers read byte ranges, write their own output; equal to one process, byte for byte."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from _workload import load
from trialrules.formats.records import read_jsonl
from trialrules.protocols import get
from trialrules.tools.batch import screen
from trialrules.tools.report import FeasibilityReport

distributed = pytest.importorskip("distributed")

from trialrules.tools.dask import Partition, partitions, screen_to_files  # noqa: E402

PROTOCOL = get("NCT06228781")
AS_OF = date(2027, 3, 1)




@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two files of generated patients with bad, blank and CRLF lines and a byte order mark."""
    root = tmp_path_factory.mktemp("population")
    people = [json.dumps(p).encode() for p in load().patients(90, seed=23)]
    first = [b"\xef\xbb\xbf" + people[0], *people[1:40], b"", b"{broken", b'{"id": 7}',
             *(p + b"\r" for p in people[40:60])]
    (root / "a.jsonl").write_bytes(b"\n".join(first) + b"\n")
    (root / "b.jsonl").write_bytes(b"\n".join([*people[60:], b'{"id": "X", "sex": "F"}']))
    return root


def cli(path: Path, fmt: str) -> bytes:
    done = subprocess.run([sys.executable, "-m", "trialrules.cli", "screen", str(path),
                           "--as-of", AS_OF.isoformat(), "--format", fmt, "--no-progress"],
                          capture_output=True, check=False, timeout=120)
    assert done.returncode == 1, done.stderr  # bad lines in each file
    return done.stdout


def one_process(folder: Path, explain: bool) -> FeasibilityReport:
    results: list[Any] = []
    for path in sorted(folder.glob("*.jsonl")):
        with open(path, "rb") as stream:
            results += screen(PROTOCOL, read_jsonl(stream), AS_OF, explain=explain)
    return FeasibilityReport.of(PROTOCOL, AS_OF, results)


def lines_by_hand(path: Path) -> list[tuple[int, int]]:
    """(line number, line start offset) of every line: the oracle for the cut points."""
    out, offset = [], 0
    for number, line in enumerate(path.read_bytes().splitlines(keepends=True), 1):
        out.append((number, offset))
        offset += len(line)
    return out


@pytest.mark.parametrize("blocksize", [1, 700, 5000, 10**9])
def test_partitions_start_at_line_starts_and_number_them(folder: Path, blocksize: int) -> None:
    for path in sorted(folder.glob("*.jsonl")):
        parts = partitions(path, blocksize=blocksize)
        starts = {offset: number for number, offset in lines_by_hand(path)}
        assert parts[0] == Partition(str(path), 0, parts[0].stop, 1)
        assert parts[-1].stop is None
        for a, b in itertools.pairwise(parts):
            assert a.stop == b.start
            assert starts[b.start] == b.first_line  # a line start, numbered as in the file
            assert b.start - a.start >= min(blocksize, 1)
            if blocksize == 1:  # every line its own partition (a blank one joins the next)
                blank = path.read_bytes()[a.start:a.start + 1] == b"\n"
                assert b.first_line - a.first_line == (2 if blank else 1)
        if blocksize == 10**9:
            assert parts == [Partition(str(path))]


@pytest.mark.parametrize(("explain", "fmt"), [(True, "json"), (False, "decisions")])
def test_output_files_are_the_command_lines_bytes(client: Any, folder: Path, tmp_path: Path,
                                                  explain: bool, fmt: str) -> None:
    out = tmp_path / "out"
    report = screen_to_files(PROTOCOL, folder, AS_OF, out, explain=explain, blocksize=3000)
    written = sorted(out.iterdir())
    assert [p.name for p in written] == [f"part-{i:05d}.jsonl" for i in range(len(written))]
    assert len(written) == len(partitions(folder, blocksize=3000)) > 10
    expected = b"".join(cli(path, fmt) for path in sorted(folder.glob("*.jsonl")))
    assert b"".join(p.read_bytes() for p in written) == expected
    assert report == one_process(folder, explain)
    assert report.bad_records == 3


def test_report_only_and_a_rerun_into_the_same_folder(client: Any, folder: Path,
                                                      tmp_path: Path) -> None:
    assert screen_to_files(PROTOCOL, folder, AS_OF, None, explain=False) == one_process(
        folder, False)
    out = tmp_path / "out"
    screen_to_files(PROTOCOL, folder, AS_OF, out, blocksize=2000)
    many = len(list(out.iterdir()))
    screen_to_files(PROTOCOL, folder / "b.jsonl", AS_OF, out)  # one file, one partition
    assert many > 1
    assert [p.name for p in out.iterdir()] == ["part-00000.jsonl"]


def test_without_a_cluster_the_local_scheduler_gives_the_same(folder: Path,
                                                              tmp_path: Path) -> None:
    import dask

    with dask.config.set(scheduler="sync"):
        report = screen_to_files(PROTOCOL, [folder / "a.jsonl"], AS_OF, tmp_path, blocksize=4000)
    assert b"".join(p.read_bytes() for p in sorted(tmp_path.glob("part-*.jsonl"))) == cli(
        folder / "a.jsonl", "json")
    assert report.bad_records == 2


def test_blocksize_must_be_positive(folder: Path) -> None:
    with pytest.raises(ValueError, match="blocksize=0"):
        partitions(folder, blocksize=0)

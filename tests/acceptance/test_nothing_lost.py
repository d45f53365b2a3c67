"""Nothing lost: every line of a patients file comes out as a result or as a reported error.

The 20,000-line check runs the real command once, in a subprocess, on a file
built by benchmarks/nothing_lost.py (which runs the same check at 1,000,000
lines). The edge cases of the file format (byte order mark, CRLF, blank lines,
truncated last line, a non-UTF-8 byte, an over-long line) each have a test.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from helpers import AS_OF_TEXT, GOOD_LINE, load_script
from trialrules.cli import main
from trialrules.formats.records import MAX_LINE_LENGTH, LoadError, read_jsonl

ROOT = Path(__file__).resolve().parents[2]


def _benchmark() -> ModuleType:
    # Registered: attrs needs the module in sys.modules for the classes it defines.
    return load_script(ROOT / "benchmarks" / "nothing_lost.py", "nothing_lost", register=True)


def test_twenty_thousand_lines_with_one_percent_bad_lose_nothing(tmp_path: Path) -> None:
    bench = _benchmark()
    patients = tmp_path / "patients.jsonl"
    expected = bench.generate(patients, 20_000)
    assert len(expected.bad_lines) >= 150, "about 1% bad"
    assert set(expected.bad_lines.values()) >= set(bench.BAD_KINDS), "every kind of badness"
    assert expected.blank_lines > 0
    status, stderr = bench.run_cli(patients, tmp_path / "results.jsonl")
    counts = bench.check(expected, tmp_path / "results.jsonl", status, stderr)
    assert counts["good"] + counts["bad"] == counts["lines read"] == 20_000


def test_the_check_notices_a_lost_line(tmp_path: Path) -> None:
    """The check itself can fail: drop one result and one error from real output."""
    bench = _benchmark()
    patients = tmp_path / "patients.jsonl"
    expected = bench.generate(patients, 300, bad_rate=0.05)
    status, stderr = bench.run_cli(patients, tmp_path / "results.jsonl")
    lines = (tmp_path / "results.jsonl").read_bytes().splitlines(keepends=True)
    first_good = next(i for i, line in enumerate(lines) if b'"determination"' in line)
    first_bad = next(i for i, line in enumerate(lines) if b'"error"' in line)
    for drop in (first_good, first_bad):
        (tmp_path / "lossy.jsonl").write_bytes(b"".join(lines[:drop] + lines[drop + 1:]))
        with pytest.raises(AssertionError):
            bench.check(expected, tmp_path / "lossy.jsonl", status, stderr)


# ---------------------------------------------------------------- the file format's edge cases

GOOD = GOOD_LINE.encode()


def _screen(tmp_path: Path, data: bytes, capsys: pytest.CaptureFixture[str],
            fmt: str = "json") -> tuple[int, list[dict[str, Any]], str]:
    path = tmp_path / "patients.jsonl"
    path.write_bytes(data)
    status = main(["screen", str(path), "--format", fmt, "--as-of", AS_OF_TEXT])
    out, err = capsys.readouterr()
    items = [json.loads(line) for line in out.splitlines()] if fmt == "json" else []
    return status, items, err


def _summary(err: str) -> str:
    return err.strip().splitlines()[-1]


def test_byte_order_mark_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, items, err = _screen(tmp_path, b"\xef\xbb\xbf" + GOOD + b"\n", capsys)
    assert status == 0
    assert [i["id"] for i in items] == ["P1"]
    assert _summary(err) == "trialrules: 1 records read: 1 screened, 0 bad"


def test_byte_order_mark_after_the_first_line_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, items, _ = _screen(tmp_path, GOOD + b"\n\xef\xbb\xbf" + GOOD + b"\n", capsys)
    assert status == 1
    assert items[1]["line"] == 2
    assert "not valid JSON" in items[1]["error"]


def test_crlf_line_ends_are_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = GOOD + b"\r\n" + GOOD.replace(b"P1", b"P2") + b"\r\n"
    status, items, err = _screen(tmp_path, data, capsys)
    assert status == 0
    assert [i["id"] for i in items] == ["P1", "P2"]
    assert _summary(err) == "trialrules: 2 records read: 2 screened, 0 bad"


def test_blank_lines_are_skipped_not_counted_but_keep_line_numbers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = b"\n" + GOOD + b"\n\r\n  \t \n" + b'{"id": 7}\n\n'
    status, items, err = _screen(tmp_path, data, capsys)
    assert status == 1
    assert items[0]["id"] == "P1"
    assert items[1] == {"id": None, "line": 5, "field": "id",
                        "error": "got 7; expected a non-empty string of at most 200 characters"}
    assert _summary(err) == "trialrules: 2 records read: 1 screened, 1 bad"


def test_a_line_of_non_json_whitespace_is_not_blank(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, items, _ = _screen(tmp_path, GOOD + b"\n\xc2\xa0\n", capsys)  # U+00A0
    assert status == 1
    assert items[1]["line"] == 2


def test_only_blank_lines_is_zero_records_and_success(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, items, err = _screen(tmp_path, b"\n\r\n \n", capsys)
    assert (status, items) == (0, [])
    assert _summary(err) == "trialrules: 0 records read: 0 screened, 0 bad"


def test_truncated_last_line_is_reported(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    status, items, err = _screen(tmp_path, GOOD + b'\n{"id": "P2", "birth_da', capsys)
    assert status == 1
    assert items[1]["line"] == 2
    assert items[1]["id"] == "P2"  # read off the broken line
    assert items[1]["error"].startswith("not valid JSON")
    assert "trialrules: line 2, patient 'P2': not valid JSON" in err


def test_last_line_without_line_end_is_fine_when_complete(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, items, _ = _screen(tmp_path, GOOD + b"\n" + GOOD.replace(b"P1", b"P2"), capsys)
    assert status == 0
    assert [i["id"] for i in items] == ["P1", "P2"]


def test_non_utf8_byte_is_reported_and_the_rest_screened(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = GOOD + b'\n{"id": "P2", "sex": "f\xe9male"}\n' + GOOD.replace(b"P1", b"P3") + b"\n"
    status, items, err = _screen(tmp_path, data, capsys)
    assert status == 1
    assert [i.get("determination") is not None for i in items] == [True, False, True]
    assert items[1]["line"] == 2
    assert items[1]["error"] == "not valid UTF-8 (byte 0xe9 at column 23)"
    assert items[1]["id"] == "P2"
    assert "line 2" in err


def test_over_long_line_is_reported_without_being_held(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    padding = b" " * (MAX_LINE_LENGTH + 10)
    data = GOOD + b'\n{"id": "P2", "note": "' + padding + b'"}\n' + GOOD.replace(b"P1", b"P3")
    status, items, _ = _screen(tmp_path, data, capsys)
    assert status == 1
    assert [i["id"] for i in items] == ["P1", "P2", "P3"]
    assert items[1]["line"] == 2
    size = len(b'{"id": "P2", "note": "' + padding + b'"}')
    assert items[1]["error"] == (f"line too long ({size} bytes; at most "
                                 f"{MAX_LINE_LENGTH} are read)")


def test_line_limit_applies_to_lists_of_lines_too() -> None:
    ((_, item),) = read_jsonl(['{"id": "P1", "x": "' + "y" * 100 + '"}'], max_line_length=50)
    assert isinstance(item, LoadError)
    assert item.reason == "line too long (121 characters; at most 50 are read)"
    assert item.id == "P1"


def test_stream_and_list_give_the_same_items() -> None:
    data = (b"\xef\xbb\xbf" + GOOD + b"\r\n\n" + b'{"id": "P2", "x": NaN}\n\xff\n'
            + b'{"id": "P3", "y": "' + b"z" * 200 + b'"}\n{"id": "P4"')
    from_stream = list(read_jsonl(io.BufferedReader(io.BytesIO(data)), max_line_length=100))
    from_list = list(read_jsonl(data.splitlines(keepends=True), max_line_length=100))
    assert [n for n, _ in from_stream] == [1, 3, 4, 5, 6]
    assert [(n, str(i)) for n, i in from_stream] == [(n, str(i)) for n, i in from_list]


def test_text_format_reports_bad_lines_in_the_output_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "patients.jsonl").write_bytes(GOOD + b'\n{"id": "P\\t2"}\n')
    status = main(["screen", str(tmp_path / "patients.jsonl"), "--format", "text",
                   "--as-of", AS_OF_TEXT])
    out = capsys.readouterr().out
    assert status == 1
    row = next(line for line in out.splitlines() if "\tERROR\t" in line)
    assert row.startswith("?\tERROR\tline 2: id: got 'P\\t2'")
    assert "patients screened: 1; bad lines: 1" in out


def test_csv_format_reports_bad_lines_in_the_output_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "patients.jsonl").write_bytes(GOOD + b"\n[1]\n")
    status = main(["screen", str(tmp_path / "patients.jsonl"), "--format", "csv",
                   "--as-of", AS_OF_TEXT])
    rows = capsys.readouterr().out.splitlines()
    assert status == 1
    assert rows[2].startswith(",error,")
    assert rows[2].endswith("line 2: $: got 'list'; expected a JSON object for one patient")


def test_a_text_stream_is_read_line_by_line_with_the_same_limit() -> None:
    stream = io.StringIO('{"id": "P1"}\n{"id": "P2", "x": "' + "y" * 100 + '"}\n{"id": "P3"}')
    got = [(n, type(item).__name__) for n, item in read_jsonl(stream, max_line_length=50)]
    assert got == [(1, "Record"), (2, "LoadError"), (3, "Record")]

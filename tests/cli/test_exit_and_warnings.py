"""Issue 15, items 4 (patient files), 8 and 10: exit status, signals, and warnings that say
what 0.1.0 passed over in silence.

- 8: ``screen ... | head -1`` exited 0 even when bad lines had been reported; ``--report``
  to an unwritable path failed only after the whole file was screened; Ctrl-C printed a
  traceback.
- 4: a patient file with one id twice was screened twice without a word.
- 10: names that differ from the protocol's only by surrounding spaces or case never
  matched, silently.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import AS_OF, AS_OF_TEXT
from trialrules import Domain, Flag, Latest, Protocol, Range, Record, TrialRulesError, lint
from trialrules.formats.records import read_jsonl, record_from_dict, record_to_dict
from trialrules.tools.lint import NameCase

CLI = [sys.executable, "-m", "trialrules.cli"]


def _write(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n"
                            for line in lines), encoding="utf-8")
    return path


# -- 8: exit status and signals -------------------------------------------------------------


def test_closed_pipe_still_exits_1_when_bad_lines_were_reported(tmp_path: Path) -> None:
    """A bad first line, then enough good ones that the output outgrows the pipe's buffer."""
    patients = _write(tmp_path / "p.jsonl", ['{"id": "B1", "sex": "F"}']
                      + [{"id": f"P{i}"} for i in range(3000)])
    proc = subprocess.Popen([*CLI, "screen", str(patients), "--as-of", AS_OF_TEXT],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()  # what `head -1` reads, then it exits
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err.decode()
    assert b"Traceback" not in err
    assert b"line 1, patient 'B1'" in err


def test_report_path_is_checked_before_screening(tmp_path: Path) -> None:
    patients = _write(tmp_path / "p.jsonl", [{"id": "P1"}])
    report = tmp_path / "no-such-folder" / "report.json"
    done = subprocess.run([*CLI, "screen", str(patients), "--as-of", AS_OF_TEXT, "--report",
                           str(report)], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2
    assert "cannot write the report" in done.stderr
    assert done.stdout == ""  # nothing was screened
    assert "screening against" not in done.stderr


def test_report_check_leaves_no_file_behind(tmp_path: Path) -> None:
    patients = _write(tmp_path / "p.jsonl", ["{"])  # one bad line: exit 1, report written
    report = tmp_path / "r.json"
    done = subprocess.run([*CLI, "screen", str(patients), "--as-of", AS_OF_TEXT, "--report",
                           str(report)], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 1
    assert json.loads(report.read_text())["bad_records"] == 1


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child needs POSIX")
def test_ctrl_c_exits_130_with_one_line() -> None:
    # SIGINT as a terminal leaves it (a test runner started in the background may ignore it,
    # and an ignored signal stays ignored in children).
    proc = subprocess.Popen([*CLI, "screen", "-", "--as-of", AS_OF_TEXT],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdin is not None
    assert proc.stderr is not None
    proc.stdin.write(b'{"id": "P1"}\n')
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    line = b""
    while b"screening against" not in line and time.monotonic() < deadline:
        line = proc.stderr.readline()  # started, and now waiting for more input
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.decode().strip().splitlines() == ["trialrules screen: interrupted"]


# -- 4: duplicate ids in a patient file ------------------------------------------------------


def test_duplicate_ids_in_a_patient_file_are_warned_about(tmp_path: Path) -> None:
    patients = _write(tmp_path / "p.jsonl", [{"id": "P1"}, {"id": "P2"}, {"id": "P1", "sex": "male"}])
    report = tmp_path / "r.json"
    done = subprocess.run([*CLI, "screen", str(patients), "--as-of", AS_OF_TEXT, "--report",
                           str(report)], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0
    assert ("trialrules: warning: line 3: patient 'P1' was already read on line 1; "
            "screened again") in done.stderr.splitlines()
    assert json.loads(report.read_text())["duplicate_ids"] == 1
    assert "Warning: 1 records repeat an id" in report.with_suffix(".txt").read_text()


# -- 10: surrounding spaces, case, -0.0 --------------------------------------------------------


@pytest.mark.parametrize("build", [
    lambda: Range("edss ", 3, 6), lambda: Range(Latest(" edss"), 3, 6),
    lambda: Flag("ms_diagnosis_confirmed "), lambda: Flag(" consent"),
    lambda: Protocol("T", "t", domains={"hb ": Domain(0, 1)}),
])
def test_names_with_surrounding_spaces_are_refused_in_protocols(build: Any) -> None:
    with pytest.raises(TrialRulesError, match="spaces at the start or end"):
        build()


@pytest.mark.parametrize(("data", "field"), [
    ({"observations": [{"code": "edss ", "value": 4, "date": "2026-10-02"}]}, "observations[0].code"),
    ({"flags": {"ms_diagnosis_confirmed ": True}}, "flags"),
    ({"conditions": [{"code": "ICD10:C50 ", "onset": "2020"}]}, "conditions[0].code"),
])
def test_names_with_surrounding_spaces_are_refused_in_patient_files(data: dict[str, Any],
                                                                     field: str) -> None:
    [(_, item)] = list(read_jsonl([json.dumps({"id": "P1", **data})]))
    assert not isinstance(item, Record)
    assert item.field == field


def test_lint_reports_names_that_differ_only_in_case() -> None:
    protocol = Protocol("T", "t", inclusion=[Range("EDSS", 3, 6), Flag("consent"),
                                             Flag("Consent")])
    found = [f for f in lint(protocol) if f.code == "case-only-name"]
    assert [f.criteria for f in found] == [("inclusion.1",), ("inclusion.2", "inclusion.3")]
    assert "'EDSS', 'edss'" in found[0].message  # the standard domain is declared as edss


def test_record_names_that_match_only_up_to_case_are_warned_about(tmp_path: Path) -> None:
    protocol = Protocol("T", "t", inclusion=[Range("edss", 3, 6), Flag("consent")])
    record = Record("P1", flags={"Consent": True})
    assert NameCase(protocol).warnings(record) == [
        "flag 'Consent' matches the protocol's 'consent' only up to case; it is not read"]
    patients = _write(tmp_path / "p.jsonl", [
        {"id": "P1", "observations": [{"code": "EDSS", "value": 4, "date": "2026-10-02"}]}])
    done = subprocess.run([*CLI, "screen", str(patients), "--as-of", AS_OF_TEXT],
                          capture_output=True, text=True, check=False, timeout=120)
    assert ("trialrules: warning: line 1, patient 'P1': observation code 'EDSS' matches the "
            "protocol's 'edss' only up to case; it is not read") in done.stderr.splitlines()


def test_negative_zero_is_shown_as_zero() -> None:
    record = record_from_dict({"id": "P1", "observations": [
        {"code": "edss", "value": -0.0, "date": "2026-10-02"}]})
    explanation = Range("edss", -0.0, 6).evaluate(record, AS_OF)
    minus_zero = re.compile(r"(?<![0-9])-0(?![0-9])")  # "-0", "-0.0"; not "2026-10-02"
    assert not minus_zero.search(explanation.reason)
    assert not minus_zero.search(repr(Range("edss", -0.0, 6)))
    assert not minus_zero.search(json.dumps(explanation.to_dict()))
    assert not minus_zero.search(json.dumps(record_to_dict(record)))

"""Exit codes of the command line, as documented in docs/reliability.md.

0 all input screened; 1 some input lines bad (the others screened); 2 usage
error, unreadable protocol (unknown id, missing or malformed file) or
unreadable input file; 3 internal error (a bug: never reported as 1).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import AS_OF_TEXT, GOOD_LINE
from trialrules.cli import main
from trialrules.cli._common import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from trialrules.protocol.protocol import Batch, Protocol

GOOD = GOOD_LINE + "\n"
BAD = '{"id": "P2", "birth_date": "1980-02-30"}\n'


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.jsonl"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.jsonl"
    path.write_text(GOOD + BAD, encoding="utf-8")
    return path


def test_the_codes_are_the_documented_numbers() -> None:
    assert (EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_INTERNAL) == (0, 1, 2, 3)


@pytest.mark.parametrize("fmt", ["text", "json", "csv"])
def test_zero_when_every_line_is_screened(good: Path, fmt: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(good), "--as-of", AS_OF_TEXT, "--format", fmt]) == 0


@pytest.mark.parametrize("fmt", ["text", "json", "csv"])
def test_one_when_some_lines_are_bad_and_the_rest_screened(
        mixed: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(mixed), "--as-of", AS_OF_TEXT, "--format", fmt]) == 1
    out = capsys.readouterr().out
    assert "P1" in out
    assert ('"line": 2' if fmt == "json" else "line 2") in out


def test_explain_zero_for_a_good_patient_one_for_a_bad_line(
        mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(mixed), "--id", "P1", "--as-of", AS_OF_TEXT]) == 0
    assert main(["explain", str(mixed), "--id", "P2", "--as-of", AS_OF_TEXT]) == 1


@pytest.mark.parametrize(("argv", "words"), [
    (["screen", "{good}", "--protocol", "NCT00000000"], "no bundled protocol 'NCT00000000'"),
    (["screen", "{good}", "--protocol", "{tmp}/missing.json"], "missing.json"),
    (["screen", "{good}", "--protocol", "{tmp}/broken.json"], "is not a valid protocol"),
    (["screen", "{good}", "--protocol", "{tmp}/deep.json"], "is not a valid protocol"),
    (["screen", "{good}", "--protocol", "{tmp}/latin1.json"], "is not a valid protocol"),
    (["screen", "{good}", "--protocol", "{tmp}"], "protocol"),
    (["screen", "{tmp}/missing.jsonl"], "cannot read"),
    (["screen", "{tmp}"], "cannot read"),
    (["screen", "{good}", "--as-of", "2027-02-30"], "is not a date"),
    (["screen", "{good}", "--as-of", "2027-1-1"], "is not a date"),
    (["screen", "{good}", "--as-of", "20261127xx"], "is not a date"),
    (["screen", "{good}", "--as-of", "2026-W48-5"], "is not a date"),
    (["screen", "{good}", "--as-of", "٢٠٢٦-١١-٢٧"], "is not a date"),
    (["screen", "{good}", "--format", "xml"], "invalid choice"),
    (["screen"], "required"),
    ([], "required"),
    (["frobnicate"], "invalid choice"),
    (["explain", "{good}", "--id", "nobody"], "no patient with id 'nobody'"),
    (["screen", "{tmp}/missing", "--input-format", "fhir"], "cannot read"),
    (["import-ctgov", "{tmp}/deep.json", "-o", "{tmp}/out.json"], "nested too deeply"),
    (["import-ctgov", "{tmp}/latin1.json", "-o", "{tmp}/out.json"], "is not valid JSON"),
    (["import-ctgov", "{tmp}/missing.json", "-o", "{tmp}/out.json"], "cannot read"),
])
def test_two_for_usage_errors_and_unreadable_protocols(
        argv: list[str], words: str, good: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.json").write_text('{"id": "X", "inclusion": [', encoding="utf-8")
    (tmp_path / "deep.json").write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    (tmp_path / "latin1.json").write_bytes(b'{"id": "X\xe9"}')
    args = [a.format(good=good, tmp=tmp_path) for a in argv]
    if args and args[0] in ("screen", "explain") and "--as-of" not in args and len(args) > 1:
        args += ["--as-of", AS_OF_TEXT]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err


def test_three_for_an_internal_error_never_one(good: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Protocol, "evaluate", broken)
    monkeypatch.setattr(Batch, "evaluate", broken)
    monkeypatch.setattr(Batch, "context", broken)  # every format evaluates in a context
    assert main(["screen", str(good), "--as-of", AS_OF_TEXT]) == 3
    err = capsys.readouterr().err
    assert "RuntimeError: a bug" in err
    assert "internal error; please report it" in err


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "0 all screened, 1 some lines bad (the rest screened), 2 usage error" in text
    assert "3 internal error" in text


def test_exit_codes_of_the_real_process(good: Path, mixed: Path) -> None:
    run = [sys.executable, "-c", "import sys; from trialrules.cli import main; sys.exit(main())"]
    codes = [subprocess.run([*run, *argv], capture_output=True, check=False).returncode
             for argv in (["screen", str(good), "--as-of", AS_OF_TEXT],
                          ["screen", str(mixed), "--as-of", AS_OF_TEXT],
                          ["screen", str(good), "--protocol", "nope", "--as-of", AS_OF_TEXT])]
    assert codes == [0, 1, 2]


def test_standard_input_is_read(good: Path) -> None:
    run = [sys.executable, "-c", "import sys; from trialrules.cli import main; sys.exit(main())"]
    done = subprocess.run([*run, "screen", "-", "--as-of", AS_OF_TEXT, "--format", "csv"],
                          input=(GOOD + BAD).encode(), capture_output=True, check=False)
    assert done.returncode == 1
    assert done.stdout.decode().splitlines()[1].startswith("P1,")

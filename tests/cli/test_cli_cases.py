"""``trialrules cases`` and ``trialrules check``: write a deck, review its diff, check against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import AS_OF_TEXT
from nct_slips import slipped
from trialrules import CodeSet, Flag, Lookback, OneOf, Protocol, Range, Sex, Span, Washout
from trialrules.cli import main
from trialrules.formats.protocols import dump_protocol
from trialrules.protocols.nct06228781 import PROTOCOL
from trialrules.testing import diff_decks, load_deck

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "examples" / "NCT06228781.cases.jsonl"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _protocol_file(tmp_path: Path, name: str) -> str:
    path = tmp_path / "slipped.json"
    path.write_text(dump_protocol(slipped(name)), encoding="utf-8")
    return str(path)


def _small(tmp_path: Path) -> str:
    """A one-criterion protocol file: quick to generate and score."""
    path = tmp_path / "small.json"
    path.write_text(dump_protocol(Protocol("T-1", "A trial", inclusion=[
        Range("edss", 3, 6, label="EDSS 3-6"),
        Washout(CodeSet("cytotoxic", prefixes=["ATC:L01"]), Span(months=1))])),
        encoding="utf-8")
    return str(path)


def test_cases_writes_the_deck_and_its_table(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "cases.jsonl"
    code, out, err = run(capsys, "cases", "NCT06228781", "--as-of", AS_OF_TEXT, "-o", str(out_file))
    assert code == 0, err
    # The committed deck was generated with this command. Its labels are signed off, so
    # they are not compared byte for byte (wording may improve); no label may change.
    new = load_deck(out_file, PROTOCOL)
    assert [d for d in diff_decks(load_deck(COMMITTED, PROTOCOL), new) if d.kind == "changed"] == []
    assert (tmp_path / "cases.md").read_text(encoding="utf-8").startswith(
        "# Case deck: NCT06228781\n")
    assert out.splitlines() == [
        f"NCT06228781: {len(new)} cases written to {out_file}",
        f"review table written to {tmp_path / 'cases.md'}"]


def test_cases_to_stdout_with_a_csv_table(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "review.csv"
    code, out, err = run(capsys, "cases", _small(tmp_path), "--as-of", AS_OF_TEXT,
                         "--as-of", "2027-03-31", "--table", str(table))
    assert code == 0, err
    lines = out.splitlines()
    assert {json.loads(line)["as_of"] for line in lines} >= {AS_OF_TEXT, "2027-03-31"}
    assert table.read_text(encoding="utf-8").startswith(
        "id,target,registry_text,probe,as_of,varies,expected\n")
    assert err == f"review table written to {table}\n"


def test_cases_needs_a_date_and_a_known_table_format(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "cases", "NCT06228781")
    assert code == 2
    assert "--as-of" in err
    code, _, err = run(capsys, "cases", "NCT06228781", "--as-of", AS_OF_TEXT, "--table",
                       str(tmp_path / "x.txt"))
    assert code == 2
    assert "give a file ending in .md (markdown) or .csv" in err


def test_cases_diff_shows_expected_outcomes_that_moved(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    protocol = _protocol_file(tmp_path, "EDSS 6 exclusive")
    code, out, err = run(capsys, "cases", protocol, "--as-of", AS_OF_TEXT, "-o",
                         str(tmp_path / "new.jsonl"), "--diff", str(COMMITTED))
    assert code == 0, err
    # Hand-written: under "EDSS 6 exclusive" the reviewed case EDSS 6 flips, nothing else.
    changed = [line for line in out.splitlines() if line.startswith("changed")]
    assert len(changed) == 1
    assert changed[0].endswith("edss 6 (on the high bound, inclusive): MET -> NOT_MET "
                               "(now: edss 6 (on the high bound, exclusive))")
    assert out.splitlines()[-1].startswith(
        f"against {COMMITTED}: 1 expected outcome(s) changed, ")


def test_cases_mutation_score(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cases", _small(tmp_path), "--as-of", AS_OF_TEXT, "-o",
                       str(tmp_path / "d.jsonl"), "--mutation-score")
    assert code == 0
    # Range: 6 bound slips and a window added; Washout: 6 span neighbours, 2 code-set slips.
    assert out.splitlines()[-1] == "15 of 15 mutants killed, 0 survived"


def test_check_passes_on_the_committed_deck(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "NCT06228781", str(COMMITTED))
    assert code == 0
    assert out == f"NCT06228781: all {len(COMMITTED.read_text().splitlines())} cases give " \
                  "their signed-off outcome\n"


def test_check_reports_each_changed_case_with_both_explanations(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    protocol = _protocol_file(tmp_path, "washout of 31 days instead of one month")
    code, out, _ = run(capsys, "check", protocol, str(COMMITTED), "--mutation-score")
    assert code == 1
    assert out.count("CHANGED exclusion.4-") >= 2
    assert "  signed off: NOT_MET; now: MET" in out
    assert "  signed-off explanation:\n    [NOT MET] exclusion.4" in out
    assert "falls in the 31 days before 2026-12-15 (2026-11-14 to 2026-12-15)" in out
    assert "cases changed outcome" in out
    # docs/testing.md shows this very output: its lines must still be true.
    shown = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8").splitlines()
    quoted = [line.strip() for line in shown
              if line.strip().startswith(("CHANGED exclusion.4", "case: as of", "signed off:"))]
    assert len(quoted) == 3
    for line in quoted:
        assert line in out
    assert " mutants killed, " in out


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read"),
    ("{broken\n", "line 1: not JSON"),
])
def test_check_refuses_an_unreadable_deck(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          content: str | None, message: str) -> None:
    path = tmp_path / "deck.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "check", "NCT06228781", str(path))
    assert code == 2
    assert message in err


def test_cases_diff_reads_the_old_deck_before_overwriting_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deck = tmp_path / "cases.jsonl"
    deck.write_bytes(COMMITTED.read_bytes())
    protocol = _protocol_file(tmp_path, "EDSS 3 exclusive")
    code, out, _ = run(capsys, "cases", protocol, "--as-of", AS_OF_TEXT, "-o", str(deck),
                       "--diff", str(deck))
    assert code == 0
    assert "1 expected outcome(s) changed" in out.splitlines()[-1]
    assert deck.read_bytes() != COMMITTED.read_bytes()


def test_the_deck_is_the_same_under_any_hash_seed(tmp_path: Path) -> None:
    # Sets and dicts iterate in hash order: the deck must not depend on it.
    path = tmp_path / "sets.json"
    path.write_text(dump_protocol(Protocol("T-2", "A trial", inclusion=[
        Lookback(CodeSet("hiv", prefixes=["ICD10:B20", "ICD10:B22", "ICD10CM:B20"],
                         codes=["SNOMED:86406008", "SNOMED:1"]), Span(years=2)),
        OneOf(Sex(), ["male", "other"])], exclusion=[
        Flag("pregnant", assume_false_if=OneOf(Sex(), ["male", "other"]))])), encoding="utf-8")
    protocol = str(path)
    outputs = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "trialrules.cli", "cases", protocol, "--as-of", AS_OF_TEXT],
            capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed}, check=False,
            timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0]


def test_a_deck_named_md_keeps_its_table_beside_it(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    deck = tmp_path / "deck.md"
    code, out, err = run(capsys, "cases", _small(tmp_path), "--as-of", AS_OF_TEXT, "-o", str(deck))
    assert code == 0, err
    assert deck.read_text(encoding="utf-8").startswith("{")  # the deck, not the table
    assert (tmp_path / "deck.md.table.md").read_text(encoding="utf-8").startswith("# Case deck")
    assert out.splitlines()[-1] == f"review table written to {tmp_path / 'deck.md.table.md'}"


def test_the_tutorial_deck_scores_every_mutant_from_the_command_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    # docs/testing.md's command: the committed tutorial deck kills all 86 generated mutants
    # (14 of them, the neighbours of "6 months" and "3 months", survived before the
    # window-edge cases of cumulative days and changes).
    tutorial = str(ROOT / "docs" / "examples" / "nct00763412.json")
    code, out, err = run(capsys, "check", tutorial,
                         str(ROOT / "docs" / "examples" / "nct00763412.cases.jsonl"),
                         "--mutation-score")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "NCT00763412: all 317 cases give their signed-off outcome"
    assert lines[1] == "86 of 86 mutants killed, 0 survived"

"""Acceptance review 2: statements of issues 6-8 checked as an outside tester reads them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trialrules.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "patients.jsonl"


def test_readme_sample_output_never_ends_a_list_heading_with_nothing_under_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    """A sample line ending in ':' introduces lines: the next sample line is real output or '...'."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- sample output -->\n```text\n(.*?)```", readme, re.S)
    assert block is not None
    assert main(["screen", str(EXAMPLES), "--as-of", "2027-03-31"]) == 0
    output = capsys.readouterr().out.splitlines()
    shown = block.group(1).splitlines()
    for i, line in enumerate(shown):
        if line.rstrip().endswith(":"):
            assert i + 1 < len(shown), f"the sample ends on {line!r} with nothing under it"
            after = shown[i + 1]
            assert after.strip() == "..." or after == output[output.index(line) + 1], (line, after)


def test_batch_screen_and_report_are_exported_from_the_package() -> None:
    # Issue 6: "screen(protocol, records, as_of) is a lazy iterator" and "the API
    # returns it [the report] as data": reachable as trialrules.screen / FeasibilityReport.
    import trialrules
    from trialrules.tools.batch import screen as batch_screen
    from trialrules.tools.report import FeasibilityReport as Report

    assert trialrules.screen is batch_screen
    assert trialrules.FeasibilityReport is Report
    assert {"screen", "FeasibilityReport"} <= set(trialrules.__all__)


def test_report_to_standard_output_is_refused(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from trialrules.cli import main

    patients = tmp_path / "p.jsonl"
    patients.write_text('{"id": "P1"}\n', encoding="utf-8")
    assert main(["screen", str(patients), "--as-of", "2027-03-31", "--report", "-"]) == 2
    assert "--report '-'" in capsys.readouterr().err

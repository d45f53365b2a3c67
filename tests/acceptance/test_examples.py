"""examples/patients.jsonl: every example's determination, the coverage claim, and the README."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from nct_records import CRITERIA
from trialrules import Determination, Outcome, ProtocolResult
from trialrules.cli import main
from trialrules.formats.records import LoadError, iter_jsonl
from trialrules.protocols.nct06228781 import PROTOCOL

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "patients.jsonl"
#: The screening date the README fixes for the examples.
AS_OF = date(2027, 3, 31)

ELIGIBLE = Determination.ELIGIBLE
INELIGIBLE = Determination.INELIGIBLE
REVIEW = Determination.NEEDS_REVIEW

#: Each example patient: its determination as of 2027-03-31, and what it shows.
EXPECTED = {
    "P01": (ELIGIBLE, "every criterion decided in the patient's favour"),
    "P02": (ELIGIBLE, "18th birthday on as_of"),
    "P03": (INELIGIBLE, "18th birthday tomorrow: 17 (inclusion.1)"),
    "P04": (ELIGIBLE, "eve of the 61st birthday: 60"),
    "P05": (INELIGIBLE, "61st birthday on as_of (inclusion.1)"),
    "P06": (ELIGIBLE, "born 29 February 2008; 19 since 28 February 2027"),
    "P07": (REVIEW, "born in 1966: 60 or 61 (inclusion.1 unknown)"),
    "P08": (ELIGIBLE, "EDSS 3, the inclusive low end"),
    "P09": (ELIGIBLE, "EDSS 6, the inclusive high end"),
    "P10": (INELIGIBLE, "EDSS 2.5 (inclusion.3)"),
    "P11": (INELIGIBLE, "EDSS 6.5 (inclusion.3)"),
    "P12": (REVIEW, "no EDSS recorded"),
    "P13": (ELIGIBLE, "cerebellar 3 is enough (pyramidal 2)"),
    "P14": (INELIGIBLE, "cerebellar 2 and pyramidal 2 (inclusion.4)"),
    "P15": (REVIEW, "cerebellar 2, pyramidal not recorded"),
    "P16": (INELIGIBLE, "MS diagnosis not confirmed (inclusion.2)"),
    "P17": (INELIGIBLE, "no current disease activity (inclusion.5)"),
    "P18": (INELIGIBLE, "hepatic inflammation or fibrosis (inclusion.7)"),
    "P19": (INELIGIBLE, "myelodysplasia or cytopenia (exclusion.1)"),
    "P20": (INELIGIBLE, "mitoxantrone on 28 Feb, the window's first day (exclusions 2, 4)"),
    "P21": (ELIGIBLE, "mitoxantrone on 27 Feb, the day before the window; marrow normal"),
    "P22": (INELIGIBLE, "ongoing cyclophosphamide (exclusions 2, 4)"),
    "P23": (REVIEW, "cyclophosphamide dated only 2027-02: may be in the window"),
    "P24": (REVIEW, "prior mitoxantrone, marrow and cytogenetics not recorded"),
    "P25": (INELIGIBLE, "prior cyclophosphamide, abnormal marrow (inclusion.6)"),
    "P26": (INELIGIBLE, "HIV, ongoing (exclusion.3)"),
    "P27": (ELIGIBLE, "zoster ended the day before as_of"),
    "P28": (INELIGIBLE, "mononucleosis ends on as_of (exclusion.3)"),
    "P29": (REVIEW, "hepatitis B ended on an unrecorded day of March"),
    "P30": (INELIGIBLE, "breast cancer ended on the 5-year window's first day (exclusion.5)"),
    "P31": (ELIGIBLE, "breast cancer ended the day before the 5-year window"),
    "P32": (REVIEW, "melanoma ended in 2022-03, the edge month"),
    "P33": (INELIGIBLE, "organ impairment (exclusion.6)"),
    "P34": (INELIGIBLE, "limited life expectancy (exclusion.7)"),
    "P35": (INELIGIBLE, "pregnancy or risk (exclusion.8)"),
    "P36": (ELIGIBLE, "male without a pregnancy flag"),
    "P37": (REVIEW, "female without a pregnancy flag"),
    "P38": (INELIGIBLE, "unable to consent (exclusion.9)"),
    "P39": (REVIEW, "a new referral: only birth date and sex"),
    "P40": (REVIEW, "histories not declared complete"),
}


def _results() -> list[ProtocolResult]:
    with EXAMPLES.open("rb") as stream:
        items = list(iter_jsonl(stream, domains=PROTOCOL.domains))
    assert not [item for item in items if isinstance(item, LoadError)]
    return [PROTOCOL.evaluate(item, AS_OF) for item in items if not isinstance(item, LoadError)]


RESULTS = _results()


def test_there_are_at_least_25_examples() -> None:
    assert len(RESULTS) >= 25


def test_every_example_has_its_expected_determination() -> None:
    got = {r.patient: r.determination for r in RESULTS}
    assert got == {pid: expected for pid, (expected, _) in EXPECTED.items()}


def test_every_criterion_is_met_not_met_and_unknown_somewhere() -> None:
    seen: dict[str, set[Outcome]] = defaultdict(set)
    for result in RESULTS:
        for e in result.criteria:
            seen[e.id].add(e.outcome)
    assert {cid: seen[cid] for cid in CRITERIA} == {cid: set(Outcome) for cid in CRITERIA}


def test_examples_hold_every_kind_of_determination() -> None:
    kinds = {d for d, _ in EXPECTED.values()}
    assert kinds == set(Determination)


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_quick_start_screens_the_examples_with_the_fixed_date() -> None:
    assert ("python3 -m venv .venv && .venv/bin/pip install -q . && "
            f".venv/bin/trialrules screen examples/patients.jsonl --as-of {AS_OF}") in _readme()


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    marker = ci.index("# The README's test command:")
    command = ci[marker + 1].strip()
    assert command in _readme()


def test_readme_sample_output_is_real(capsys: pytest.CaptureFixture[str]) -> None:
    block = re.search(r"<!-- sample output -->\n```text\n(.*?)```", _readme(), re.S)
    assert block is not None, "the README's sample output block is missing"
    assert main(["screen", str(EXAMPLES), "--as-of", AS_OF.isoformat()]) == 0
    output = capsys.readouterr().out.splitlines()
    shown = [line for line in block.group(1).splitlines() if line.strip() != "..."]
    assert len(shown) >= 5
    assert [line for line in shown if line not in output] == []

"""Feasibility report: counts, alone/gain/funnel definitions, exact merging, CLI --report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _workload import load
from trialrules import Determination, Flag, Outcome, Protocol
from trialrules.cli import main
from trialrules.formats.records import LoadError
from trialrules.protocols import get
from trialrules.tools.batch import Decision, screen
from trialrules.tools.report import FeasibilityReport, ReportMismatch, Tally, merge

AS_OF = date(2027, 3, 1)
#: A small protocol: 2 inclusions, 2 exclusions (the tally only sees outcomes).
SMALL = Protocol("T-1", "test", inclusion=[Flag("a"), Flag("b")], exclusion=[Flag("c"), Flag("d")])
K, N = 2, 4

outcomes = st.sampled_from(list(Outcome))
patients = st.lists(st.one_of(st.tuples(*[outcomes] * N), st.none()), max_size=40)


def _items(rows: list[tuple[Outcome, ...] | None]) -> list[Decision | LoadError]:
    out: list[Decision | LoadError] = []
    for i, row in enumerate(rows):
        if row is None:
            out.append(LoadError(i + 1, None, None, "bad"))
            continue
        det = Determination.from_outcomes(row[:K], row[K:])
        out.append(Decision("T-1", f"P{i}", AS_OF, det, ("inclusion.1", "inclusion.2",
                                                          "exclusion.1", "exclusion.2"),
                            row, inclusions=K))
    return out


def _report(rows: list[tuple[Outcome, ...] | None]) -> FeasibilityReport:
    return FeasibilityReport.of(SMALL, AS_OF, _items(rows))


@given(patients, patients)
def test_reports_of_partitions_merge_exactly(a: list[Any], b: list[Any]) -> None:
    assert _report(a) + _report(b) == _report(a + b)
    assert merge([_report(a), _report(b)]) == _report(a + b)
    assert _report(a) + FeasibilityReport.empty(SMALL, AS_OF) == _report(a)


@given(patients)
def test_counts_follow_their_definitions(rows: list[Any]) -> None:
    report = _report(rows)
    screened = [r for r in rows if r is not None]
    assert report.bad_records == len(rows) - len(screened)
    assert report.screened == len(screened)
    dets = [Determination.from_outcomes(r[:K], r[K:]) for r in screened]
    assert report.eligible == dets.count(Determination.ELIGIBLE)
    assert report.ineligible == dets.count(Determination.INELIGIBLE)
    assert report.needs_review == dets.count(Determination.NEEDS_REVIEW)
    for i, c in enumerate(report.criteria):
        assert c.met + c.not_met + c.unknown == len(screened)
        assert c.met == sum(r[i] is Outcome.MET for r in screened)
        excluding = Outcome.NOT_MET if i < K else Outcome.MET

        def excludes(r: tuple[Outcome, ...], j: int) -> bool:
            return r[j] is (Outcome.NOT_MET if j < K else Outcome.MET)

        assert c.excluded == sum(r[i] is excluding for r in screened)
        assert c.alone == sum(excludes(r, i) and not any(excludes(r, j) for j in range(N) if j != i)
                              for r in screened)
        # gain, by brute force: drop the criterion and decide again.
        dropped = [Determination.from_outcomes(
            [o for j, o in enumerate(r[:K]) if j != i],
            [o for j, o in enumerate(r[K:], K) if j != i]) for r in screened]
        assert c.gain == sum(d is Determination.INELIGIBLE and e is Determination.ELIGIBLE
                             for d, e in zip(dets, dropped, strict=True))
        assert c.undecided_alone == sum(d is Determination.NEEDS_REVIEW
                                        and e is Determination.ELIGIBLE
                                        for d, e in zip(dets, dropped, strict=True))
        assert c.remaining == sum(not any(excludes(r, j) for j in range(i + 1)) for r in screened)
        assert c.certain == sum(all(
            r[j] is not Outcome.UNKNOWN and not excludes(r, j) for j in range(i + 1))
            for r in screened)
    if report.criteria:
        assert report.criteria[-1].remaining == report.eligible + report.needs_review
        assert report.criteria[-1].certain == report.eligible


@given(patients)
def test_dict_round_trip(rows: list[Any]) -> None:
    report = _report(rows)
    data = json.loads(json.dumps(report.to_dict()))
    assert FeasibilityReport.from_dict(data) == report


def test_full_results_and_decisions_give_the_same_report() -> None:
    protocol = get("NCT06228781")
    sample = [*load().patients(200, seed=11), {"id": "bad", "sex": 1}]
    full = FeasibilityReport.of(protocol, AS_OF, screen(protocol, sample, AS_OF))
    light = FeasibilityReport.of(protocol, AS_OF, screen(protocol, sample, AS_OF, explain=False))
    assert full == light
    assert full.bad_records == 1
    assert full.screened == 200
    assert [c.id for c in full.criteria] == [c.id for c in protocol.criteria]
    # Exclusions 2 and 4 are the same rule: neither ever excludes alone.
    dup = {c.id: c for c in full.criteria}
    assert dup["exclusion.2"].alone == dup["exclusion.4"].alone == 0
    assert dup["exclusion.2"].met == dup["exclusion.4"].met


def test_mismatched_reports_do_not_merge() -> None:
    protocol = get("NCT06228781")
    a = FeasibilityReport.empty(protocol, AS_OF)
    with pytest.raises(ReportMismatch, match="as_of"):
        a + FeasibilityReport.empty(protocol, date(2027, 3, 2))
    with pytest.raises(ReportMismatch):
        a + FeasibilityReport.empty(SMALL, AS_OF)
    with pytest.raises(ReportMismatch, match="at least one"):
        merge([])
    tally = Tally(SMALL, AS_OF)
    (result,) = screen(protocol, [{"id": "P"}], AS_OF)
    with pytest.raises(ReportMismatch, match="does not belong"):
        tally.add(result)


def test_render_is_a_table_in_protocol_order() -> None:
    text = _report([(Outcome.MET, Outcome.MET, Outcome.NOT_MET, Outcome.NOT_MET),
                    (Outcome.NOT_MET, Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN),
                    None]).render()
    lines = text.splitlines()
    assert lines[0] == "Feasibility of T-1 as of 2027-03-01"
    assert "Patients screened: 2 (bad records, not screened: 1)" in lines[1]
    rows = [ln.split() for ln in lines if ln.startswith(("inclusion.", "exclusion.", "(start)"))]
    assert [r[0] for r in rows] == ["(start)", "inclusion.1", "inclusion.2", "exclusion.1",
                                    "exclusion.2"]
    # inclusion.1: met 1, not met 1, unknown 0, excludes 1, alone 1, gain 0 (exclusion.2 is
    # open for the one it excludes), only open 0, remaining 1, certain 1.
    assert rows[1][1:] == ["1", "1", "0", "1", "1", "0", "0", "1", "1"]
    assert str(_report([])) == _report([]).render()


def test_cli_writes_the_report_as_json_and_table(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    protocol = get("NCT06228781")
    sample = list(load().patients(60, seed=3))
    src = tmp_path / "patients.jsonl"
    src.write_text("".join(json.dumps(p) + "\n" for p in sample) + "{not json\n")
    out = tmp_path / "feasibility.json"
    status = main(["screen", str(src), "--as-of", "2027-03-01", "--format", "json",
                   "--report", str(out), "--no-progress"])
    assert status == 1  # one bad line
    captured = capsys.readouterr()
    assert "feasibility report written to" in captured.err
    data = json.loads(out.read_text())
    expected = FeasibilityReport.of(protocol, AS_OF, [
        *screen(protocol, sample, AS_OF, explain=False), LoadError(61, None, None, "bad")])
    assert data == expected.to_dict()
    table = out.with_suffix(".txt").read_text()
    assert table.startswith("Feasibility of NCT06228781 as of 2027-03-01")
    assert "(bad records, not screened: 1)" in table


def test_cli_report_path_must_not_be_the_table(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "p.jsonl"
    src.write_text('{"id": "A"}\n')
    assert main(["screen", str(src), "--as-of", "2027-03-01", "--report",
                 str(tmp_path / "r.txt")]) == 2
    assert "suffix .txt" in capsys.readouterr().err


def test_progress_bar_only_when_asked_or_on_a_terminal(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    src = tmp_path / "p.jsonl"
    src.write_text('{"id": "A"}\n{"id": "B"}\n')
    main(["screen", str(src), "--as-of", "2027-03-01", "--format", "csv"])
    quiet = capsys.readouterr().err
    assert "patients" not in quiet
    assert "\r" not in quiet
    main(["screen", str(src), "--as-of", "2027-03-01", "--format", "csv", "--progress"])
    assert "2 patients" in capsys.readouterr().err

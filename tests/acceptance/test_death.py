"""Issue 15, item 13: a dead patient is never screened as if alive.

0.1.0 ignored FHIR ``deceased[x]`` and had no death date: a patient who died
in 2009 at 19 was screened as "age 37". The record (and the patient file)
now carries ``death_date``; a patient who died on or before as_of is
INELIGIBLE whatever the criteria say (they are still all evaluated and
reported), and an age is never counted past the day of death.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from helpers import AS_OF
from trialrules import Age, Flag, PartialDate, Protocol, Range, Record, TrialRulesError
from trialrules.formats.fhir import record_from_bundle
from trialrules.formats.records import read_jsonl, record_from_dict, record_to_dict
from trialrules.tools.batch import screen
from trialrules.tools.report import Tally
from trialrules.values.outcomes import Determination, Outcome

# Born 1990-06-01, died 2009-05-03: aged 18 at death (their 19th birthday never came).
BORN, DIED = "1990-06-01", "2009-05-03"
ADULTS = Protocol("T-1", "Adults", inclusion=[Range(Age(), 18, 60)])
OPEN = Protocol("T-2", "Adults who consented", inclusion=[Range(Age(), 18, 60), Flag("consent")])


def _dead(death: object = DIED, **more: object) -> Record:
    return Record("P1", birth_date=BORN, death_date=death, **more)  # type: ignore[arg-type]


def test_death_date_is_a_record_field_and_is_checked_against_the_birth() -> None:
    assert _dead().death_date == PartialDate(2009, 5, 3)
    with pytest.raises(TrialRulesError, match=r"patient 'P1'.*death_date.*on or after birth_date"):
        Record("P1", birth_date=BORN, death_date="1990-05-31")
    Record("P1", birth_date=BORN, death_date=BORN)  # died the day they were born: allowed


def test_patient_file_reads_and_writes_death_date() -> None:
    record = record_from_dict({"id": "P1", "birth_date": BORN, "death_date": DIED})
    assert record.death_date == PartialDate(2009, 5, 3)
    assert record_to_dict(record)["death_date"] == DIED
    unknown_day = record_from_dict({"id": "P1", "death_date": {"date": "unknown"}})
    assert unknown_day.death_date == PartialDate()
    assert record_to_dict(unknown_day)["death_date"] == {"date": "unknown"}
    assert record_from_dict({"id": "P1", "death_date": None}).death_date is None
    [(_, bad)] = list(read_jsonl([json.dumps({"id": "P1", "birth_date": BORN,
                                              "death_date": "1980"})]))
    assert not isinstance(bad, Record)
    assert bad.field == "death_date"


@pytest.mark.parametrize(("as_of", "determination"), [
    (date(2009, 5, 2), Determination.ELIGIBLE),     # the day before death: alive, aged 18
    (date(2009, 5, 3), Determination.INELIGIBLE),   # the day of death counts as dead
    (date(2009, 5, 4), Determination.INELIGIBLE),
    (date(2027, 8, 1), Determination.INELIGIBLE),   # "age 37" in 0.1.0, ELIGIBLE
])
def test_determination_around_the_day_of_death(as_of: date, determination: Determination) -> None:
    result = ADULTS.evaluate(_dead(), as_of)
    assert result.determination is determination
    assert ADULTS.decide(_dead(), as_of) is determination
    [decision] = screen(ADULTS, [_dead()], as_of, explain=False)
    assert decision.determination is determination  # type: ignore[union-attr]


def test_a_dead_patient_is_ineligible_with_the_reason_and_every_criterion_reported() -> None:
    result = OPEN.evaluate(_dead(), AS_OF)
    assert result.determination is Determination.INELIGIBLE
    assert result.death == f"patient died on {DIED}, on or before the reference date {AS_OF}"
    assert [e.outcome for e in result.inclusion] == [Outcome.MET, Outcome.UNKNOWN]
    assert result.to_dict()["death"] == result.death
    assert f"died on {DIED}" in str(result).splitlines()[1]


def test_age_stops_at_death() -> None:
    explanation = Range(Age(), 18, 60).evaluate(_dead(), AS_OF)
    assert explanation.reason.startswith(f"age 18 (born {BORN}, died {DIED})")
    assert Range(Age(), 30, 60).decide(_dead(), AS_OF) is Outcome.NOT_MET  # never reached 30
    months = Range(Age(unit="months"), 0, 10_000).evaluate(_dead(), AS_OF)
    assert "age in months 227 " in months.reason  # 1990-06-01 + 227 months = 2009-05-01


def test_death_on_an_unknown_day_or_straddling_as_of_is_never_eligible() -> None:
    """Possibly dead by as_of: at best NEEDS_REVIEW, naming the death date as the missing fact."""
    for death in (PartialDate(), PartialDate(AS_OF.year, AS_OF.month)):
        result = ADULTS.evaluate(_dead(death), AS_OF)
        assert result.determination is Determination.NEEDS_REVIEW
        assert "exact date of death" in result.missing
        assert ADULTS.decide(_dead(death), AS_OF) is Determination.NEEDS_REVIEW


def test_death_after_as_of_changes_nothing() -> None:
    """Screening as of a day they were alive (a retrospective study)."""
    alive = Record("P1", birth_date=BORN)
    as_of = date(2009, 1, 1)
    assert ADULTS.evaluate(_dead(), as_of) == ADULTS.evaluate(alive, as_of)


def test_report_counts_a_dead_patient_as_ineligible_not_as_eligible() -> None:
    tally = Tally(ADULTS, AS_OF)
    for item in screen(ADULTS, [_dead(), Record("P2", birth_date=BORN)], AS_OF):
        tally.add(item)  # type: ignore[arg-type]
    report = tally.report()
    assert (report.eligible, report.ineligible) == (1, 1)


@pytest.mark.parametrize(("element", "value", "death"), [
    ("deceasedDateTime", "2009-05-03T10:00:00Z", PartialDate(2009, 5, 3)),
    ("deceasedDateTime", "2009", PartialDate(2009)),
    ("deceasedBoolean", True, PartialDate()),
    ("deceasedBoolean", False, None),
])
def test_fhir_deceased_becomes_the_death_date(element: str, value: object,
                                              death: PartialDate | None) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Patient", "id": "p1", "birthDate": BORN, element: value}}]}
    record = record_from_bundle(bundle)
    assert record.death_date == death
    if death is not None and not death.is_unknown:
        assert ADULTS.decide(record, AS_OF) is Determination.INELIGIBLE


def test_screen_text_line_gives_the_death_as_the_reason(tmp_path: object,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    # The text line of a patient ineligible only because they died was empty before; the
    # expected lines are written out by hand.
    from pathlib import Path

    from trialrules.cli import main
    path = Path(str(tmp_path)) / "dead.jsonl"
    path.write_text(
        '{"id": "D1", "birth_date": "1980-01-01", "sex": "female", "death_date": "2026-01-01"}\n'
        '{"id": "D2", "birth_date": "2015-01-01", "sex": "female", "death_date": "2026-01-01"}\n')
    main(["screen", str(path), "--as-of", "2027-03-31"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == ("D1\tINELIGIBLE\tpatient died on 2026-01-01, on or before the "
                        "reference date 2027-03-31")
    assert lines[2] == ("D2\tINELIGIBLE\tpatient died on 2026-01-01, on or before the reference "
                        "date 2027-03-31; inclusion.1: age 11 (born 2015-01-01, died 2026-01-01) "
                        "is not between 18 and 60 (both inclusive)")
    assert not any("as_of" in line for line in lines)

"""ClinicalTrials.gov API v2 import: the real AACT records and the age, sex and text rules."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from helpers import AS_OF
from trialrules import (
    Age,
    AllOf,
    Flag,
    InvalidDocument,
    OneOf,
    Outcome,
    Placeholder,
    Range,
    Record,
    Sex,
    Threshold,
)
from trialrules.cli import main
from trialrules.formats.ctgov import ParsedAge, parse_age, protocol_from_study, split_criteria

DATA = Path(__file__).resolve().parents[1] / "data" / "ctgov"


def study(nct: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{nct}.json").read_text(encoding="utf-8"))
    return data


def minimal(**eligibility: Any) -> dict[str, Any]:
    return {"protocolSection": {
        "identificationModule": {"nctId": "NCT00000001", "briefTitle": "A study"},
        "eligibilityModule": eligibility}}


def placeholders(protocol: Any) -> list[str]:
    return [c.label for c in protocol.criteria if isinstance(c, Placeholder)]


def test_nct00763412_ages_12_to_24_and_items() -> None:
    protocol = protocol_from_study(study("NCT00763412"))
    assert protocol.id == "NCT00763412"
    assert protocol.title.startswith("Pilot and Feasibility Study for the Treatment of Pre-diabetes")
    age = protocol.criterion("registry.age")
    assert age == Range(Age(), 12, 24, id="registry.age",
                        label="minimumAge 12 Years; maximumAge 24 Years")
    assert protocol.criterion("registry.healthy_volunteers") == Flag(
        "healthy_volunteer", expected=False, id="registry.healthy_volunteers",
        label="healthyVolunteers false: healthy volunteers are not accepted")
    assert len([c for c in protocol.inclusion if isinstance(c, Placeholder)]) == 5
    assert len(protocol.exclusion) == 6
    # Markdown escapes are dropped: the registry's "\<126" is "<126".
    assert protocol.criterion("inclusion.3").label == (
        "Must have a glucose pattern by Oral Glucose Tolerance Test with fasting blood glucose "
        "<126 mg/dl and 2 hour: 140 - 199 mg/dl or >200 mg/dl.")
    assert protocol.criterion("exclusion.4").label == (
        "Patients who have received systemic steroids for more than 28 days during the 6 "
        "months prior to the study")


def test_nct00973089_healthy_volunteers_accepted_adds_no_criterion() -> None:
    protocol = protocol_from_study(study("NCT00973089"))
    assert [c.id for c in protocol.inclusion][:2] == ["registry.age", "inclusion.1"]
    assert protocol.criterion("registry.age") == Range(
        Age(), 5, 8, id="registry.age", label="minimumAge 5 Years; maximumAge 8 Years")
    assert protocol.criterion("inclusion.1").label == "Healthy children"
    assert len(protocol.exclusion) == 3


def test_nct03475563_structured_minimum_kept_text_kept_for_a_human() -> None:
    protocol = protocol_from_study(study("NCT03475563"))
    age = protocol.criterion("registry.age")
    assert age == Threshold(Age(), ">=", 18, id="registry.age", label="minimumAge 18 Years")
    assert protocol.criterion("inclusion.1").label == "Age over 18 years."
    # On the 18th birthday the structured field says eligible; the text item stays UNKNOWN.
    adult = Record("x", birth_date="2008-11-27")
    outcomes = protocol.outcomes(adult, AS_OF)
    assert outcomes["registry.age"] is Outcome.MET
    assert outcomes["inclusion.1"] is Outcome.UNKNOWN
    assert protocol.outcomes(Record("y", birth_date="2008-11-28"), AS_OF)["registry.age"] is (
        Outcome.NOT_MET)
    result = protocol.evaluate(adult, AS_OF)
    assert result.criteria[2].reason == "not yet encoded"
    assert len(placeholders(protocol)) == 12


def test_placeholders_keep_every_real_item_in_order() -> None:
    for nct in ("NCT00763412", "NCT00973089", "NCT03475563"):
        protocol = protocol_from_study(study(nct))
        text = study(nct)["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
        assert text.count("\n* ") == len(placeholders(protocol))


@pytest.mark.parametrize(("text", "expected"), [
    ("18 Years", ParsedAge(18, "years")), ("1 Year", ParsedAge(1, "years")),
    ("6 Months", ParsedAge(6, "months")), ("2 Weeks", ParsedAge(2, "weeks")),
    ("30 Days", ParsedAge(30, "days")), ("24 Hours", ParsedAge(24, "hours")),
    ("N/A", None), (None, None),
])
def test_parse_age(text: Any, expected: ParsedAge | None) -> None:
    assert parse_age(text, "minimumAge") == expected


@pytest.mark.parametrize("text", ["18 Fortnights", "18", "Years", "18.5 Years", "-1 Years", 18])
def test_bad_ages_name_the_field(text: Any) -> None:
    with pytest.raises(InvalidDocument, match=r"eligibilityModule\.maximumAge"):
        protocol_from_study(minimal(maximumAge=text))


def test_months_minimum_with_years_maximum_is_exact() -> None:
    protocol = protocol_from_study(minimal(minimumAge="6 Months", maximumAge="17 Years"))
    age = protocol.criterion("registry.age")
    assert isinstance(age, AllOf)
    assert age.children == (
        Threshold(Age(unit="months"), ">=", 6, id="registry.age.minimum",
                  label="minimumAge 6 Months"),
        Threshold(Age(), "<=", 17, id="registry.age.maximum", label="maximumAge 17 Years"))
    as_of = date(2027, 3, 31)
    # 6 completed months: born 2026-09-30 is 6 months old on 2027-03-31; a day later is not.
    assert protocol.outcomes(Record("a", birth_date="2026-09-30"), as_of)["registry.age"] is (
        Outcome.MET)
    assert protocol.outcomes(Record("b", birth_date="2026-10-01"), as_of)["registry.age"] is (
        Outcome.NOT_MET)
    # 17 years until the day before the 18th birthday.
    assert protocol.outcomes(Record("c", birth_date="2009-04-01"), as_of)["registry.age"] is (
        Outcome.MET)
    assert protocol.outcomes(Record("d", birth_date="2009-03-31"), as_of)["registry.age"] is (
        Outcome.NOT_MET)


def test_weeks_bounds_in_one_unit_make_a_range() -> None:
    protocol = protocol_from_study(minimal(minimumAge="2 Weeks", maximumAge="10 Weeks"))
    assert protocol.criterion("registry.age") == Range(
        Age(unit="weeks"), 2, 10, id="registry.age",
        label="minimumAge 2 Weeks; maximumAge 10 Weeks")


def test_maximum_only_and_hours() -> None:
    assert protocol_from_study(minimal(maximumAge="65 Years")).criterion("registry.age") == (
        Threshold(Age(), "<=", 65, id="registry.age", label="maximumAge 65 Years"))
    hours = protocol_from_study(minimal(minimumAge="24 Hours")).criterion("registry.age")
    assert isinstance(hours, Placeholder)
    assert "time of birth" in (hours.label or "")


def test_no_ages_no_age_criterion() -> None:
    protocol = protocol_from_study(minimal(minimumAge="N/A", maximumAge="N/A", sex="ALL"))
    assert protocol.criteria == ()


@pytest.mark.parametrize(("sex", "values"), [("FEMALE", ["female"]), ("MALE", ["male"])])
def test_sex(sex: str, values: list[str]) -> None:
    protocol = protocol_from_study(minimal(sex=sex))
    assert protocol.criterion("registry.sex") == OneOf(Sex(), values, id="registry.sex",
                                                       label=f"sex {sex}")


def test_bad_sex_and_healthy_volunteers() -> None:
    with pytest.raises(InvalidDocument, match=r"eligibilityModule\.sex"):
        protocol_from_study(minimal(sex="BOTH"))
    with pytest.raises(InvalidDocument, match=r"eligibilityModule\.healthyVolunteers"):
        protocol_from_study(minimal(healthyVolunteers="No"))


@pytest.mark.parametrize(("data", "path"), [
    ({}, r"\$\.protocolSection"),
    ({"protocolSection": {"identificationModule": {"nctId": "12"}}}, r"nctId"),
])
def test_bad_records(data: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidDocument, match=path):
        protocol_from_study(data)


def test_split_numbered_items_sub_bullets_and_continuations() -> None:
    text = ("Inclusion Criteria:\n\n1. Adults\n2. One of:\n   * relapsing MS\n   * progressive MS\n"
            "3. Consent\n   given in writing\n\nExclusion Criteria:\n\n- Pregnancy\n- Cancer\n")
    included, excluded = split_criteria(text)
    assert included == ["Adults", "One of:\n* relapsing MS\n* progressive MS",
                        "Consent\ngiven in writing"]
    assert excluded == ["Pregnancy", "Cancer"]


def test_split_without_headings_counts_as_inclusion() -> None:
    assert split_criteria("* a\n* b") == (["a", "b"], [])
    assert split_criteria("") == ([], [])


def test_cli_import_ctgov_writes_the_document(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from trialrules.formats.protocols import load_protocol_file
    from trialrules.tools.lint import lint

    out = tmp_path / "protocol.json"
    assert main(["import-ctgov", str(DATA / "NCT03475563.json"), "-o", str(out)]) == 0
    assert "12 placeholders" in capsys.readouterr().err
    protocol = load_protocol_file(out)
    assert protocol == protocol_from_study(json.loads((DATA / "NCT03475563.json").read_text()))
    assert any("12 criteria are not yet encoded" in f.message for f in lint(protocol))


def test_cli_import_ctgov_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"protocolSection": {}}', encoding="utf-8")
    assert main(["import-ctgov", str(bad)]) == 2
    assert "nctId" in capsys.readouterr().err
    assert main(["import-ctgov", str(tmp_path / "missing.json")]) == 2


"""Units, reference ranges and named dates in the patient format and the FHIR import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialrules import Domain, InvalidRecord
from trialrules.formats.fhir import InvalidResource, record_from_bundle
from trialrules.formats.records import iter_jsonl, record_from_dict, record_to_dict
from trialrules.values.dates import PartialDate
from trialrules.values.records import ReferenceRange

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"


def glucose_bundle(**changes: object) -> dict[str, object]:
    """The FHIR R4 example f001 (glucose 6.3 mmol/L, normal 3.1-6.2) for patient p1."""
    resource = json.loads((DATA / "r4-observation-example-f001-glucose.json").read_text())
    resource["subject"] = {"reference": "Patient/p1"}
    resource.update(changes)
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": "1980-05-17"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": patient}, {"resource": resource}]}


GLUCOSE = {"glucose": Domain(0, 1000, name="glucose", unit="mg/dL", molar_mass=180.156)}


def test_unit_reference_range_and_dates_round_trip() -> None:
    data = {"id": "P1", "observations": [
        {"code": "alt", "value": 52, "date": "2026-01-02", "unit": "U/L",
         "reference_range": {"low": 7, "high": 40}},
        {"code": "ast", "value": 30, "date": "2026-01-02",
         "reference_range": {"low": None, "high": 35}}],
        "dates": {"informed_consent": "2027-03"}}
    record = record_from_dict(data)
    assert record.observations[0].reference_range == ReferenceRange(7, 40)
    assert record.observations[1].reference_range == ReferenceRange(high=35)
    assert record.dates["informed_consent"] == PartialDate(2027, 3)
    assert record_to_dict(record) == data


def test_loader_names_the_unit_that_cannot_be_converted() -> None:
    lines = ['{"id": "P1", "observations": [{"code": "glucose", "value": 7.5, "unit": "mmol/L", '
             '"date": "2027-03-02"}]}']
    (error,) = iter_jsonl(lines, domains={"glucose": Domain(0, 1000, unit="mg/dL")})
    assert str(error) == (
        "line 1, patient 'P1': observations[0].unit: got 'mmol/L'; expected a unit convertible "
        "to mg/dL (give the molar mass of the analyte in g/mol as the domain's molar_mass to "
        "convert between mass and amount of substance)")


def test_loader_checks_the_domain_after_conversion() -> None:
    ok = {"id": "P1", "observations": [{"code": "glucose", "value": 7.5, "unit": "mmol/L",
                                        "date": "2027-03-02"}]}
    assert record_from_dict(ok, domains=GLUCOSE).observations[0].value == 7.5  # kept as recorded
    bad = {"id": "P1", "observations": [{"code": "glucose", "value": 60, "unit": "mmol/L",
                                         "date": "2027-03-02"}]}
    with pytest.raises(InvalidRecord, match=r"60 mmol/L is 1080\.9 mg/dL") as info:
        record_from_dict(bad, domains=GLUCOSE)
    assert info.value.field == "observations[0].value"
    missing = {"id": "P1", "observations": [{"code": "glucose", "value": 98,
                                             "date": "2027-03-02"}]}
    with pytest.raises(InvalidRecord) as info:
        record_from_dict(missing, domains=GLUCOSE)
    assert info.value.field == "observations[0].unit"


def test_fhir_unit_and_reference_range_from_the_glucose_example() -> None:
    record = record_from_bundle(glucose_bundle(), vocabulary={"glucose": ["LOINC:15074-8"]},
                                domains=GLUCOSE)
    (obs,) = [o for o in record.observations if o.code == "glucose"]
    assert (obs.value, obs.unit) == (6.3, "mmol/L")   # valueQuantity.code (UCUM)
    assert obs.reference_range == ReferenceRange(3.1, 6.2)


def test_fhir_reference_range_in_another_unit_is_refused() -> None:
    ranges = [{"low": {"value": 56, "system": "http://unitsofmeasure.org", "code": "mg/dL"}}]
    with pytest.raises(InvalidResource, match=r"referenceRange\[0\]\.low\.code"):
        record_from_bundle(glucose_bundle(referenceRange=ranges))


def test_fhir_unit_that_cannot_be_converted_names_the_element() -> None:
    with pytest.raises(InvalidResource, match=r"valueQuantity\.code") as info:
        record_from_bundle(glucose_bundle(), vocabulary={"glucose": ["LOINC:15074-8"]},
                           domains={"glucose": Domain(0, 1000, unit="mg/dL")})
    assert "molar mass" in str(info.value)

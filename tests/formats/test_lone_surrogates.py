"""A lone surrogate ("\\ud800" in JSON) is not text: UTF-8 cannot hold it. Every way a name
enters the library refuses it with the same rule: the value classes' constructors, criteria,
the patient file and FHIR (expected messages written by hand)."""

from __future__ import annotations

from typing import Any

import pytest

from trialrules import Condition, Flag, Latest, Observation, Record
from trialrules.formats.fhir import InvalidResource, records_from_bundle
from trialrules.formats.records import LoadError, iter_jsonl
from trialrules.values.errors import InvalidCriterion, InvalidRecord

NO_SURROGATES = "a name without lone surrogates (such as \\ud800)"


@pytest.mark.parametrize(("make", "field"), [
    (lambda: Record("P\ud800"), "id"),
    (lambda: Observation("e\udfffdss", 1, "2020"), "code"),
    (lambda: Condition("ICD10:G35\ud800", "2020"), "code"),
    (lambda: Record("P1", flags={"consent\ud800": True}), "flags"),
])
def test_record_constructors_refuse_lone_surrogates(make: Any, field: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        make()
    assert caught.value.field == field
    assert "lone surrogates" in caught.value.allowed


def test_observation_names_the_rule() -> None:
    with pytest.raises(InvalidRecord) as caught:
        Observation("x\ud800", 1, "2020")
    assert (caught.value.field, caught.value.allowed) == ("code", NO_SURROGATES)


def test_an_id_may_still_have_spaces_around_it() -> None:
    # The patient file's id rule (spaces are not a name problem for an id); surrogates are.
    assert Record(" P1 ").id == " P1 "


@pytest.mark.parametrize("make", [lambda: Flag("consent\ud800"), lambda: Latest("ed\ud800ss")])
def test_criteria_refuse_lone_surrogates(make: Any) -> None:
    with pytest.raises(InvalidCriterion) as caught:
        make()
    assert "lone surrogates (such as \\ud800)" in str(caught.value)


def test_patient_file_message_is_unchanged() -> None:
    (item,) = iter_jsonl(['{"id": "P1", "observations": [{"code": "x\\ud800", "value": 1, '
                          '"date": "2020"}]}'])
    assert isinstance(item, LoadError)
    assert (item.id, item.field) == ("P1", "observations[0].code")
    assert item.reason == ("got 'x\\ud800'; expected valid Unicode text (no lone surrogates "
                           "such as \\ud800)")


def _bundle(patient_id: str, code: str) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": patient_id, "birthDate": "1980-01-01"}},
        {"resource": {"resourceType": "Condition", "id": "c1",
                      "subject": {"reference": f"Patient/{patient_id}"},
                      "code": {"coding": [{"system": "http://snomed.info/sct", "code": code}]},
                      "onsetDateTime": "2020-01-01"}}]}


@pytest.mark.parametrize(("patient_id", "code", "element"), [
    ("p1", "24700\ud8007", "code.coding[0].code"),
    ("p\ud800", "24700007", "id"),
])
def test_fhir_names_the_element(patient_id: str, code: str, element: str) -> None:
    with pytest.raises(InvalidResource) as caught:
        list(records_from_bundle(_bundle(patient_id, code)))
    assert caught.value.element == element
    assert caught.value.allowed == "valid Unicode text (no lone surrogates such as \\ud800)"


def test_fhir_without_surrogates_reads() -> None:
    (record,) = records_from_bundle(_bundle("p1", "24700007"))
    assert [c.code for c in record.conditions] == ["SNOMED:24700007"]

"""Issue 15, FHIR items 4, 11, 12, 14 and 15, on the vendored Synthea bundle where it helps.

- 4: one patient given twice (two Patient resources, two bundle files, repeated NDJSON
  lines) gave two results under one id, one with every fact and one with none.
- 11: a versioned reference (``Patient/p1/_history/2``) did not resolve, and the patient
  was screened without that resource.
- 12: clinicalStatus/verificationStatus were judged by their first coding only.
- 14: one Observation without a status refused the whole patient.
- 15: errors said ``patient ?`` in a one-Patient bundle; NDJSON errors read ``?/?.x.ndjson``.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from trialrules import PartialDate, Record
from trialrules.formats.fhir import (
    SkippedResource,
    read_fhir,
    record_from_bundle,
    records_from_resources,
)
from trialrules.formats.records import LoadError
from trialrules.values.records import NOT_KNOWN_IF_ENDED

SYNTHEA = Path(__file__).resolve().parent.parent / "data" / "fhir" / "synthea_Carroll471_OHara248.json"
SYNTHEA_ID = "274f5452-2a39-44c4-a7cb-f36de467762e"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def _synthea() -> dict[str, Any]:
    bundle: dict[str, Any] = json.loads(SYNTHEA.read_text(encoding="utf-8"))
    return bundle


def _patient(pid: str = "p1", **more: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "birthDate": "1980-05-17", **more}


def _condition(cid: str, subject: str = "Patient/p1", code: str = "C50.9",
               **more: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": subject},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code}]},
            "onsetDateTime": "2019-03-04", **more}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in resources]}


def _items(path: Path) -> list[Record | LoadError]:
    return [item for _, item in read_fhir(path, on_warning=lambda _: None)]


# -- 11 -----------------------------------------------------------------------------------


def test_versioned_references_resolve_on_the_synthea_bundle() -> None:
    original = record_from_bundle(_synthea())
    bundle = _synthea()
    for entry in bundle["entry"]:
        subject = entry["resource"].get("subject")
        if isinstance(subject, dict) and subject.get("reference") == f"urn:uuid:{SYNTHEA_ID}":
            subject["reference"] = f"Patient/{SYNTHEA_ID}/_history/2"
    assert record_from_bundle(bundle) == original
    assert original.conditions  # the Conditions are there to be lost


def test_absolute_and_versioned_references_resolve() -> None:
    for reference in ("Patient/p1/_history/2", "https://fhir.example.org/r4/Patient/p1",
                      "https://fhir.example.org/r4/Patient/p1/_history/7"):
        record = record_from_bundle(_bundle(_patient(), _condition("c1", reference)))
        assert [c.code for c in record.conditions] == ["ICD10:C50.9"], reference


def test_unresolvable_resource_of_the_only_patient_fails_that_patient(tmp_path: Path) -> None:
    """Screened without the Condition, an INELIGIBLE patient could read as NEEDS_REVIEW."""
    path = tmp_path / "b.json"
    path.write_text(json.dumps(_bundle(_patient(), _condition("c1", "Patient/elsewhere"))))
    [item] = _items(path)
    assert isinstance(item, LoadError)
    assert item.id == "p1"  # item 15: not "patient ?"
    assert "Condition/c1" in (item.field or "")


# -- 15 -----------------------------------------------------------------------------------


def test_ndjson_errors_name_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "Patient.ndjson").write_text(json.dumps(_patient()) + "\n{not json\n")
    items = _items(tmp_path)
    errors = [i for i in items if isinstance(i, LoadError)]
    assert [e.field for e in errors] == ["Patient.ndjson line 2"]
    assert "?/?" not in str(errors[0])


# -- 12 -----------------------------------------------------------------------------------


def _status(*codings: tuple[str, str]) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code} for system, code in codings]}


def test_a_local_coding_first_does_not_refuse_the_patient() -> None:
    local = ("http://hospital.example/cs/status", "RESOLVED-LOCAL")
    record = record_from_bundle(_bundle(_patient(), _condition(
        "c1", clinicalStatus=_status(local, (CLINICAL, "resolved")),
        verificationStatus=_status(local, (VERIFICATION, "confirmed")))))
    assert record.conditions[0].end == PartialDate()  # resolved: ended on a day not recorded


def test_active_in_a_foreign_system_is_not_the_fhir_status() -> None:
    record = record_from_bundle(_bundle(_patient(), _condition(
        "c1", clinicalStatus=_status(("http://other.example/cs", "active")))))
    assert record.conditions[0].end is NOT_KNOWN_IF_ENDED  # not "ongoing"


def test_refuted_in_the_fhir_system_still_drops_behind_a_local_coding() -> None:
    record = record_from_bundle(_bundle(_patient(), _condition(
        "c1", verificationStatus=_status(("http://x.example/cs", "R"), (VERIFICATION, "refuted")))))
    assert record.conditions == ()


# -- 14 -----------------------------------------------------------------------------------


def test_observation_without_status_is_skipped_with_a_warning_on_synthea() -> None:
    full = record_from_bundle(_synthea())
    bundle = _synthea()
    target = next(e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Observation")
    del target["status"]
    told: list[str] = []
    record = record_from_bundle(bundle, on_warning=told.append)
    assert len(told) == 1
    assert f"Observation/{target['id']}" in told[0]
    assert "no status" in told[0]
    assert record.conditions == full.conditions
    assert len(record.observations) < len(full.observations)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        record_from_bundle(bundle)
    assert [w.category for w in caught] == [SkippedResource]


# -- 4 ------------------------------------------------------------------------------------


def _ids(items: list[Record | LoadError]) -> list[str | None]:
    return [i.id for i in items]


def test_a_patient_given_twice_identically_in_a_bundle_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(_bundle(_patient(), _condition("c1"), _patient())))
    [record] = _items(path)
    assert isinstance(record, Record)
    assert [c.code for c in record.conditions] == ["ICD10:C50.9"]


def test_a_patient_given_twice_differently_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(_bundle(_patient(), _condition("c1"), _patient(gender="male"),
                                       _patient("p2"))))
    items = _items(path)
    assert _ids(items) == ["p1", "p2"]
    assert isinstance(items[0], LoadError)
    assert "one Patient resource per id" in items[0].reason
    assert isinstance(items[1], Record)


def test_a_patient_split_over_two_bundle_files_is_one_record(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(_bundle(_patient(), _condition("c1"))))
    (tmp_path / "b.json").write_text(json.dumps(_bundle(_patient(), _condition("c2", code="G35"))))
    (tmp_path / "c.json").write_text(json.dumps(_bundle(_patient("p2"))))
    items = _items(tmp_path)
    assert _ids(items) == ["p1", "p2"]
    assert isinstance(items[0], Record)
    assert sorted(c.code for c in items[0].conditions) == ["ICD10:C50.9", "ICD10:G35"]


def test_repeated_ndjson_lines_give_one_record_with_each_fact_once(tmp_path: Path) -> None:
    lines = [_patient(), _patient(), _condition("c1"), _condition("c1")]
    (tmp_path / "all.ndjson").write_text("".join(json.dumps(x) + "\n" for x in lines))
    [record] = _items(tmp_path)
    assert isinstance(record, Record)
    assert len(record.conditions) == 1


def test_never_two_answers_for_one_id_on_synthea_copies(tmp_path: Path) -> None:
    """The same Synthea bundle twice in a folder (a re-export): one answer for the patient."""
    bundle = _synthea()
    (tmp_path / "one.json").write_text(json.dumps(bundle))
    (tmp_path / "two.json").write_text(json.dumps(copy.deepcopy(bundle)))
    items = _items(tmp_path)
    assert _ids(items) == [SYNTHEA_ID]
    assert items[0] == record_from_bundle(bundle)


@pytest.mark.parametrize("twice", [True, False])
def test_records_from_resources_dedupe_only_identical_resources(twice: bool) -> None:
    second = _condition("c1") if twice else _condition("c1", code="G35")
    [record] = list(records_from_resources([_patient(), _condition("c1"), second]))
    assert isinstance(record, Record)
    assert len(record.conditions) == (1 if twice else 2)

"""FHIR R4 import: the real files under tests/data/fhir and one hand-made bundle per rule."""

from __future__ import annotations

import copy
import json
import pickle
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import AS_OF, AS_OF_TEXT
from trialrules import Condition, Outcome, PartialDate, Record
from trialrules.cli import main
from trialrules.formats.fhir import (
    InvalidResource,
    read_fhir,
    record_from_bundle,
    records_from_bundle,
    records_from_resources,
)
from trialrules.formats.records import LoadError
from trialrules.protocols.nct06228781 import PROTOCOL
from trialrules.values.records import NOT_KNOWN_IF_ENDED

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
SYNTHEA = DATA / "synthea_Carroll471_OHara248.json"
IPS = DATA / "ips-bundle-minimal.json"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return data


def bundle(*resources: dict[str, Any], patient: dict[str, Any] | None = None) -> dict[str, Any]:
    """A collection Bundle: the Patient (default p1, born 1980-05-17) then the resources."""
    pat = {"resourceType": "Patient", "id": "p1", "birthDate": "1980-05-17", "gender": "female"}
    if patient is not None:
        pat = patient
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in (pat, *resources)]}


def concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def condition(**fields: Any) -> dict[str, Any]:
    res = {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
           "code": concept(SNOMED, "363346000")}
    res.update(fields)
    return {k: v for k, v in res.items() if v is not None}


def status(value: str) -> dict[str, Any]:
    return {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": value}]}


def verification(value: str) -> dict[str, Any]:
    return {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": value}]}


def observation(**fields: Any) -> dict[str, Any]:
    res = {"resourceType": "Observation", "id": "o1", "status": "final",
           "subject": {"reference": "Patient/p1"}, "code": concept(LOINC, "1-1"),
           "effectiveDateTime": "2026-10-02"}
    res.update(fields)
    return {k: v for k, v in res.items() if v is not None}


# --- the real files ----------------------------------------------------------------------


def test_synthea_bundle_counts_and_facts() -> None:
    record = record_from_bundle(SYNTHEA)
    assert record.id == "274f5452-2a39-44c4-a7cb-f36de467762e"
    assert record.birth_date == PartialDate(1954, 6, 13)
    assert record.sex == "male"
    # 5 Conditions; 2 MedicationRequests + 7 Procedures; 70 quantities + 9 coded values
    # + 9 blood-pressure panels of 2 components each (the panels have no value of their own).
    assert len(record.conditions) == 5
    assert len(record.exposures) == 9
    assert len(record.observations) == 70 + 9 + 18
    assert Counter(e.code.split(":")[0] for e in record.exposures) == {"SNOMED": 7, "RXNORM": 2}
    assert all(c.code.startswith("SNOMED:") for c in record.conditions)
    assert all(o.code.startswith("LOINC:") for o in record.observations)


def test_synthea_conditions_onset_abatement_and_status() -> None:
    record = record_from_bundle(SYNTHEA)
    by_onset = {str(c.onset): c for c in record.conditions}
    obesity = by_onset["1991-09-01"]  # active, no abatement: ongoing
    assert obesity.code == "SNOMED:162864005"
    assert obesity.end is None
    foot = by_onset["2015-12-16"]  # resolved with abatementDateTime
    assert foot.code == "SNOMED:284551006"
    assert foot.end == PartialDate(2015, 12, 30)


def test_synthea_medication_requests_start_at_authored_on_and_end_unknown() -> None:
    record = record_from_bundle(SYNTHEA)
    meds = sorted((e for e in record.exposures if e.code.startswith("RXNORM:")),
                  key=lambda e: e.start.earliest)
    assert [e.code for e in meds] == ["RXNORM:313782", "RXNORM:849574"]
    assert meds[0].start == PartialDate(2015, 12, 16)
    assert meds[1].start == PartialDate(2019, 8, 11)
    assert all(e.end == PartialDate() for e in meds)  # status stopped, no end recorded


def test_synthea_observations_values_units_and_components() -> None:
    record = record_from_bundle(SYNTHEA)
    first_visit = [o for o in record.observations if o.date == PartialDate(2011, 7, 24)]
    by_code = {o.code: o for o in first_visit}
    assert by_code["LOINC:8302-2"].value == 193.3
    assert by_code["LOINC:8302-2"].unit == "cm"
    assert by_code["LOINC:8462-4"].value == 72  # diastolic component
    assert by_code["LOINC:8480-6"].value == 114  # systolic component
    assert by_code["LOINC:8480-6"].unit == "mm[Hg]"
    assert by_code["LOINC:72166-2"].value == "SNOMED:266919005"  # never smoker, coded
    assert by_code["LOINC:72166-2"].unit is None
    assert "LOINC:85354-9" not in by_code  # the panel itself has no value


def test_ips_bundle_partial_onset_and_ongoing_statement() -> None:
    record = record_from_bundle(IPS)
    assert record.birth_date == PartialDate(1972, 5, 1)
    assert record.sex == "female"
    assert {c.onset for c in record.conditions} == {PartialDate(2015)}  # year only
    assert all(c.end is None for c in record.conditions)  # active
    atc = [e for e in record.exposures if e.code == "ATC:L02BG03"]
    assert len(atc) == 1
    assert atc[0].start == PartialDate(2015, 3)  # effectivePeriod start "2015-03"
    assert atc[0].end is None  # no end, status active: ongoing
    # The Medication's every coding, each its own exposure (SNOMED + 2 national + ATC).
    assert len(record.exposures) == 4
    assert "SNOMED:108774000" in {e.code for e in record.exposures}


def test_r4_malignancy_onset_and_abatement_age_via_birth_date() -> None:
    f202 = load("r4-condition-example-f202-malignancy.json")
    patient = {"resourceType": "Patient", "id": "f201", "birthDate": "1960-03-15"}
    (cond,) = record_from_bundle(bundle(f202, patient=patient)).conditions
    assert cond.code == "SNOMED:363346000"
    # Age 52 a: from the 52nd birthday to the day before the 53rd.
    assert (cond.onset.earliest, cond.onset.latest) == (date(2012, 3, 15), date(2013, 3, 14))
    assert (cond.end.earliest, cond.end.latest) == (date(2014, 3, 15), date(2015, 3, 14))


def test_r4_malignancy_age_without_birth_date_is_unknown_with_a_note() -> None:
    f202 = load("r4-condition-example-f202-malignancy.json")
    (cond,) = record_from_bundle(bundle(f202, patient={"resourceType": "Patient",
                                                       "id": "f201"})).conditions
    assert cond.onset == PartialDate()
    assert cond.end == PartialDate()  # abated at an age we cannot place
    assert cond.note is not None
    assert "no birth date" in cond.note


def test_r4_fever_abatement_string_kept_as_unknown_end_with_note() -> None:
    f201 = load("r4-condition-example-f201-fever.json")
    (cond,) = record_from_bundle(bundle(f201, patient={"resourceType": "Patient",
                                                       "id": "f201"})).conditions
    assert cond.code == "SNOMED:386661006"
    assert cond.onset == PartialDate(2013, 4, 2)
    assert cond.end == PartialDate()
    assert cond.note is not None
    assert "around April 9, 2013" in cond.note


def test_r4_blood_pressure_components() -> None:
    bp = load("r4-observation-example-bloodpressure.json")
    obs = record_from_bundle(bundle(bp, patient={"resourceType": "Patient",
                                                 "id": "example"})).observations
    # The systolic component has three codings (LOINC, SNOMED CT, a local one): each
    # becomes an observation of the same value, so a protocol may name any of them.
    assert {(o.code, o.value, o.unit) for o in obs} == {
        ("LOINC:8480-6", 107, "mm[Hg]"), ("SNOMED:271649006", 107, "mm[Hg]"),
        ("http://acme.org/devices/clinical-codes:bp-s", 107, "mm[Hg]"),
        ("LOINC:8462-4", 60, "mm[Hg]")}
    assert {o.date for o in obs} == {PartialDate(2012, 9, 17)}


def test_r4_glucose_quantity_ucum_unit_and_period_start() -> None:
    glucose = load("r4-observation-example-f001-glucose.json")
    (obs,) = record_from_bundle(bundle(glucose, patient={"resourceType": "Patient",
                                                         "id": "f001"})).observations
    assert (obs.code, obs.value, obs.unit) == ("LOINC:15074-8", 6.3, "mmol/L")
    assert obs.date == PartialDate(2013, 4, 2)  # local date part of 09:30:10+01:00


# --- hand-made bundles, one per rule -------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("2021", PartialDate(2021)),
    ("2021-03", PartialDate(2021, 3)),
    ("2021-03-04", PartialDate(2021, 3, 4)),
    ("2021-03-04T23:30:00-05:00", PartialDate(2021, 3, 4)),  # no conversion to UTC
    ("2021-03-04T00:30:00+14:00", PartialDate(2021, 3, 4)),
    ("2021-03-04T12:00:00Z", PartialDate(2021, 3, 4)),
    ("2021-03-04T12:00:00.123+01:00", PartialDate(2021, 3, 4)),
])
def test_datetimes_keep_the_local_date_part(value: str, expected: PartialDate) -> None:
    (cond,) = record_from_bundle(bundle(condition(onsetDateTime=value))).conditions
    assert cond.onset == expected


def test_date_is_independent_of_tz_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    data = bundle(condition(onsetDateTime="2021-03-04T23:30:00-05:00"))
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    if hasattr(time, "tzset"):
        time.tzset()
    try:
        assert record_from_bundle(data).conditions[0].onset == PartialDate(2021, 3, 4)
    finally:
        monkeypatch.undo()
        if hasattr(time, "tzset"):
            time.tzset()


@pytest.mark.parametrize("value", ["2021-13", "2021-02-30", "21-03-04", "2021-03-04T25:00:00Z",
                                   "2021-03T10:00:00Z", 20210304])
def test_malformed_datetime_names_resource_id_and_path(value: Any) -> None:
    with pytest.raises(InvalidResource, match=r"Condition/c1\.onsetDateTime") as info:
        record_from_bundle(bundle(condition(onsetDateTime=value)))
    assert (info.value.resource_type, info.value.resource_id, info.value.element) == (
        "Condition", "c1", "onsetDateTime")
    assert info.value.patient == "p1"


def test_partial_birth_date_and_gender() -> None:
    record = record_from_bundle(bundle(patient={"resourceType": "Patient", "id": "p9",
                                                "birthDate": "1957", "gender": "other"}))
    assert record.birth_date == PartialDate(1957)
    assert record.sex == "other"


def test_bad_gender_is_an_error() -> None:
    with pytest.raises(InvalidResource, match=r"Patient/p1\.gender"):
        record_from_bundle(bundle(patient={"resourceType": "Patient", "id": "p1",
                                           "gender": "F"}))


@pytest.mark.parametrize(("system", "short"), [
    ("http://hl7.org/fhir/sid/icd-10", "ICD10"),
    ("http://hl7.org/fhir/sid/icd-10-cm", "ICD10CM"),
    ("http://snomed.info/sct", "SNOMED"),
    ("http://www.whocc.no/atc", "ATC"),
    ("http://www.nlm.nih.gov/research/umls/rxnorm", "RXNORM"),
    ("http://loinc.org", "LOINC"),
    ("urn:oid:2.16.840.1.113883.6.96", "SNOMED"),
    ("http://example.org/local", "http://example.org/local"),
])
def test_code_systems_map_to_short_names(system: str, short: str) -> None:
    (cond,) = record_from_bundle(bundle(condition(code=concept(system, "X1")))).conditions
    assert cond.code == f"{short}:X1"


def test_every_coding_becomes_a_condition_with_the_same_dates() -> None:
    code = {"coding": [{"system": SNOMED, "code": "363346000"},
                       {"system": "http://hl7.org/fhir/sid/icd-10", "code": "C80.1"},
                       {"display": "no system or code: ignored"}]}
    conds = record_from_bundle(bundle(condition(code=code, onsetDateTime="2020"))).conditions
    assert [c.code for c in conds] == ["SNOMED:363346000", "ICD10:C80.1"]
    assert {c.onset for c in conds} == {PartialDate(2020)}


@pytest.mark.parametrize(("clinical", "end"), [
    ("active", None), ("recurrence", None), ("relapse", None),
    ("resolved", PartialDate()), ("remission", PartialDate()), ("inactive", PartialDate()),
    (None, NOT_KNOWN_IF_ENDED),  # issue 15: not "ended on an unknown day"
])
def test_clinical_status_without_abatement(clinical: str | None, end: PartialDate | None) -> None:
    res = condition(onsetDateTime="2020-01-01",
                    clinicalStatus=None if clinical is None else status(clinical))
    (cond,) = record_from_bundle(bundle(res)).conditions
    assert cond.end == end


def test_abatement_wins_over_active_status_and_period_end_is_used() -> None:
    res = condition(clinicalStatus=status("resolved"), onsetPeriod={"start": "2019-02"},
                    abatementPeriod={"start": "2019-05", "end": "2019-06-30"})
    (cond,) = record_from_bundle(bundle(res)).conditions
    assert (cond.onset, cond.end) == (PartialDate(2019, 2), PartialDate(2019, 6, 30))


def test_unknown_clinical_status_is_an_error() -> None:
    with pytest.raises(InvalidResource, match=r"clinicalStatus\.coding\[0\]\.code"):
        record_from_bundle(bundle(condition(clinicalStatus=status("cured"))))


@pytest.mark.parametrize("value", ["refuted", "entered-in-error"])
def test_refuted_conditions_are_dropped(value: str) -> None:
    record = record_from_bundle(bundle(condition(verificationStatus=verification(value))))
    assert record.conditions == ()


def test_provisional_condition_is_kept_with_a_note() -> None:
    (cond,) = record_from_bundle(bundle(condition(
        verificationStatus=verification("provisional")))).conditions
    assert cond.note is not None
    assert "provisional" in cond.note


def test_onset_string_kept_with_unknown_date() -> None:
    (cond,) = record_from_bundle(bundle(condition(onsetString="in childhood"))).conditions
    assert cond.onset == PartialDate()
    assert cond.note is not None
    assert "in childhood" in cond.note


def test_onset_age_with_leap_day_birthday_and_partial_birth_date() -> None:
    leap = {"resourceType": "Patient", "id": "p1", "birthDate": "2000-02-29"}
    age = {"value": 18, "unit": "years", "system": "http://unitsofmeasure.org", "code": "a"}
    (cond,) = record_from_bundle(bundle(condition(onsetAge=age), patient=leap)).conditions
    assert (cond.onset.earliest, cond.onset.latest) == (date(2018, 2, 28), date(2019, 2, 27))
    year_only = {"resourceType": "Patient", "id": "p1", "birthDate": "1990"}
    (cond,) = record_from_bundle(bundle(condition(onsetAge=age), patient=year_only)).conditions
    assert (cond.onset.earliest, cond.onset.latest) == (date(2008, 1, 1), date(2009, 12, 30))


def test_onset_age_in_months_and_bad_unit() -> None:
    months = {"value": 6, "system": "http://unitsofmeasure.org", "code": "mo"}
    (cond,) = record_from_bundle(bundle(condition(onsetAge=months))).conditions
    assert (cond.onset.earliest, cond.onset.latest) == (date(1980, 11, 17), date(1980, 12, 16))
    hours = {"value": 6, "system": "http://unitsofmeasure.org", "code": "h"}
    with pytest.raises(InvalidResource, match=r"Condition/c1\.onsetAge\.code"):
        record_from_bundle(bundle(condition(onsetAge=hours)))


def test_onset_age_range() -> None:
    rng = {"low": {"value": 20, "system": "http://unitsofmeasure.org", "code": "a"},
           "high": {"value": 29, "system": "http://unitsofmeasure.org", "code": "a"}}
    (cond,) = record_from_bundle(bundle(condition(onsetRange=rng))).conditions
    assert (cond.onset.earliest, cond.onset.latest) == (date(2000, 5, 17), date(2010, 5, 16))


def statement(**fields: Any) -> dict[str, Any]:
    res = {"resourceType": "MedicationStatement", "id": "m1", "status": "completed",
           "subject": {"reference": "Patient/p1"},
           "medicationCodeableConcept": concept(RXNORM, "3002")}
    res.update(fields)
    return {k: v for k, v in res.items() if v is not None}


@pytest.mark.parametrize(("fields", "start", "end"), [
    ({"effectiveDateTime": "2026-10-20"}, PartialDate(2026, 10, 20), PartialDate(2026, 10, 20)),
    ({"effectivePeriod": {"start": "2026-01", "end": "2026-03-31"}}, PartialDate(2026, 1),
     PartialDate(2026, 3, 31)),
    ({"effectivePeriod": {"start": "2026-01"}}, PartialDate(2026, 1), PartialDate()),
    ({"effectivePeriod": {"start": "2026-01"}, "status": "active"}, PartialDate(2026, 1), None),
    ({"effectiveDateTime": "2026-01-05", "status": "active"}, PartialDate(2026, 1, 5), None),
    ({}, PartialDate(), PartialDate()),
])
def test_medication_statement_spans(fields: dict[str, Any], start: PartialDate,
                                    end: PartialDate | None) -> None:
    (expo,) = record_from_bundle(bundle(statement(**fields))).exposures
    assert (expo.code, expo.start, expo.end) == ("RXNORM:3002", start, end)


@pytest.mark.parametrize(("kind", "value"), [
    ("MedicationStatement", "entered-in-error"), ("MedicationStatement", "not-taken"),
    ("MedicationStatement", "intended"), ("MedicationAdministration", "not-done"),
    ("MedicationAdministration", "entered-in-error"), ("MedicationRequest", "entered-in-error"),
    ("MedicationRequest", "cancelled"), ("MedicationRequest", "draft"),
    ("Procedure", "not-done"), ("Procedure", "entered-in-error"),
])
def test_statuses_that_drop_exposures(kind: str, value: str) -> None:
    res = statement(resourceType=kind, status=value)
    if kind == "Procedure":
        res.pop("medicationCodeableConcept")
        res["code"] = concept(SNOMED, "1")
    assert record_from_bundle(bundle(res)).exposures == ()


def test_medication_request_authored_on_and_intent() -> None:
    req = statement(resourceType="MedicationRequest", status="active", intent="order",
                    authoredOn="2026-11-01T08:00:00+09:00")
    (expo,) = record_from_bundle(bundle(req)).exposures
    assert (expo.start, expo.end) == (PartialDate(2026, 11, 1), None)
    proposal = dict(req, intent="proposal")
    assert record_from_bundle(bundle(proposal)).exposures == ()


def test_administration_and_procedure_timing() -> None:
    admin = statement(resourceType="MedicationAdministration", status="completed",
                      effectivePeriod={"start": "2026-10-01T10:00:00Z",
                                       "end": "2026-10-01T12:00:00Z"})
    proc = {"resourceType": "Procedure", "id": "pr1", "status": "completed",
            "subject": {"reference": "Patient/p1"}, "code": concept(SNOMED, "234336002"),
            "performedDateTime": "2026-09-15"}
    exposures = record_from_bundle(bundle(admin, proc)).exposures
    assert {(e.code, str(e.start), str(e.end)) for e in exposures} == {
        ("RXNORM:3002", "2026-10-01", "2026-10-01"),
        ("SNOMED:234336002", "2026-09-15", "2026-09-15")}


def test_medication_reference_contained_and_bundled() -> None:
    contained = statement(medicationCodeableConcept=None,
                          medicationReference={"reference": "#med"},
                          contained=[{"resourceType": "Medication", "id": "med",
                                      "code": concept("http://www.whocc.no/atc", "L01DB07")}],
                          effectiveDateTime="2026-11-10")
    bundled = statement(id="m2", medicationCodeableConcept=None,
                        medicationReference={"reference": "Medication/x"},
                        effectiveDateTime="2026-11-11")
    medication = {"resourceType": "Medication", "id": "x", "code": concept(RXNORM, "7005")}
    record = record_from_bundle(bundle(contained, bundled, medication))
    assert sorted(e.code for e in record.exposures) == ["ATC:L01DB07", "RXNORM:7005"]
    outcome = PROTOCOL.outcomes(record, AS_OF)
    assert outcome["exclusion.2"] is Outcome.MET  # a cytotoxic agent within one month


def test_unresolved_medication_reference_is_an_error() -> None:
    bad = statement(medicationCodeableConcept=None,
                    medicationReference={"reference": "Medication/nowhere"})
    with pytest.raises(InvalidResource,
                       match=r"MedicationStatement/m1\.medicationReference\.reference"):
        record_from_bundle(bundle(bad))


@pytest.mark.parametrize(("fields", "value", "unit"), [
    ({"valueQuantity": {"value": 4.5, "unit": "score"}}, 4.5, "score"),
    ({"valueQuantity": {"value": 7, "system": "http://unitsofmeasure.org", "code": "mg/dL",
                        "unit": "mg/dl"}}, 7, "mg/dL"),
    ({"valueInteger": 3}, 3, None),
    ({"valueBoolean": False}, False, None),
    ({"valueCodeableConcept": concept(SNOMED, "373066001")}, "SNOMED:373066001", None),
])
def test_observation_values(fields: dict[str, Any], value: Any, unit: str | None) -> None:
    (obs,) = record_from_bundle(bundle(observation(**fields))).observations
    assert (obs.code, obs.value, obs.unit) == ("LOINC:1-1", value, unit)
    assert type(obs.value) is type(value)


@pytest.mark.parametrize("fields", [
    {"valueString": "high"},
    {"valueQuantity": {"value": 5, "comparator": "<"}},
    {"valueQuantity": {"value": 5}, "dataAbsentReason": concept(SNOMED, "1")},
    {},
])
def test_observations_without_a_mapped_value_are_skipped(fields: dict[str, Any]) -> None:
    assert record_from_bundle(bundle(observation(**fields))).observations == ()


@pytest.mark.parametrize(("value", "kept"), [
    ("final", True), ("amended", True), ("corrected", True), ("preliminary", False),
    ("registered", False), ("cancelled", False), ("entered-in-error", False), ("unknown", False),
])
def test_observation_status(value: str, kept: bool) -> None:
    res = observation(status=value, valueInteger=1)
    assert len(record_from_bundle(bundle(res)).observations) == (1 if kept else 0)


def test_bad_observation_value_names_the_component_path() -> None:
    res = observation(component=[{"code": concept(LOINC, "2"), "valueQuantity": {"value": 1}},
                                 {"code": concept(LOINC, "3"), "valueInteger": 1.5}])
    with pytest.raises(InvalidResource, match=r"Observation/o1\.component\[1\]\.valueInteger"):
        record_from_bundle(bundle(res))


def test_vocabulary_renames_observations_and_checks_domains() -> None:
    edss = observation(code=concept(SNOMED, "273554001"), valueQuantity={"value": 4.5})
    (obs,) = record_from_bundle(bundle(edss), vocabulary=PROTOCOL.vocabulary).observations
    assert (obs.code, obs.value) == ("edss", 4.5)
    outcome = PROTOCOL.outcomes(record_from_bundle(bundle(edss), vocabulary=PROTOCOL.vocabulary),
                                AS_OF)
    assert outcome["inclusion.3"] is Outcome.MET
    off_grid = observation(code=concept(SNOMED, "273554001"), valueQuantity={"value": 4.3})
    with pytest.raises(InvalidResource, match=r"Observation/o1\.valueQuantity"):
        record_from_bundle(bundle(off_grid), vocabulary=PROTOCOL.vocabulary)
    # Without the vocabulary the code stays SYSTEM:CODE and no domain applies.
    (raw,) = record_from_bundle(bundle(off_grid)).observations
    assert raw.code == "SNOMED:273554001"


def test_boolean_observations_named_by_the_vocabulary_become_flags() -> None:
    vocab = {"disease_activity": ["LOINC:X-1"]}
    older = observation(id="o1", code=concept(LOINC, "X-1"), valueBoolean=False,
                        effectiveDateTime="2026-01-01")
    newer = observation(id="o2", code=concept(LOINC, "X-1"), valueBoolean=True,
                        effectiveDateTime="2026-06-01")
    record = record_from_bundle(bundle(older, newer), vocabulary=vocab)
    assert record.flags == {"disease_activity": True}
    assert len(record.observations) == 2  # still observations too
    same_day = observation(id="o3", code=concept(LOINC, "X-1"), valueBoolean=False,
                           effectiveDateTime="2026-06")
    record = record_from_bundle(bundle(older, newer, same_day), vocabulary=vocab)
    assert "disease_activity" not in record.flags  # the latest readings disagree
    assert record_from_bundle(bundle(newer)).flags == {}  # no vocabulary, no flag


def test_several_patients_and_references() -> None:
    p2 = {"resourceType": "Patient", "id": "p2", "birthDate": "1970"}
    data = bundle(condition(), condition(id="c2", subject={"reference": "urn:uuid:abc"}))
    data["entry"].append({"fullUrl": "urn:uuid:abc", "resource": p2})
    records = records_from_bundle(data)
    assert [(r.id, len(r.conditions)) for r in records] == [("p1", 1), ("p2", 1)]
    with pytest.raises(InvalidResource, match="exactly one Patient"):
        record_from_bundle(data)


def test_dangling_subject_is_an_error() -> None:
    with pytest.raises(InvalidResource, match=r"Condition/c1\.subject\.reference"):
        records_from_bundle(bundle(condition(subject={"reference": "Patient/ghost"})))


def test_not_a_bundle() -> None:
    with pytest.raises(InvalidResource, match="a FHIR Bundle"):
        records_from_bundle({"resourceType": "Patient", "id": "x"})


def test_error_is_picklable_and_keeps_its_parts() -> None:
    with pytest.raises(InvalidResource) as info:
        record_from_bundle(bundle(condition(onsetDateTime="bad")))
    again = pickle.loads(pickle.dumps(info.value))
    assert (again.resource_type, again.resource_id, again.element, again.patient) == (
        "Condition", "c1", "onsetDateTime", "p1")


def test_records_from_resources_isolates_a_bad_patient() -> None:
    good = {"resourceType": "Patient", "id": "good"}
    bad = {"resourceType": "Patient", "id": "bad"}
    items = list(records_from_resources([
        good, bad, condition(subject={"reference": "Patient/bad"}, onsetDateTime="2020-99")]))
    assert [type(i).__name__ for i in items] == ["Record", "InvalidResource"]
    assert items[1].patient == "bad"


# --- folders: bundles and bulk-export NDJSON ------------------------------------------------


def write_ndjson(folder: Path) -> None:
    lines = {
        "Patient.ndjson": [{"resourceType": "Patient", "id": "a", "birthDate": "1980-01-01"},
                           {"resourceType": "Patient", "id": "b", "birthDate": "1985-01-01"}],
        "Condition.ndjson": [condition(subject={"reference": "Patient/a"}),
                             condition(id="c2", subject={"reference": "Patient/b"},
                                       onsetDateTime="2020-02-30")],
        "Observation.ndjson": [observation(subject={"reference": "Patient/a"}, valueInteger=2)],
    }
    for name, resources in lines.items():
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in resources) + "\n",
                                   encoding="utf-8")


def test_ndjson_folder_screens_good_patients_and_reports_bad_ones(tmp_path: Path) -> None:
    write_ndjson(tmp_path)
    items = [item for _, item in read_fhir(tmp_path)]
    records = [i for i in items if not isinstance(i, LoadError)]
    errors = [i for i in items if isinstance(i, LoadError)]
    assert [r.id for r in records] == ["a"]
    assert len(records[0].observations) == 1
    assert len(records[0].conditions) == 1
    assert len(errors) == 1
    assert errors[0].id == "b"
    assert errors[0].field == "Condition/c2.onsetDateTime"


def test_bundle_folder_with_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(SYNTHEA.read_bytes())
    (tmp_path / "b.json").write_bytes(IPS.read_bytes())
    (tmp_path / "c.json").write_text("{not json", encoding="utf-8")
    items = [item for _, item in read_fhir(tmp_path)]
    assert sum(isinstance(i, LoadError) for i in items) == 1
    assert sum(not isinstance(i, LoadError) for i in items) == 2


def test_cli_screen_fhir_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_ndjson(tmp_path)
    code = main(["screen", "--input-format", "fhir", str(tmp_path), "--as-of", AS_OF_TEXT,
                 "--format", "json"])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1  # one patient could not be read; the other was screened
    assert {o["id"] for o in out} == {"a", "b"}
    assert next(o for o in out if o["id"] == "b")["field"] == "Condition/c2.onsetDateTime"


def test_cli_screen_fhir_bundle_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["screen", "--input-format", "fhir", str(SYNTHEA), "--as-of", AS_OF_TEXT,
                 "--format", "csv"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[1].startswith("274f5452-2a39-44c4-a7cb-f36de467762e,ineligible,not_met")


def test_cli_screen_fhir_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "--input-format", "fhir", str(tmp_path / "none")]) == 2
    assert "needs a file or folder" in capsys.readouterr().err


def test_conditions_keep_their_resource_in_the_note() -> None:
    (cond,) = record_from_bundle(bundle(condition(clinicalStatus=status("active")))).conditions
    assert isinstance(cond, Condition)
    assert cond.note == "Condition/c1"


JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                        st.text(max_size=12), st.just([]), st.just({}),
                        st.sampled_from(["2020-13-01", "2020", "active", "final"]))


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*path, i))


@given(st.data())
def test_any_mutated_element_gives_a_record_or_an_invalid_resource(data: st.DataObject) -> None:
    resources = [copy.deepcopy(e["resource"]) for e in load("ips-bundle-minimal.json")["entry"]]
    target = data.draw(st.sampled_from(resources))
    path = data.draw(st.sampled_from([p for p in _paths(target) if p]))
    holder = target
    for key in path[:-1]:
        holder = holder[key]
    if data.draw(st.booleans()) and isinstance(holder, dict):
        del holder[path[-1]]
    else:
        holder[path[-1]] = data.draw(JSON_VALUES)
    for item in records_from_resources(resources, vocabulary=PROTOCOL.vocabulary):
        assert isinstance(item, Record | InvalidResource)


def test_absurd_age_and_system_with_spaces_are_errors() -> None:
    huge = {"value": 1e9, "system": "http://unitsofmeasure.org", "code": "a"}
    with pytest.raises(InvalidResource, match=r"Condition/c1\.onsetAge"):
        record_from_bundle(bundle(condition(onsetAge=huge)))
    with pytest.raises(InvalidResource, match=r"code\.coding\[0\]\.system"):
        record_from_bundle(bundle(condition(code=concept("http://x y", "1"))))


def test_ips_patient_ongoing_anastrozole_overlaps_every_window() -> None:
    from trialrules import CodeSet, Span, Washout

    record = record_from_bundle(IPS)
    aromatase = CodeSet("aromatase inhibitors", prefixes=["ATC:L02BG"])
    washout = Washout(aromatase, Span(months=1))
    assert washout.decide(record, AS_OF) is Outcome.NOT_MET  # still taking it
    assert washout.decide(record, date(2015, 2, 27)) is Outcome.UNKNOWN  # before it began;
    # no completeness is declared by a FHIR import, so absence decides nothing.


def test_synthea_labs_drive_latest_and_its_window() -> None:
    from trialrules import Range, Span, Threshold
    from trialrules.kinds.sources import Latest

    record = record_from_bundle(SYNTHEA)
    # CBC on 2011-07-24 and 2016-08-21: leukocytes 7.9673 then 4.9981 (10*3/uL).
    wbc = [(str(o.date), o.value, o.unit) for o in record.observations
           if o.code == "LOINC:6690-2"]
    assert wbc == [("2011-07-24", 7.9673, "10*3/uL"), ("2016-08-21", 4.9981, "10*3/uL")]
    normal = Range("LOINC:6690-2", 4, 11)
    assert normal.decide(record, date(2016, 8, 21)) is Outcome.MET
    assert normal.decide(record, date(2016, 8, 20)) is Outcome.MET  # the 2011 count
    recent = Threshold(Latest("LOINC:718-7", within=Span(years=1)), ">=", 13)
    assert recent.decide(record, date(2017, 8, 21)) is Outcome.MET  # haemoglobin 17.379 g/dL
    assert recent.decide(record, date(2017, 8, 22)) is Outcome.UNKNOWN  # a day too late


def test_nct06228781_code_sets_reach_fhir_codings() -> None:
    from trialrules.protocols.nct06228781 import CYTOTOXIC_AGENTS, INFECTIONS, MALIGNANCY

    for code in ("RXNORM:3002", "RXNORM:7005", "ATC:L01AA01", "ATC:L01DB07"):
        assert code in CYTOTOXIC_AGENTS
    assert "RXNORM:30020" not in CYTOTOXIC_AGENTS  # RxNorm codes match exactly, not by prefix
    assert "SNOMED:86406008" in INFECTIONS
    assert "ICD10CM:B20" in INFECTIONS
    assert "ICD10:B20.1" in INFECTIONS
    assert "SNOMED:363346000" in MALIGNANCY
    assert "ICD10CM:C7A.00" in MALIGNANCY
    assert "SNOMED:3633460001" not in MALIGNANCY
    cancer = condition(code=concept(SNOMED, "363346000"), clinicalStatus=status("active"),
                       onsetDateTime="2024-05")
    hiv = condition(id="c2", code=concept(SNOMED, "86406008"), clinicalStatus=status("active"),
                    onsetDateTime="2020")
    outcomes = PROTOCOL.outcomes(record_from_bundle(bundle(cancer, hiv)), AS_OF)
    assert outcomes["exclusion.5"] is Outcome.MET  # malignancy currently
    assert outcomes["exclusion.3"] is Outcome.MET  # chronic infection, ongoing


def test_a_huge_resource_id_is_named_not_dumped() -> None:
    from trialrules.formats.fhir import InvalidResource, records_from_resources

    items = list(records_from_resources([
        {"resourceType": "Patient", "id": "p9"},
        {"resourceType": "Condition", "id": "x" * 10_000, "subject": {"reference": "Patient/p1"}},
    ]))
    errors = [i for i in items if isinstance(i, InvalidResource)]
    assert errors, items
    assert all(len(str(e)) < 400 for e in errors)
    assert "Condition/xxx" in str(errors[0])
    assert "..." in str(errors[0])

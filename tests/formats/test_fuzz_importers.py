"""Fuzzing the importers (FHIR R4, ClinicalTrials.gov): library errors only, naming the path.

The FHIR reader must turn every malformed resource, line or file into an
InvalidResource / LoadError and go on; the registry importer must answer a
Protocol or an InvalidDocument (or InvalidCriterion) for any parsed JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from json_strategies import FUZZ_LIGHT, arbitrary_json, deep_dict, deep_list, json_values, texts
from trialrules import Protocol, Record
from trialrules.formats.ctgov import protocol_from_study
from trialrules.formats.fhir import InvalidResource, read_fhir, record_from_bundle, records_from_resources
from trialrules.formats.records import LoadError
from trialrules.values.errors import InvalidDocument, TrialRulesError

MAX_MESSAGE = 400

# ---------------------------------------------------------------- ClinicalTrials.gov

_CTGOV_KEYS = st.sampled_from(["protocolSection", "identificationModule", "eligibilityModule",
                               "nctId", "briefTitle", "officialTitle", "minimumAge",
                               "maximumAge", "sex", "healthyVolunteers",
                               "eligibilityCriteria"]) | texts
_AGES = st.sampled_from(["18 Years", "6 Months", "N/A", "0 Days", "١٨ Years", "18 Decades",
                         "9" * 5000 + " Years", "-1 Years", "18", "", " 65 Years "])


@st.composite
def studies(draw: st.DrawFn) -> dict[str, Any]:
    """A study record shaped like API v2 output, with arbitrary values in its fields."""
    junk = json_values(_CTGOV_KEYS, leaves=6)
    ident = {"nctId": draw(st.sampled_from(["NCT06228781", "NCT٠١٢٣٤٥٦٧", "NCT1"]) | junk)}
    for key in draw(st.lists(st.sampled_from(["briefTitle", "officialTitle"]), unique=True)):
        ident[key] = draw(texts | junk)
    elig: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(["minimumAge", "maximumAge", "sex",
                                              "healthyVolunteers", "eligibilityCriteria"]),
                             unique=True)):
        elig[key] = draw({"minimumAge": _AGES | junk, "maximumAge": _AGES | junk,
                          "sex": st.sampled_from(["ALL", "FEMALE", "MALE", "female"]) | junk,
                          "healthyVolunteers": st.booleans() | junk,
                          "eligibilityCriteria": st.sampled_from([
                              "Inclusion Criteria:\n\n* Age 18-60\n\nExclusion Criteria:\n\n* X",
                              "", "Exclusion Criteria:\n* " + "y" * 20_000]) | texts | junk}[key])
    return {"protocolSection": {"identificationModule": ident, "eligibilityModule": elig}}


def _study(data: Any) -> Protocol | TrialRulesError:
    try:
        return protocol_from_study(data)
    except TrialRulesError as exc:
        error = exc
    assert len(str(error)) <= MAX_MESSAGE
    if isinstance(error, InvalidDocument):
        assert error.path.startswith("$")
        assert error.path in str(error)
    return error


@FUZZ_LIGHT
@given(arbitrary_json | studies())
def test_any_study_json_gives_a_protocol_or_a_library_error(data: Any) -> None:
    result = _study(data)
    if isinstance(result, Protocol):
        assert result.id.startswith("NCT")


@pytest.mark.parametrize(("elig", "path"), [
    ({"sex": []}, "$.protocolSection.eligibilityModule.sex"),
    ({"sex": {"a": 1}}, "$.protocolSection.eligibilityModule.sex"),
    ({"minimumAge": "9" * 5000 + " Years"}, "$.protocolSection.eligibilityModule.minimumAge"),
    ({"maximumAge": "١٨ Years"}, "$.protocolSection.eligibilityModule.maximumAge"),
    ({"minimumAge": deep_list(10_000)}, "$.protocolSection.eligibilityModule.minimumAge"),
    ({"eligibilityCriteria": deep_dict(10_000)},
     "$.protocolSection.eligibilityModule.eligibilityCriteria"),
])
def test_study_fields_of_the_wrong_kind_are_refused_at_their_path(elig: dict[str, Any],
                                                                  path: str) -> None:
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT06228781"},
                                 "eligibilityModule": elig}}
    with pytest.raises(InvalidDocument) as info:
        protocol_from_study(study)
    assert info.value.path == path


@pytest.mark.parametrize("nct", ["NCT٠١٢٣٤٥٦٧", "NCT0622878", "nct06228781", "NCT06228781 "])
def test_nct_numbers_are_ascii_digits(nct: str) -> None:
    with pytest.raises(InvalidDocument, match="nctId"):
        protocol_from_study({"protocolSection": {"identificationModule": {"nctId": nct}}})


@pytest.mark.parametrize("title", [{}, [], 0, False])
def test_a_title_of_the_wrong_type_is_refused_not_replaced(title: Any) -> None:
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT06228781",
                                                          "briefTitle": title}}}
    with pytest.raises(InvalidDocument, match="briefTitle"):
        protocol_from_study(study)


# ---------------------------------------------------------------- FHIR

_FHIR_KEYS = st.sampled_from([
    "resourceType", "id", "subject", "reference", "birthDate", "gender", "code", "coding",
    "system", "code", "status", "clinicalStatus", "onsetDateTime", "abatementDateTime",
    "effectiveDateTime", "valueQuantity", "value", "valueBoolean", "medicationCodeableConcept",
    "effectivePeriod", "start", "end", "entry", "resource", "fullUrl"]) | texts
_fhir_junk = json_values(_FHIR_KEYS, leaves=6)


@st.composite
def resources(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["Patient", "Condition", "Observation", "MedicationStatement",
                                 "MedicationRequest", "Procedure", "Encounter"]) | _fhir_junk)
    out: dict[str, Any] = {"resourceType": kind, "id": draw(st.sampled_from(["p1", "c1"])
                                                            | _fhir_junk)}
    if kind != "Patient":
        out["subject"] = draw(st.just({"reference": "Patient/p1"}) | _fhir_junk)
    out.update(draw(st.dictionaries(_FHIR_KEYS, _fhir_junk, max_size=3)))
    return draw(st.just(out) | _fhir_junk)


def _drain(items: Any) -> list[Any]:
    out = list(items)
    for item in out:
        assert isinstance(item, Record | InvalidResource), type(item)
        if isinstance(item, InvalidResource):
            assert len(str(item)) <= MAX_MESSAGE
    return out


@FUZZ_LIGHT
@given(st.lists(resources(), max_size=4))
def test_any_resources_give_records_or_invalid_resources(items: list[Any]) -> None:
    # A resource skipped on purpose (issue 15: an Observation without a status) is a warning.
    _drain(records_from_resources(items, on_warning=_skipped))


def _skipped(message: str) -> None:
    assert len(message) <= MAX_MESSAGE


@FUZZ_LIGHT
@given(st.lists(resources(), max_size=4) | _fhir_junk)
def test_any_bundle_gives_a_record_or_a_library_error(entries: Any) -> None:
    bundle = ({"resourceType": "Bundle", "type": "collection",
               "entry": [{"resource": r} for r in entries]}
              if isinstance(entries, list) else entries)
    if isinstance(bundle, str):  # a string names a Bundle file: not what is fuzzed here
        bundle = [bundle]
    message = ""
    try:
        record_from_bundle(bundle, on_warning=_skipped)
    except TrialRulesError as exc:
        message = str(exc)
    assert len(message) <= MAX_MESSAGE


def test_ten_thousand_levels_deep_resources() -> None:
    items = [deep_list(10_000), {"resourceType": "Patient", "id": "p", "birthDate":
                                 deep_dict(10_000)}, {"resourceType": deep_list(10_000)}]
    out = _drain(records_from_resources(items, on_warning=_skipped))
    assert all(isinstance(item, InvalidResource) for item in out)


def _read(path: Path) -> list[tuple[int, Record | LoadError]]:
    out = list(read_fhir(path, on_warning=_skipped))
    for position, item in out:
        assert isinstance(item, Record | LoadError)
        if isinstance(item, LoadError):
            assert item.line == position
            assert len(str(item)) <= MAX_MESSAGE
    return out


_PATIENT = b'{"resourceType": "Patient", "id": "q", "birthDate": "1980-01-01"}'


@pytest.mark.parametrize("bad", [
    b'{"resourceType": "Patient", "id": "p\xff"}',  # not UTF-8
    b'{"resourceType": "Patient", "id": "p", "x": NaN}',
    b"[" * 10_000 + b"]" * 10_000,
    b'{"resourceType": "Patient", "id": "p"',  # truncated
    b"\xef\xbb\xbf",
])
def test_a_bad_ndjson_line_is_reported_and_the_rest_read(tmp_path: Path, bad: bytes) -> None:
    (tmp_path / "Patient.ndjson").write_bytes(bad + b"\n" + _PATIENT + b"\n")
    out = _read(tmp_path)
    assert [item.id for _, item in out if isinstance(item, Record)] == ["q"]


@FUZZ_LIGHT
@given(st.lists(st.binary(max_size=40) | st.just(_PATIENT), max_size=5))
def test_any_bytes_in_ndjson_never_raise(tmp_path_factory: pytest.TempPathFactory,
                                         lines: list[bytes]) -> None:
    folder = tmp_path_factory.mktemp("ndjson")
    (folder / "Patient.ndjson").write_bytes(b"\n".join(lines))
    (folder / "bundle.json").write_bytes(lines[0] if lines else b"")
    _read(folder)


@FUZZ_LIGHT
@given(arbitrary_json)
def test_any_json_bundle_file_never_raises(tmp_path_factory: pytest.TempPathFactory,
                                           value: Any) -> None:
    path = tmp_path_factory.mktemp("bundle") / "bundle.json"
    path.write_text(json.dumps(value, allow_nan=True), encoding="utf-8", errors="surrogatepass")
    _read(path)


@pytest.mark.parametrize("content", [b"{", b"\xff\xfe", b"[" * 10_000, b'{"x": NaN}'])
def test_a_malformed_bundle_file_is_an_invalid_resource(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(content)
    with pytest.raises(InvalidResource, match=r"Bundle/\?.*bundle\.json.*a JSON Bundle file"):
        record_from_bundle(path, on_warning=_skipped)

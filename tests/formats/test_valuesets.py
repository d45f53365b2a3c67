"""Code sets from FHIR ValueSets, OHDSI concept set expressions and CSV code lists.

Expected codes are written out by hand from the documents in each test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialrules import CodeSet
from trialrules.formats.protocols import codeset_from_dict, load_protocol_file, parse_protocol
from trialrules.formats.systems import SYSTEMS, VOCABULARIES
from trialrules.formats.valuesets import (
    InvalidValueSet,
    codeset_from_atlas,
    codeset_from_csv,
    codeset_from_valueset,
    load_codeset,
)
from trialrules.values.errors import InvalidDocument

SCT = "http://snomed.info/sct"
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"


def test_one_systems_table_serves_fhir_and_the_value_sets() -> None:
    from trialrules.formats import fhir

    assert fhir.SYSTEMS is SYSTEMS
    assert SYSTEMS[SCT] == "SNOMED"
    assert SYSTEMS[RX] == "RXNORM"
    assert SYSTEMS["http://hl7.org/fhir/sid/icd-10-cm"] == "ICD10CM"
    assert VOCABULARIES["RxNorm"] == "RXNORM"
    assert VOCABULARIES["ICD10CM"] == "ICD10CM"


# -- FHIR ValueSet --------------------------------------------------------------

NESTED = {
    "resourceType": "ValueSet", "url": "http://example.org/vs/colon", "version": "1",
    "title": "Colon cancer",
    "expansion": {"contains": [
        {"system": SCT, "code": "363406005", "display": "colon cancer", "contains": [
            {"system": SCT, "code": "93761005", "contains": [
                {"system": SCT, "code": "109838007"}]}]},
        {"abstract": True, "display": "ICD-10 group", "system": "http://hl7.org/fhir/sid/icd-10",
         "code": "C18", "contains": [
             {"system": "http://hl7.org/fhir/sid/icd-10", "code": "C18.9", "inactive": True}]},
        {"display": "grouper without a code", "contains": [
            {"system": RX, "code": "1719"}]},
    ]},
    # An expansion wins over the compose: the compose here would add another code.
    "compose": {"include": [{"system": SCT, "concept": [{"code": "1111"}]}]},
}


def test_expansion_walks_nested_contains_and_leaves_out_abstract_groupers() -> None:
    codes = codeset_from_valueset(NESTED)
    assert codes.codes == {"SNOMED:363406005", "SNOMED:93761005", "SNOMED:109838007",
                           "ICD10:C18.9", "RXNORM:1719"}
    assert codes.prefixes == frozenset()
    assert codes.name == "Colon cancer"
    assert codes.source == "FHIR ValueSet http://example.org/vs/colon|1 (expansion)"
    # exact membership: the abstract parent C18 is not a prefix
    assert "ICD10:C18" not in codes
    assert "ICD10:C18.0" not in codes
    assert "ICD10:C18.9" in codes


def test_compose_with_concept_lists_and_excludes() -> None:
    vs = {"resourceType": "ValueSet", "name": "Agents", "compose": {
        "include": [{"system": RX, "concept": [{"code": "3002"}, {"code": "7005"}]},
                    {"system": "http://www.whocc.no/atc", "concept": [{"code": "L01AA01"}]}],
        "exclude": [{"system": RX, "concept": [{"code": "7005"}]}]}}
    codes = codeset_from_valueset(vs, name="mine")
    assert codes.codes == {"RXNORM:3002", "ATC:L01AA01"}
    assert codes.name == "mine"


@pytest.mark.parametrize(("include", "match"), [
    ({"system": SCT, "filter": [{"property": "concept", "op": "is-a", "value": "363346000"}]},
     "expand the value set first"),
    ({"system": SCT}, "every code of 'http://snomed.info/sct'.*expand the value set first"),
    ({"valueSet": ["http://example.org/vs/other"]}, "expand the value set first"),
])
def test_compose_that_needs_a_terminology_server_says_expand_first(include: dict[str, object],
                                                                   match: str) -> None:
    vs = {"resourceType": "ValueSet", "compose": {"include": [include]}}
    with pytest.raises(InvalidValueSet, match=match):
        codeset_from_valueset(vs)


@pytest.mark.parametrize(("doc", "match"), [
    ({"resourceType": "CodeSystem"}, r"\$.resourceType = 'CodeSystem'; expected \"ValueSet\""),
    ({"resourceType": "ValueSet"}, "the ValueSet lists no codes"),
    ({"resourceType": "ValueSet", "expansion": {"contains": [{"system": SCT, "code": "1 2"}]}},
     r"\$.expansion.contains\[0\].code = '1 2'"),
    ({"resourceType": "ValueSet", "expansion": {"contains": [{"code": "12"}]}},
     r"\$.expansion.contains\[0\].system = None"),
    ({"resourceType": "ValueSet", "expansion": {"contains": {"code": "12"}}},
     "a list of expansion entries"),
])
def test_bad_value_sets_name_the_element(doc: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidValueSet, match=match):
        codeset_from_valueset(doc)


def test_an_empty_expansion_is_an_empty_set_not_an_error() -> None:
    codes = codeset_from_valueset({"resourceType": "ValueSet", "id": "none",
                                   "expansion": {"total": 0}})
    assert codes.is_empty
    assert codes.name == "none"


# -- OHDSI concept set expression -------------------------------------------------


def _item(cid: int, vocab: str, code: str, *, excluded: bool = False,
          descendants: bool = False) -> dict[str, object]:
    return {"concept": {"CONCEPT_ID": cid, "CONCEPT_NAME": "x", "VOCABULARY_ID": vocab,
                        "CONCEPT_CODE": code, "STANDARD_CONCEPT": "S"},
            "isExcluded": excluded, "includeDescendants": descendants, "includeMapped": False}


@pytest.fixture
def vocabulary(tmp_path: Path) -> Path:
    # A tiny hierarchy, tab-separated as Athena writes it:
    # 443392 malignant neoplastic disease > 4180790 colon cancer > 4089661 primary colon cancer
    #                                     > 4112853 breast cancer
    (tmp_path / "CONCEPT_ANCESTOR.csv").write_text(
        "ancestor_concept_id\tdescendant_concept_id\tmin_levels_of_separation\t"
        "max_levels_of_separation\n"
        "443392\t443392\t0\t0\n443392\t4180790\t1\t1\n443392\t4089661\t2\t2\n"
        "443392\t4112853\t1\t1\n4180790\t4180790\t0\t0\n4180790\t4089661\t1\t1\n",
        encoding="utf-8")
    (tmp_path / "CONCEPT.csv").write_text(
        "concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\t"
        "standard_concept\tconcept_code\tvalid_start_date\tvalid_end_date\tinvalid_reason\n"
        "443392\tMalignant neoplastic disease\tCondition\tSNOMED\tClinical Finding\tS\t"
        "363346000\t19700101\t20991231\t\n"
        "4180790\tMalignant tumor of colon\tCondition\tSNOMED\tClinical Finding\tS\t"
        "363406005\t19700101\t20991231\t\n"
        "4089661\tPrimary malignant neoplasm of colon\tCondition\tSNOMED\tClinical Finding\tS\t"
        "93761005\t19700101\t20991231\t\n"
        "4112853\tMalignant tumor of breast\tCondition\tSNOMED\tClinical Finding\tS\t"
        "254837009\t19700101\t20991231\t\n", encoding="utf-8")
    return tmp_path


def test_atlas_items_without_descendants_need_no_vocabulary() -> None:
    expr = {"items": [_item(1719, "RxNorm", "1719"), _item(4112853, "SNOMED", "254837009")]}
    codes = codeset_from_atlas(expr, name="x")
    assert codes.codes == {"RXNORM:1719", "SNOMED:254837009"}


def test_atlas_descendants_need_concept_ancestor() -> None:
    expr = {"items": [_item(443392, "SNOMED", "363346000", descendants=True)]}
    with pytest.raises(InvalidValueSet,
                       match=r"concept 443392 includes descendants.*CONCEPT_ANCESTOR"):
        codeset_from_atlas(expr, name="x")


def test_atlas_descendants_and_exclusions_resolve_through_the_vocabulary(vocabulary: Path) -> None:
    # all malignant neoplasms with descendants, minus colon cancer and its descendants
    expr = {"name": "Cancer but not colon", "expression": {"items": [
        _item(443392, "SNOMED", "363346000", descendants=True),
        _item(4180790, "SNOMED", "363406005", descendants=True, excluded=True)]}}
    codes = codeset_from_atlas(expr, vocabulary=vocabulary)
    assert codes.codes == {"SNOMED:363346000", "SNOMED:254837009"}
    assert codes.name == "Cancer but not colon"
    # excluded without its descendants: only the parent itself leaves
    expr2 = {"items": [_item(443392, "SNOMED", "363346000", descendants=True),
                       _item(4180790, "SNOMED", "363406005", excluded=True)]}
    assert codeset_from_atlas(expr2, name="y", vocabulary=vocabulary).codes == {
        "SNOMED:363346000", "SNOMED:93761005", "SNOMED:254837009"}


def test_atlas_include_mapped_is_refused() -> None:
    item = _item(1, "SNOMED", "1")
    item["includeMapped"] = True
    with pytest.raises(InvalidValueSet, match="includeMapped"):
        codeset_from_atlas({"items": [item]}, name="x")


# -- CSV ------------------------------------------------------------------------------


def test_csv_code_list_with_uris_oids_and_short_names() -> None:
    text = ("system,code,display\n"
            "http://snomed.info/sct,93761005,Primary malignant neoplasm of colon\n"
            "urn:oid:2.16.840.1.113883.6.88,1719,\n"
            "ICD10CM,C18.9,\"Malignant neoplasm of colon, unspecified\"\n\n")
    codes = codeset_from_csv(text, name="csv")
    assert codes.codes == {"SNOMED:93761005", "RXNORM:1719", "ICD10CM:C18.9"}
    assert codes.source == "CSV code list"


@pytest.mark.parametrize(("text", "match"), [
    ("code,system\nSNOMED,1\n", "line 1.*the header system,code"),
    ("system,code\nSNOMEDCT,1\n", r"line 2.system = 'SNOMEDCT'; expected a system URI or one of"),
    ("system,code\nSNOMED\n", "line 2.*2 columns"),
    ("", "a header line"),
])
def test_csv_errors_name_the_line(text: str, match: str) -> None:
    with pytest.raises(InvalidValueSet, match=match):
        codeset_from_csv(text, name="x")


# -- files and protocol documents ----------------------------------------------------


def test_load_codeset_tells_the_formats_apart(tmp_path: Path) -> None:
    (tmp_path / "colon.json").write_text(json.dumps(NESTED), encoding="utf-8")
    (tmp_path / "agents.csv").write_text("system,code\nRXNORM,1719\n", encoding="utf-8")
    (tmp_path / "atlas.json").write_text(json.dumps({"items": [_item(1, "SNOMED", "22")]}),
                                         encoding="utf-8")
    assert "SNOMED:109838007" in load_codeset(tmp_path / "colon.json")
    assert load_codeset(tmp_path / "colon.json").source == (
        "FHIR ValueSet http://example.org/vs/colon|1 (expansion, colon.json)")
    assert load_codeset(tmp_path / "agents.csv").name == "agents"
    assert load_codeset(tmp_path / "atlas.json", name="a").codes == {"SNOMED:22"}
    (tmp_path / "other.json").write_text('{"resourceType": "Patient"}', encoding="utf-8")
    with pytest.raises(InvalidValueSet, match=r"other.json: \$ = 'Patient'"):
        load_codeset(tmp_path / "other.json")


def _protocol(codes: dict[str, object]) -> str:
    return json.dumps({"trialrules": 1, "id": "P", "title": "T", "exclusion": [
        {"kind": "lookback", "codes": codes, "span": {"years": 5}}]})


def test_a_protocol_references_a_value_set_file_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "sets").mkdir()
    (tmp_path / "sets" / "colon.json").write_text(json.dumps(NESTED), encoding="utf-8")
    doc = tmp_path / "p.json"
    doc.write_text(_protocol({"name": "malignancy", "prefixes": ["ICD10:C18"],
                              "file": "sets/colon.json"}), encoding="utf-8")
    codes = load_protocol_file(doc).exclusion[0].codes
    assert codes.name == "malignancy"
    assert codes.prefixes == {"ICD10:C18"}
    assert "SNOMED:93761005" in codes
    assert "ICD10:C18.4" in codes
    assert "colon.json" in (codes.source or "")


def test_a_protocol_includes_a_value_set_inline() -> None:
    protocol = parse_protocol(_protocol({"name": "m", "valueset": NESTED}))
    assert protocol.exclusion[0].codes.codes == codeset_from_valueset(NESTED).codes


@pytest.mark.parametrize(("codes", "match"), [
    ({"name": "m", "file": "missing.json"}, r"\$.exclusion\[0\].codes.file = 'missing.json'; "
                                            "expected a readable value-set file"),
    ({"name": "m", "valueset": {"resourceType": "ValueSet", "compose": {"include": [
        {"system": SCT, "filter": []}, {"system": SCT}]}}},
     r"\$.exclusion\[0\].codes.valueset.*expand the value set first"),
    ({"name": "m", "valueset": NESTED, "file": "x.json"}, "either file or valueset"),
])
def test_bad_value_set_references_name_the_protocol_path(codes: dict[str, object],
                                                          match: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidDocument, match=match):
        parse_protocol(_protocol(codes), base=tmp_path)


def test_source_survives_a_round_trip_and_takes_no_part_in_equality() -> None:
    codes = CodeSet("m", codes=["SNOMED:1"], source="CSV code list m.csv")
    again = codeset_from_dict(codes.to_dict())
    assert again == codes
    assert again.source == "CSV code list m.csv"
    assert again == CodeSet("m", codes=["SNOMED:1"])
    assert eval(repr(codes)) == codes
    assert "source='CSV code list m.csv'" in repr(codes)
    merged = codes | CodeSet("n", codes=["SNOMED:2"], source="FHIR ValueSet v")
    assert merged.source == "CSV code list m.csv; FHIR ValueSet v"


# -- audit of issue 14 (second round) -------------------------------------------------


def test_csv_code_list_without_a_header() -> None:
    # "(system, code[, display])": a list that starts straight with a code is read the same
    codes = codeset_from_csv("http://snomed.info/sct,93761005,Primary malignant neoplasm of colon\n"
                             "RXNORM,1719\n", name="x")
    assert codes.codes == {"SNOMED:93761005", "RXNORM:1719"}
    assert codeset_from_csv("ICD10,C18\n", name="y").codes == {"ICD10:C18"}
    with pytest.raises(InvalidValueSet, match=r"line 2.*3 columns"):
        codeset_from_csv("SNOMED,1,a\nSNOMED,2,b,c\n", name="z")


@pytest.mark.parametrize(("expansion", "match"), [
    # the first page of three codes out of five: the other two would be lost
    ({"total": 5, "offset": 0, "contains": [{"system": SCT, "code": c} for c in "123"]},
     r"entries 1 to 3 of 5.*the whole expansion"),
    ({"offset": 3, "contains": [{"system": SCT, "code": "4"}]}, r"entries 4 to 4 of \?"),
    ({"total": "5", "contains": []}, r"total = '5'; expected a whole number"),
])
def test_a_page_of_a_paged_expansion_is_refused(expansion: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidValueSet, match=match):
        codeset_from_valueset({"resourceType": "ValueSet", "expansion": expansion})


def test_total_counts_nested_entries() -> None:
    # total 3 = the grouper and its two nested codes: whole, nothing refused
    vs = {"resourceType": "ValueSet", "expansion": {"total": 3, "offset": 0, "contains": [
        {"system": SCT, "code": "363346000", "contains": [
            {"system": SCT, "code": "93761005"}, {"system": SCT, "code": "254837009"}]}]}}
    assert codeset_from_valueset(vs, name="c").codes == {
        "SNOMED:363346000", "SNOMED:93761005", "SNOMED:254837009"}


def test_a_protocol_resolves_an_atlas_file_with_its_vocabulary_folder(
        tmp_path: Path, vocabulary: Path) -> None:
    # CONCEPT_ANCESTOR is read when the document names the vocabulary folder, relative to it
    # the vocabulary fixture's tables are in tmp_path; the document sits one folder below
    assert vocabulary == tmp_path
    (tmp_path / "protocol" / "sets").mkdir(parents=True)
    expr = {"items": [_item(4180790, "SNOMED", "363406005", descendants=True)]}
    (tmp_path / "protocol" / "sets" / "colon.json").write_text(json.dumps(expr), encoding="utf-8")
    doc = tmp_path / "protocol" / "p.json"
    doc.write_text(_protocol({"name": "colon", "file": "sets/colon.json",
                              "vocabulary": ".."}), encoding="utf-8")
    codes = load_protocol_file(doc).exclusion[0].codes
    assert codes.codes == {"SNOMED:363406005", "SNOMED:93761005"}
    # without the folder: the clear error, at the document's path
    doc.write_text(_protocol({"name": "colon", "file": "sets/colon.json"}), encoding="utf-8")
    with pytest.raises(InvalidDocument,
                       match=r"codes.file.*includes descendants.*CONCEPT_ANCESTOR"):
        load_protocol_file(doc)
    with pytest.raises(InvalidDocument, match=r"codes.vocabulary.*without a file or valueset"):
        parse_protocol(_protocol({"name": "c", "codes": ["SNOMED:1"], "vocabulary": "v"}))

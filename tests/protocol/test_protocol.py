"""Protocols: determinations, ids, explanation data and text."""

from __future__ import annotations

import itertools
import json
import pickle
from datetime import date

import pytest
from hypothesis import given

import strategies as ts
from helpers import AS_OF, MET, NOT_MET, UNKNOWN
from trialrules import (
    AllOf,
    Determination,
    Domain,
    Flag,
    InvalidCriterion,
    InvalidRecord,
    Not,
    Observation,
    Outcome,
    Protocol,
    Range,
    Record,
    Threshold,
)


def two_by_two() -> Protocol:
    return Protocol("T-1", "Test trial",
                    inclusion=[Flag("f0", label="first;"), Flag("f1")],
                    exclusion=[Flag("f2"), Flag("f3", label="last.")])


@pytest.mark.parametrize("outcomes", list(itertools.product(list(Outcome), repeat=4)))
def test_determination_rules(outcomes: tuple[Outcome, ...]) -> None:
    protocol = two_by_two()
    record = ts.flag_outcome_record(outcomes)
    inclusion, exclusion = outcomes[:2], outcomes[2:]
    if NOT_MET in inclusion or MET in exclusion:
        want = Determination.INELIGIBLE
    elif all(o is MET for o in inclusion) and all(o is NOT_MET for o in exclusion):
        want = Determination.ELIGIBLE
    else:
        want = Determination.NEEDS_REVIEW
    result = protocol.evaluate(record, AS_OF)
    assert result.determination is want
    assert protocol.decide(record, AS_OF) is want
    assert protocol.outcomes(record, AS_OF) == dict(
        zip(["inclusion.1", "inclusion.2", "exclusion.1", "exclusion.2"], outcomes, strict=True))
    assert [e.id for e in result.deciding] == (
        [f"inclusion.{i + 1}" for i, o in enumerate(inclusion) if o is NOT_MET]
        + [f"exclusion.{i + 1}" for i, o in enumerate(exclusion) if o is MET])
    assert [e.id for e in result.undecided] == [
        c for c, o in zip(["inclusion.1", "inclusion.2", "exclusion.1", "exclusion.2"], outcomes,
                          strict=True) if o is UNKNOWN]
    assert result.missing == tuple(
        f"flag f{i}" for i, o in enumerate(outcomes) if o is UNKNOWN)


def test_auto_ids_and_explicit_ids() -> None:
    protocol = Protocol("T", "t", inclusion=[Flag("a"), Flag("b", id="consent"), Flag("c")],
                        exclusion=[Flag("d") & Flag("e")])
    assert [c.id for c in protocol.criteria] == ["inclusion.1", "consent", "inclusion.3",
                                                 "exclusion.1"]
    assert protocol.criterion("consent") == Flag("b", id="consent")
    with pytest.raises(KeyError):
        protocol.criterion("inclusion.9")
    result = protocol.evaluate(Record("P"), AS_OF)
    assert result.outcome("exclusion.1.2") is UNKNOWN          # nested ids are derived
    with pytest.raises(KeyError):
        result.outcome("nope")


@pytest.mark.parametrize(("inclusion", "exclusion"), [
    ([Flag("a", id="x"), Flag("b", id="x")], []),
    ([Flag("a", id="x")], [Flag("b", id="x")]),
    ([AllOf(Flag("a", id="x"), Flag("b"))], [Flag("c", id="x")]),  # nested ids count too
    ([Flag("a", id="inclusion.2"), Flag("b")], []),                # clashes with an auto id
])
def test_duplicate_ids_are_rejected(inclusion: list[Flag], exclusion: list[Flag]) -> None:
    with pytest.raises(InvalidCriterion, match=r"criterion id '.*' is used twice"):
        Protocol("T", "t", inclusion=inclusion, exclusion=exclusion)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"inclusion": Flag("a")}, "inclusion must be a list of criteria"),
    ({"exclusion": [Flag("a"), "b"]}, r"exclusion\[1\] = 'b' is not a criterion"),
    ({"domains": {"edss": (0, 10)}}, r"domains\['edss'\] = \(0, 10\) is not a Domain"),
    ({"vocabulary": {"edss": "LOINC:1"}}, "must be a list of SYSTEM:CODE codes"),
])
def test_protocol_validation(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidCriterion, match=match):
        Protocol("T", "t", **kwargs)  # type: ignore[arg-type]


def test_protocol_domains_apply() -> None:
    protocol = Protocol("T", "t", inclusion=[Threshold("hb", ">=", 12)],
                        domains={"hb": Domain(0, 25, name="haemoglobin")})
    record = Record("P9", observations=[Observation("hb", 40, "2026-10-01")])
    with pytest.raises(InvalidRecord, match="a number from 0 to 25"):
        protocol.evaluate(record, AS_OF)
    with pytest.raises(InvalidRecord, match="a number from 0 to 25"):
        protocol.decide(record, AS_OF)
    assert protocol.domains["edss"] == Domain(0, 10, step=0.5, name="EDSS")  # standard kept


def sample() -> tuple[Protocol, Record]:
    protocol = Protocol(
        "T-2", "EDSS trial",
        inclusion=[Range("edss", 3, 6, label="EDSS score of 3-6 (including 3 and 6);"),
                   Flag("consent")],
        exclusion=[Not(Flag("able_to_work"), id="exclusion.1")])
    record = Record("P1", observations=[Observation("edss", 6.5, "2026-10-02")],
                    flags={"able_to_work": True})
    return protocol, record


def test_explanation_dict_keys_are_stable() -> None:
    protocol, record = sample()
    data = protocol.evaluate(record, AS_OF).to_dict()
    assert list(data) == ["protocol", "id", "as_of", "determination", "inclusion", "exclusion",
                          "deciding", "undecided", "missing"]
    assert data["determination"] == "ineligible"
    assert data["deciding"] == ["inclusion.1"]
    assert data["undecided"] == ["inclusion.2"]
    assert data["missing"] == ["flag consent"]
    node = data["inclusion"][0]
    assert list(node) == ["id", "kind", "label", "outcome", "reason", "evidence", "missing",
                          "children"]
    assert node == {
        "id": "inclusion.1", "kind": "Range", "label": "EDSS score of 3-6 (including 3 and 6);",
        "outcome": "not_met",
        "reason": "EDSS 6.5 on 2026-10-02 is not between 3 and 6 (both inclusive)",
        "evidence": [{"path": "observations[0]", "code": "edss", "value": 6.5,
                      "date": "2026-10-02", "end": None}],
        "missing": [], "children": []}
    assert data["exclusion"][0]["children"][0]["id"] == "exclusion.1.1"
    assert json.loads(json.dumps(data)) == data


def test_text_render() -> None:
    protocol, record = sample()
    assert str(protocol.evaluate(record, AS_OF)) == "\n".join([
        "P1: INELIGIBLE for T-2 as of 2026-11-27",
        "Inclusion criteria:",
        "  [NOT MET] inclusion.1 EDSS score of 3-6 (including 3 and 6);",
        "      EDSS 6.5 on 2026-10-02 is not between 3 and 6 (both inclusive)",
        "      evidence: observations[0] edss = 6.5 on 2026-10-02",
        "  [UNKNOWN] inclusion.2",
        "      flag consent is not recorded (met when true)",
        "      missing: flag consent",
        "Exclusion criteria:",
        "  [NOT MET] exclusion.1",
        "      flag able_to_work is recorded as true (met when true)",
        "    [MET] exclusion.1.1",
        "        flag able_to_work is recorded as true (met when true)",
        "        evidence: flags.able_to_work = True",
        "Facts that would decide the undecided criteria:",
        "  - flag consent",
    ])


def test_protocol_is_a_value() -> None:
    protocol, record = sample()
    assert pickle.loads(pickle.dumps(protocol)) == protocol
    assert hash(protocol) == hash(pickle.loads(pickle.dumps(protocol)))
    result = protocol.evaluate(record, AS_OF)
    assert pickle.loads(pickle.dumps(result)) == result
    namespace = {"Protocol": Protocol, "Range": Range, "Flag": Flag, "Not": Not}
    assert eval(repr(protocol), namespace) == protocol


@given(ts.scenarios())
def test_decide_and_evaluate_agree_on_a_protocol(scenario: tuple[Record, date]) -> None:
    from trialrules.protocols import get

    protocol = get("NCT06228781")
    record, as_of = scenario
    result = protocol.evaluate(record, as_of)
    assert protocol.decide(record, as_of) is result.determination
    assert protocol.outcomes(record, as_of) == {e.id: e.outcome for e in result.criteria}


def test_vocabulary_reads_other_codes_for_a_named_observation() -> None:
    # Issue 9: "a protocol maps its names (e.g. edss) to codes, so the same protocol
    # screens both the JSON format and FHIR input" -- also when the record was read
    # without the vocabulary.
    from datetime import date as _date

    from trialrules import Observation as _Obs
    from trialrules import Outcome as _Outcome
    from trialrules import Protocol as _Protocol
    from trialrules import Range as _Range
    from trialrules import Record as _Record

    protocol = _Protocol("V", "vocabulary", inclusion=[_Range("edss", 3, 6)],
                         vocabulary={"edss": ["SNOMED:273554001"]})
    as_of = _date(2027, 3, 31)
    coded = _Record("F1", observations=[_Obs("SNOMED:273554001", 6.5, "2027-03-01"),
                                        _Obs("edss", 4, "2027-02-01")])
    assert protocol.evaluate(coded, as_of).outcome("inclusion.1") is _Outcome.NOT_MET
    assert protocol.decide(coded, as_of).value == "ineligible"
    # Without the vocabulary the coded observation is another code entirely.
    bare = _Protocol("V", "vocabulary", inclusion=[_Range("edss", 3, 6)])
    assert bare.evaluate(coded, as_of).outcome("inclusion.1") is _Outcome.MET
    other = _Record("F2", observations=[_Obs("SNOMED:999", 6.5, "2027-03-01")])
    assert protocol.evaluate(other, as_of).outcome("inclusion.1") is _Outcome.UNKNOWN

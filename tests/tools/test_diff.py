"""Diff between protocol versions: by id, field by field, as text and JSON."""

from __future__ import annotations

import json
from typing import Any

import attrs
from test_describe import golden

from trialrules import (
    AllOf,
    CodeSet,
    Criterion,
    Domain,
    Flag,
    Lookback,
    Not,
    Protocol,
    Range,
    Span,
    Washout,
)
from trialrules.formats.protocols import protocol_from_dict, protocol_to_dict
from trialrules.protocols import get
from trialrules.tools.diff import Change, diff


def amended() -> Protocol:
    """NCT06228781 amended: EDSS upper bound 6 -> 6.5, washout 1 -> 3 months (exclusion 2)."""
    doc: dict[str, Any] = protocol_to_dict(get("NCT06228781"))
    doc["inclusion"][2]["high"] = 6.5
    doc["exclusion"][1]["child"]["span"] = {"months": 3}
    return protocol_from_dict(doc)


def test_amendment_reports_bound_and_window() -> None:
    result = diff(get("NCT06228781"), amended())
    assert result
    assert (result.added, result.removed) == ((), ())
    assert result.changed == (
        Change("inclusion.3", "inclusion.3", "high", 6, 6.5),
        Change("exclusion.2", "exclusion.2.1", "span", {"months": 1}, {"months": 3}),
    )
    assert result.changed_ids == ("inclusion.3", "exclusion.2")
    assert [str(c) for c in result.changed] == ["inclusion.3: high 6 -> 6.5",
                                                "exclusion.2.1: span 1 month -> 3 months"]


def test_amendment_golden_text_and_json() -> None:
    result = diff(get("NCT06228781"), amended())
    golden("NCT06228781-amended.diff.txt", str(result) + "\n")
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["changed"][0] == {
        "id": "inclusion.3",
        "changes": [{"criterion": "inclusion.3", "path": "inclusion.3", "field": "high",
                     "old": 6, "new": 6.5}],
        "old_description": "latest EDSS is between 3 and 6 (both inclusive)",
        "new_description": "latest EDSS is between 3 and 6.5 (both inclusive)",
    }


def test_no_differences() -> None:
    same = diff(get("NCT06228781"), get("NCT06228781"))
    assert not same
    assert str(same) == "no differences between NCT06228781 and NCT06228781"
    assert same.to_dict()["changed"] == []


def _protocol(*inclusion: Criterion, exclusion: tuple[Criterion, ...] = (), **kw: Any) -> Protocol:
    return Protocol("P", "T", inclusion=list(inclusion), exclusion=list(exclusion), **kw)


def test_added_and_removed_by_id() -> None:
    old = _protocol(Flag("a"), Flag("b"))
    new = _protocol(Flag("a"), exclusion=(Flag("c"),))
    result = diff(old, new)
    assert (result.added, result.removed, result.changed) == (("exclusion.1",), ("inclusion.2",), ())
    assert str(result).splitlines() == ["P -> P", "removed inclusion.2: b is true",
                                        "added exclusion.1: c is true"]
    data = result.to_dict()
    assert data["added"] == [{"id": "exclusion.1", "section": "exclusion",
                              "description": "c is true",
                              "criterion": {"kind": "flag", "name": "c", "id": "exclusion.1"}}]


def test_inclusivity_label_and_kind() -> None:
    old = _protocol(Range("edss", 3, 6, label="3-6"), Flag("a"))
    new = _protocol(Range("edss", 3, 6, high_inclusive=False, label="3 to <6"), Flag("a", False))
    assert [str(c) for c in diff(old, new).changed] == [
        "inclusion.1: high_inclusive yes -> no",
        "inclusion.1: label '3-6' -> '3 to <6'",
        "inclusion.2: expected yes -> no",
    ]
    swapped = _protocol(Range("edss", 3, 6), Not(Flag("a")))
    assert [str(c) for c in diff(old, swapped).changed] == [
        "inclusion.1: label '3-6' -> none", "inclusion.2: kind flag -> not"]


def test_code_set_members() -> None:
    old = _protocol(Lookback(CodeSet("cancer", prefixes=["ICD10:C50", "ICD10:C51"])))
    new = _protocol(Lookback(CodeSet("cancers", prefixes=["ICD10:C50", "ICD10:D05"]),
                             Span(years=5)))
    changes = diff(old, new).changed
    assert [str(c) for c in changes] == [
        "inclusion.1: codes.name 'cancer' -> 'cancers'",
        "inclusion.1: codes.prefixes +ICD10:D05 -ICD10:C51",
        "inclusion.1: span none -> 5 years",
    ]
    assert changes[1].to_dict()["added"] == ["ICD10:D05"]
    assert changes[1].to_dict()["removed"] == ["ICD10:C51"]


def test_children_added_and_removed() -> None:
    old = _protocol(AllOf(Flag("a"), Flag("b")))
    new = _protocol(AllOf(Flag("a"), Flag("c"), Flag("d")))
    assert [str(c) for c in diff(old, new).changed] == [
        "inclusion.1.2: name b -> c", 'inclusion.1.3: added none -> "d is true"']
    assert [str(c) for c in diff(new, old).changed] == [
        "inclusion.1.2: name c -> b", 'inclusion.1.3: removed "d is true" -> none']


def test_section_move_and_protocol_fields() -> None:
    old = _protocol(Flag("a", id="a"), vocabulary={"a": ["SNOMED:1"]})
    new = attrs.evolve(_protocol(exclusion=(Flag("a", id="a"),),
                                 domains={"hb": Domain(0, 30)},
                                 vocabulary={"a": ["SNOMED:1", "SNOMED:2"]}), title="T2")
    result = diff(old, new)
    assert [str(c) for c in result.changed] == [
        "$: title 'T' -> 'T2'", "$: domains.hb none -> {'low': 0, 'high': 30}",
        "$: vocabulary.a +SNOMED:2", "a: section inclusion -> exclusion"]
    assert "changed protocol:" in str(result)
    assert result.to_dict()["changed"][0]["id"] == "$"


def test_washout_in_python_matches_document_amendment() -> None:
    old = get("NCT06228781")
    exclusion = list(old.exclusion)
    exclusion[1] = Not(Washout(exclusion[1].children[0].codes, Span(months=3)),  # type: ignore[attr-defined]
                       id="exclusion.2", label=exclusion[1].label)
    inclusion = list(old.inclusion)
    inclusion[2] = inclusion[2].evolve(high=6.5)
    assert attrs.evolve(old, inclusion=inclusion, exclusion=exclusion) == amended()

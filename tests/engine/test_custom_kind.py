"""A kind defined outside the package (docs/examples/custom_kind.py): once registered it
round-trips through JSON and is linted, diffed, explained and given boundary cases; a kind
missing a part says what it lacks."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest

from helpers import load_script
from trialrules import (
    AllOf,
    Criterion,
    Flag,
    InvalidDocument,
    Outcome,
    Protocol,
    Record,
    TrialRulesError,
    diff,
    lint,
)
from trialrules.engine import register, unregister
from trialrules.engine.registry import kinds
from trialrules.formats.protocols import dump_protocol, parse_protocol
from trialrules.formats.schemas import protocol_schema, shipped_protocol_schema
from trialrules.testing import boundary_cases

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "custom_kind.py"
AS_OF = date(2026, 6, 15)


@pytest.fixture(scope="module")
def example() -> Iterator[ModuleType]:
    module = load_script(EXAMPLE, "custom_kind", register=True)
    yield module
    unregister(module.AnyFlag)  # the registry test sees only the package's own kinds
    del sys.modules["custom_kind"]


def _trial(rule: Criterion) -> Protocol:
    return Protocol("T-1", "A trial", inclusion=[rule, Flag("consent")])


def test_registered_and_round_trips_through_json(example: ModuleType) -> None:
    rule = example.AnyFlag(["relapse_12m", "new_t2_lesion"], id="inclusion.1", label="activity")
    assert kinds()["any_flag"] is example.AnyFlag
    assert rule.to_dict() == {"kind": "any_flag", "names": ["relapse_12m", "new_t2_lesion"],
                              "id": "inclusion.1", "label": "activity"}
    assert Criterion.from_dict(rule.to_dict()) == rule
    trial = _trial(rule)
    assert parse_protocol(dump_protocol(trial)) == trial
    assert eval(repr(rule), {"AnyFlag": example.AnyFlag}) == rule
    assert rule.evolve(names=("a",)).names == ("a",)


def test_reading_errors_name_the_json_path(example: ModuleType) -> None:
    doc = {"trialrules": 1, "id": "T", "title": "T",
           "inclusion": [{"kind": "any_flag", "names": []}]}
    with pytest.raises(InvalidDocument, match=r"\$\.inclusion\[0\]\.names = \[\]; expected at "
                                              "least one of flag names"):
        parse_protocol(str(doc).replace("'", '"'))
    doc["inclusion"] = [{"kind": "any_flag", "names": ["a"], "nme": 1}]
    with pytest.raises(InvalidDocument, match=r"\$\.inclusion\[0\]\.nme"):
        parse_protocol(str(doc).replace("'", '"'))


def test_in_the_json_schema(example: ModuleType) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = protocol_schema()
    assert schema["$defs"]["any_flag"]["required"] == ["kind", "names"]
    doc = dump_protocol(_trial(example.AnyFlag(["a", "b"])))
    jsonschema.validate(parse_protocol(doc).to_dict(), schema)
    bad = _trial(example.AnyFlag(["a"])).to_dict()
    bad["inclusion"][0]["names"] = [1]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


@pytest.mark.parametrize(("flags", "expected"), [
    ({"a": True}, Outcome.MET),
    ({"a": False, "b": True}, Outcome.MET),
    ({"a": False, "b": False}, Outcome.NOT_MET),
    ({"a": False}, Outcome.UNKNOWN),
    ({}, Outcome.UNKNOWN),
])
def test_decided_and_explained_alike(example: ModuleType, flags: dict[str, bool],
                                     expected: Outcome) -> None:
    rule = example.AnyFlag(["a", "b"])
    record = Record("P1", flags=flags)
    assert rule.decide(record, AS_OF) is expected
    node = rule.evaluate(record, AS_OF)
    assert node.outcome is expected
    assert node.kind == "AnyFlag"
    assert ("flag b" in node.missing) is (expected is Outcome.UNKNOWN and "b" not in flags)
    assert node.reason.endswith("(met when any is true)")


def test_linted_and_diffed(example: ModuleType) -> None:
    old = _trial(example.AnyFlag(["a", "b"]))
    new = _trial(example.AnyFlag(["a", "a"]))
    found = [f for f in lint(new) if f.code == "repeated-flag"]
    assert [str(f) for f in found] == [
        "warning repeated-flag [inclusion.1]: the flag(s) a are named twice"]
    assert lint(old) == []
    changes = diff(old, new).changed
    assert [(c.path, c.field, c.old, c.new) for c in changes] == [
        ("inclusion.1", "names", ["a", "b"], ["a", "a"])]


def test_given_boundary_cases_an_oracle_confirms(example: ModuleType) -> None:
    rule = example.AnyFlag(["a", "b"], id="r")
    top = AllOf(rule, Flag("consent"), id="top")
    cases = boundary_cases(top, AS_OF)
    mine = [c for c in cases if c.criterion_id == "r"]
    assert {c.expected for c in mine} == {Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN}
    for case in cases:
        flags = dict(case.record.flags)
        consent = flags.get("consent")
        # The oracles, not the code: the rule's truth table, and the flag read directly.
        want = Outcome.all_of([example.expected(rule, flags),
                               Outcome.UNKNOWN if consent is None else
                               Outcome.MET if consent else Outcome.NOT_MET])
        assert want is case.expected, case
        assert top.decide(case.record, case.as_of) is case.expected


def test_a_kind_missing_its_parts_says_what_it_lacks() -> None:
    @attrs.frozen(repr=False)
    class Unregistered(Criterion):
        kind = "unregistered"

    with pytest.raises(TypeError, match="not a registered criterion kind"):
        Unregistered().to_dict()
    with pytest.raises(NotImplementedError, match=r"judge\(ctx, why\)"):
        Unregistered().decide(Record("P1"), AS_OF)
    with pytest.raises(NotImplementedError, match=r"describe\(domains\)"):
        Unregistered().describe()
    with pytest.raises(NotImplementedError, match=r"reads\(\)"):
        Unregistered().reads()
    with pytest.raises(TrialRulesError, match="leaf_cases"):
        boundary_cases(Unregistered(), AS_OF)

    @attrs.frozen(repr=False)
    class Undeclared(Criterion):
        kind = "undeclared"
        value: Any = attrs.field(default=None)

    register(Undeclared)
    try:
        with pytest.raises(TrialRulesError, match=r"Undeclared\.value is declared without "
                                                  r"metadata=meta\(codec\)"):
            Undeclared(1).to_dict()
    finally:
        unregister(Undeclared)


def test_a_tag_is_registered_once() -> None:
    @attrs.frozen(repr=False)
    class Impostor(Criterion):
        kind = "range"

    with pytest.raises(TrialRulesError, match="already registered"):
        register(Impostor)
    with pytest.raises(TrialRulesError, match="kind = 'snake_case_tag'"):
        register(attrs.frozen(type("NoTag", (Criterion,), {})))


def test_the_example_docstring_runs(example: ModuleType) -> None:
    import doctest

    assert doctest.testmod(example).failed == 0


def test_lint_names_a_kind_or_source_not_registered(example: ModuleType) -> None:
    """Evaluated, but unknown to JSON, diff and the boundary cases: an error, never silence."""
    from trialrules import Range
    from trialrules.engine.source import Source

    @attrs.frozen(repr=False)
    class Unregistered(Criterion):
        kind = "unregistered"

        def judge(self, ctx: Any, why: Any) -> Outcome:
            return Outcome.MET

    @attrs.frozen(repr=False)
    class Stray(Source):
        kind = "stray"

        def describe(self, domains: Any = None) -> str:
            return "a stray value"

        def unit_in(self, domains: Any = None) -> str | None:
            return None

    registered = example.AnyFlag(["relapse_12m"])
    found = lint(Protocol("T-1", "A trial", inclusion=[Unregistered(), registered,
                                                       Range(Stray(), 1, 2)]))
    assert [(f.code, f.severity, f.criteria, f.message) for f in found
            if f.code == "unregistered-kind"] == [
        ("unregistered-kind", "error", ("inclusion.1",),
         "Unregistered is not a registered criterion kind: register it with trialrules.register"
         " (docs/how-to/custom-kind.md), or it cannot be written to JSON, diffed or given "
         "boundary cases"),
        ("unregistered-kind", "error", ("inclusion.3",),
         "Stray is not a registered value source: register it with trialrules.register "
         "(docs/how-to/custom-kind.md), or it cannot be written to JSON, diffed or given "
         "boundary cases")]
    assert [f for f in lint(_trial(registered)) if f.code == "unregistered-kind"] == []


def test_register_refuses_a_class_attrs_did_not_build_and_a_reserved_tag() -> None:
    """A plain subclass of an attrs kind inherits its base's fields: its own state would be
    dropped without a word. A tag the schema uses for its own definitions would replace one."""
    from trialrules.engine.registry import RESERVED_TAGS

    @attrs.frozen(repr=False)
    class Base(Criterion):
        kind = "base_thing"

    class Plain(Base):
        kind = "plain_thing"

        def __init__(self, value: int) -> None:
            object.__setattr__(self, "value", value)

    with pytest.raises(TrialRulesError, match=r"Plain must be an attrs class \(@attrs\.frozen\)"):
        register(Plain)
    for tag in ("span", "codeset", "criterion", "text"):
        reserved = attrs.frozen(repr=False)(type("Reserved", (Criterion,), {"kind": tag}))
        with pytest.raises(TrialRulesError, match=f"cannot take the kind tag '{tag}'"):
            register(reserved)
    # The reserved names are exactly the shipped schema's own definitions.
    assert set(shipped_protocol_schema()["$defs"]) - set(kinds()) == RESERVED_TAGS


def test_a_reloaded_kinds_earlier_objects_still_count_as_registered(tmp_path: Path) -> None:
    """importlib.reload makes a new class of the same module and name: objects built before
    are not reported as unregistered, and still serialize."""
    import importlib

    module_file = tmp_path / "reloaded_kind.py"
    module_file.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        'kind = "any_flag"', 'kind = "any_flag_reloaded"'), encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module("reloaded_kind")
        before = module.AnyFlag(["a", "b"])
        importlib.reload(module)
        assert type(before) is not module.AnyFlag
        trial = _trial(before)
        assert [f for f in lint(trial) if f.code == "unregistered-kind"] == []
        assert before.to_dict() == {"kind": "any_flag_reloaded", "names": ["a", "b"]}
    finally:
        unregister(module.AnyFlag)
        sys.modules.pop("reloaded_kind", None)
        sys.path.remove(str(tmp_path))

"""Fuzzing the protocol-document loader: InvalidDocument naming the path, and nothing else.

``protocol_from_dict`` gets arbitrary JSON, protocol-shaped junk and the
bundled NCT06228781 document with one value of the wrong kind at any path;
``parse_protocol`` / ``load_protocol_file`` get JSON text with NaN, duplicate
keys, huge numbers, 10,000 levels of nesting and documents over the size limit.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import AS_OF
from json_strategies import FUZZ, arbitrary_json, deep_dict, deep_list, json_values, texts
from trialrules import Protocol, Record
from trialrules.formats.protocols import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NESTING,
    load_protocol_file,
    parse_protocol,
    protocol_from_dict,
    protocol_to_dict,
)
from trialrules.protocols import get
from trialrules.values.errors import InvalidDocument, TrialRulesError

MAX_MESSAGE = 400
DOCUMENT = protocol_to_dict(get("NCT06228781"))


def _load(data: Any) -> Protocol | InvalidDocument:
    try:
        return protocol_from_dict(data)
    except InvalidDocument as exc:
        error = exc
    assert error.path.startswith("$")
    assert error.path in str(error)
    assert len(str(error)) <= MAX_MESSAGE
    return error


def test_the_bundled_document_loads() -> None:
    assert protocol_from_dict(copy.deepcopy(DOCUMENT)) == get("NCT06228781")


# ---------------------------------------------------------------- arbitrary and shaped junk

_KEYS = st.sampled_from(["trialrules", "id", "title", "inclusion", "exclusion", "domains",
                         "vocabulary", "kind", "source", "low", "high", "operator", "bound",
                         "values", "name", "expected", "codes", "prefixes", "span", "months",
                         "items", "child", "antecedent", "consequent", "k", "on", "at_least",
                         "label", "range", "flag", "all_of", "age", "latest", "code"]) | texts
_junk = json_values(_KEYS, leaves=8)
_KINDS = st.sampled_from(["range", "threshold", "one_of", "flag", "washout", "lookback",
                          "placeholder", "all_of", "any_of", "at_least", "not", "implies"])


@st.composite
def criteria(draw: st.DrawFn) -> Any:
    out = {"kind": draw(_KINDS | _junk)}
    out.update(draw(st.dictionaries(_KEYS, _junk | st.builds(
        lambda k: {"kind": k}, _KINDS), max_size=5)))
    return draw(st.just(out) | _junk)


@st.composite
def documents(draw: st.DrawFn) -> Any:
    out: dict[str, Any] = {"trialrules": draw(st.just(1) | _junk), "id": draw(texts | _junk),
                           "title": draw(st.just("T") | _junk)}
    for key in draw(st.lists(st.sampled_from(["inclusion", "exclusion", "domains",
                                              "vocabulary"]), unique=True)):
        out[key] = draw(st.lists(criteria(), max_size=3) | _junk)
    return out


@FUZZ
@given(arbitrary_json | documents())
def test_any_json_gives_a_protocol_or_an_invalid_document(data: Any) -> None:
    result = _load(data)
    if isinstance(result, Protocol):
        result.evaluate(Record("P1"), AS_OF)  # and it evaluates


@FUZZ
@given(arbitrary_json | documents())
def test_any_json_text_gives_a_protocol_or_an_invalid_document(data: Any) -> None:
    text = json.dumps(data, allow_nan=True, ensure_ascii=False)
    error: TrialRulesError | None = None
    try:
        parse_protocol(text.encode("utf-8", "surrogatepass"))
    except TrialRulesError as exc:
        error = exc
    assert error is None or isinstance(error, InvalidDocument)
    assert len(str(error)) <= MAX_MESSAGE


# ---------------------------------------------------------------- one wrong value at any path


def _places(value: Any, path: str, keys: tuple[Any, ...]) -> list[tuple[str, tuple[Any, ...], Any]]:
    out = [(path, keys, value)] if keys else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _places(v, f"{path}.{k}", (*keys, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _places(v, f"{path}[{i}]", (*keys, i))
    return out


PLACES = [p for p in _places(DOCUMENT, "$", ()) if p[2] is not None]
#: A value of another JSON kind for each kind of original (never null: null often means
#: "use the default"; never a number for a string, as one_of values take both).
WRONG = {str: [True, [], {}], bool: [1, "true", [], {}], int: [True, "3", [], {}, math.nan],
         float: [True, "3", [], {}, math.inf], list: [{}, "x", 1, True], dict: [[], "x", 1, True]}


def test_a_wrong_value_at_any_path_is_reported_at_that_path() -> None:
    """Every place in the bundled document, every wrong kind of value: all of them, not a sample."""
    assert len(PLACES) > 300
    wrongly = []
    for path, keys, original in PLACES:
        for wrong in WRONG[type(original)]:
            mutated = copy.deepcopy(DOCUMENT)
            target: Any = mutated
            for key in keys[:-1]:
                target = target[key]
            target[keys[-1]] = wrong
            result = _load(mutated)
            if not isinstance(result, InvalidDocument):
                wrongly.append(f"{path} = {wrong!r} was accepted")
            elif result.path != path and not (  # a non-object source is named by its kind
                    result.path == f"{path}.kind" and isinstance(wrong, dict)):
                wrongly.append(f"{path} = {wrong!r} reported at {result.path}")
    assert wrongly == []


@pytest.mark.parametrize("keys", [("title",), ("inclusion", 0, "id"), ("inclusion", 2, "low")])
def test_a_missing_required_key_is_named(keys: tuple[Any, ...]) -> None:
    mutated = copy.deepcopy(DOCUMENT)
    target: Any = mutated
    for key in keys[:-1]:
        target = target[key]
    del target[keys[-1]]
    result = _load(mutated)
    if keys[-1] == "id":  # ids are optional: the position gives one
        assert isinstance(result, Protocol)
        return
    assert isinstance(result, InvalidDocument)
    path = "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys)
    assert result.path == path


# ---------------------------------------------------------------- limits and hostile text


def _text(data: Any) -> bytes:
    return json.dumps(data).encode()


def test_ten_thousand_levels_deep_as_an_object_and_as_text() -> None:
    for deep in (deep_list(10_000), deep_dict(10_000)):
        doc = {**DOCUMENT, "inclusion": [deep]}
        with pytest.raises(InvalidDocument, match=f"nested at most {MAX_NESTING} levels"):
            protocol_from_dict(doc)
    text = b'{"trialrules": 1, "id": "X", "title": "T", "inclusion": ' + b"[" * 10_000 + \
        b"]" * 10_000 + b"}"
    with pytest.raises(InvalidDocument, match=f"nested at most {MAX_NESTING} levels"):
        parse_protocol(text)


def test_criteria_nested_past_the_depth_limit() -> None:
    tree: dict[str, Any] = {"kind": "flag", "name": "x"}
    for _ in range(MAX_DEPTH + 1):
        tree = {"kind": "not", "child": tree}
    with pytest.raises(InvalidDocument, match=f"criteria nested at most {MAX_DEPTH} deep"):
        protocol_from_dict({"trialrules": 1, "id": "X", "title": "T", "inclusion": [tree]})


def test_a_document_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b'{"trialrules": 1, "id": "X", "title": "' + b"t" * MAX_BYTES + b'"}')
    with pytest.raises(InvalidDocument, match=f"at most {MAX_BYTES} bytes"):
        load_protocol_file(path)


@pytest.mark.parametrize(("text", "words"), [
    (b'{"trialrules": 1, "id": "X", "title": "T", "id": "Y"}', "each key at most once"),
    (b'{"trialrules": NaN, "id": "X", "title": "T"}', "no NaN or Infinity"),
    (b'{"trialrules": 1, "id": "X", "title": "T", "domains": {"x": {"low": -Infinity, '
     b'"high": 1}}}', "no NaN or Infinity"),
    (b'{"trialrules": 1' + b"0" * 5000 + b"}", "valid JSON"),
    (b'{"trialrules": 1, "id": "X\xff", "title": "T"}', "UTF-8"),
    (b'{"trialrules": 1, "id": "X", "title": "T"', "valid JSON"),
    (b'{"trialrules": 1, "id": "\\ud800", "title": "T"}', "no lone surrogates"),
    (b'{"trialrules": 1, "id": "X", "title": "T", "domains": {"x": {"low": 0, "high": '
     + str(2**60).encode() + b"}}}", "within ±2**53"),
    (b'{"trialrules": true, "id": "X", "title": "T"}', "a whole number >= 1"),
])
def test_hostile_document_text(text: bytes, words: str, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(text)
    with pytest.raises(InvalidDocument) as info:
        load_protocol_file(path)
    assert words in str(info.value)
    assert len(str(info.value)) <= MAX_MESSAGE


def test_a_very_long_unknown_key_is_named_briefly() -> None:
    with pytest.raises(InvalidDocument) as info:
        protocol_from_dict({**DOCUMENT, "k" * 100_000: 1})
    assert info.value.path == "$." + "k" * 37 + "..."
    assert len(str(info.value)) <= MAX_MESSAGE


def test_the_cli_says_usage_error_for_every_malformed_document(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from trialrules.cli import main

    patients = tmp_path / "p.jsonl"
    patients.write_text('{"id": "P1"}\n', encoding="utf-8")
    bad = tmp_path / "bad.json"
    for text in (b"[" * 10_000, b'{"trialrules": 1' + b"0" * 5000 + b"}", b"\xff",
                 _text({**DOCUMENT, "inclusion": [{"kind": "range"}]})):
        bad.write_bytes(text)
        assert main(["screen", str(patients), "--protocol", str(bad), "--as-of",
                     "2026-11-27"]) == 2
        err = capsys.readouterr().err
        assert "is not a valid protocol" in err
        assert "Traceback" not in err


HOSTILE_FILES = {
    "deep": b"[" * 10_000,
    "huge integer": b'{"trialrules": 1' + b"0" * 5000 + b"}",
    "not UTF-8": b"\xff",
    "lone surrogate": b'{"trialrules": 1, "id": "\\ud800", "title": "T"}',
    "NaN": b'{"trialrules": NaN}',
    "duplicate key": b'{"trialrules": 1, "trialrules": 1}',
    "wrong kind": json.dumps({**DOCUMENT, "inclusion": [{"kind": "range"}]}).encode(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
@pytest.mark.parametrize("command", ["show", "lint", "diff", "validate"])
def test_every_command_reading_protocols_refuses_hostile_files_cleanly(
        name: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from trialrules.cli import main

    path = tmp_path / "p.json"
    path.write_bytes(HOSTILE_FILES[name])
    argv = [command, str(path)] + ([str(path)] if command == "diff" else [])
    status = main(argv)
    out, err = capsys.readouterr()
    # validate reports an invalid document with status 1; the others cannot go on: 2.
    assert status == (1 if command == "validate" else 2)
    assert "Traceback" not in out + err
    assert ("invalid" in out) if command == "validate" else ("is not a valid protocol" in err)

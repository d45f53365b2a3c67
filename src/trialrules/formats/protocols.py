"""Protocol documents (JSON): every criterion, code set and protocol as plain data and back.

A document is a JSON object with ``"trialrules": 1`` (the format version), the
protocol's id, title, inclusion and exclusion criteria, and optionally its own
value domains and vocabulary. Reading is strict: an unknown key, a wrong type
or a value a criterion would refuse raises :class:`~trialrules.InvalidDocument`
naming the JSON path (``$.inclusion[2].low``), the value and what was expected.
Writing is stable (sorted keys, defaults left out), so protocol files diff
cleanly in version control.

>>> from trialrules import Range
>>> criterion_to_dict(Range("edss", 3, 6, id="inclusion.3"))
{'kind': 'range', 'source': {'kind': 'latest', 'code': 'edss'}, 'low': 3, 'high': 6, 'id': 'inclusion.3'}
>>> criterion_from_dict({"kind": "range", "source": {"kind": "age"}, "low": 18, "high": 60})
Range(Age(), 18, 60)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from ..engine.criterion import Criterion
from ..kinds.combinators import AllOf, AnyOf, AtLeast, Implies, Not
from ..kinds.criteria import OPERATORS, Flag, Lookback, OneOf, Placeholder, Range, Threshold, Washout
from ..kinds.sources import AGE_UNITS, Age, Latest, Sex, Source
from ..protocol.protocol import Protocol
from ..values.codes import CodeSet
from ..values.dates import Span
from ..values.domains import STANDARD_DOMAINS, Domain, is_number
from ..values.errors import InvalidCriterion, InvalidDocument

__all__ = [
    "FORMAT_VERSION",
    "MAX_BYTES",
    "MAX_DEPTH",
    "codeset_from_dict",
    "codeset_to_dict",
    "criterion_from_dict",
    "criterion_to_dict",
    "dump_protocol",
    "load_protocol_file",
    "parse_document",
    "parse_protocol",
    "protocol_from_dict",
    "protocol_to_dict",
]

#: The protocol document format this library writes and the newest it reads.
FORMAT_VERSION: Final = 1
#: Criteria nest at most this deep (a guard against hostile or runaway documents).
MAX_DEPTH: Final = 64
#: JSON values nest at most this deep anywhere in a document.
MAX_NESTING: Final = 2 * MAX_DEPTH + 8
#: A protocol document is at most this many bytes.
MAX_BYTES: Final = 5_000_000
#: Labels, names and other strings are at most this many characters.
MAX_TEXT: Final = 10_000

_COMMON: Final = frozenset({"kind", "id", "label"})
#: Each criterion kind with its required and optional keys (besides kind, id, label).
_KINDS: Final[Mapping[str, tuple[frozenset[str], frozenset[str]]]] = {
    "range": (frozenset({"source", "low", "high"}),
              frozenset({"low_inclusive", "high_inclusive"})),
    "threshold": (frozenset({"source", "operator", "bound"}), frozenset()),
    "one_of": (frozenset({"source", "values"}), frozenset()),
    "flag": (frozenset({"name"}), frozenset({"expected", "assume_false_if", "text"})),
    "washout": (frozenset({"codes", "span"}), frozenset()),
    "lookback": (frozenset({"codes"}), frozenset({"span", "on", "at_least"})),
    "placeholder": (frozenset(), frozenset()),
    "all_of": (frozenset({"items"}), frozenset()),
    "any_of": (frozenset({"items"}), frozenset()),
    "at_least": (frozenset({"k", "items"}), frozenset()),
    "not": (frozenset({"child"}), frozenset()),
    "implies": (frozenset({"antecedent", "consequent"}), frozenset()),
}
_KIND_OF: Final[Mapping[type, str]] = {
    Range: "range", Threshold: "threshold", OneOf: "one_of", Flag: "flag", Washout: "washout",
    Lookback: "lookback", Placeholder: "placeholder", AllOf: "all_of", AnyOf: "any_of",
    AtLeast: "at_least", Not: "not", Implies: "implies",
}
_TOP: Final = frozenset({"trialrules", "$schema", "id", "title", "inclusion", "exclusion",
                         "domains", "vocabulary"})
_SPAN_UNITS: Final = ("years", "months", "weeks", "days")
_DOMAIN_KEYS: Final = frozenset({"low", "high", "step", "name", "unit"})


# -- writing ------------------------------------------------------------------


def span_to_dict(span: Span) -> dict[str, int]:
    """``{"months": 1}``: the non-zero units (``{}`` is the zero span)."""
    return {u: getattr(span, u) for u in _SPAN_UNITS if getattr(span, u)}


def source_to_dict(source: Source) -> dict[str, Any]:
    """``{"kind": "age"}``, ``{"kind": "sex"}`` or ``{"kind": "latest", "code": ...}``."""
    if isinstance(source, Age):
        return {"kind": "age"} if source.unit == "years" else {"kind": "age", "unit": source.unit}
    if isinstance(source, Sex):
        return {"kind": "sex"}
    if isinstance(source, Latest):
        out: dict[str, Any] = {"kind": "latest", "code": source.code}
        if source.within is not None:
            out["within"] = span_to_dict(source.within)
        return out
    raise TypeError(f"cannot serialize the value source {source!r}")


def codeset_to_dict(codes: CodeSet) -> dict[str, Any]:
    """``{"name": ..., "prefixes": [...], "codes": [...]}`` with members sorted, empties left out.

    >>> codeset_to_dict(CodeSet("cytotoxic agents", prefixes=["ATC:L01"]))
    {'name': 'cytotoxic agents', 'prefixes': ['ATC:L01']}
    """
    out: dict[str, Any] = {"name": codes.name}
    if codes.prefixes:
        out["prefixes"] = sorted(codes.prefixes)
    if codes.codes:
        out["codes"] = sorted(codes.codes)
    if codes.source is not None:
        out["source"] = codes.source
    return out


def criterion_to_dict(criterion: Criterion) -> dict[str, Any]:
    """Plain JSON-ready data for a criterion tree: ``kind``, its fields, ``id`` and ``label``.

    Defaults (inclusive ends, ``expected`` true, ...) are left out.
    """
    kind = _KIND_OF.get(type(criterion))
    if kind is None:
        raise TypeError(f"cannot serialize the criterion {criterion!r} "
                        f"(a {type(criterion).__name__}, not a trialrules criterion kind)")
    out: dict[str, Any] = {"kind": kind}
    if isinstance(criterion, Range):
        out.update(source=source_to_dict(criterion.source), low=criterion.low, high=criterion.high)
        if not criterion.low_inclusive:
            out["low_inclusive"] = False
        if not criterion.high_inclusive:
            out["high_inclusive"] = False
    elif isinstance(criterion, Threshold):
        out.update(source=source_to_dict(criterion.source), operator=criterion.operator,
                   bound=criterion.bound)
    elif isinstance(criterion, OneOf):
        out.update(source=source_to_dict(criterion.source),
                   values=sorted(criterion.values, key=lambda v: (isinstance(v, str), v)))
    elif isinstance(criterion, Flag):
        out["name"] = criterion.name
        if not criterion.expected:
            out["expected"] = False
        if criterion.assume_false_if is not None:
            out["assume_false_if"] = criterion_to_dict(criterion.assume_false_if)
        if criterion.text is not None:
            out["text"] = criterion.text
    elif isinstance(criterion, Washout):
        out.update(codes=codeset_to_dict(criterion.codes), span=span_to_dict(criterion.span))
    elif isinstance(criterion, Lookback):
        out["codes"] = codeset_to_dict(criterion.codes)
        # Always written: null (ever) and {} (current on the reference date) differ.
        out["span"] = None if criterion.span is None else span_to_dict(criterion.span)
        if criterion.on != "conditions":
            out["on"] = criterion.on
        if criterion.at_least != 1:
            out["at_least"] = criterion.at_least
    elif isinstance(criterion, AtLeast):
        out.update(k=criterion.k, items=[criterion_to_dict(c) for c in criterion.items])
    elif isinstance(criterion, AllOf | AnyOf):
        out["items"] = [criterion_to_dict(c) for c in criterion.items]
    elif isinstance(criterion, Not):
        out["child"] = criterion_to_dict(criterion.child)
    elif isinstance(criterion, Implies):
        out.update(antecedent=criterion_to_dict(criterion.antecedent),
                   consequent=criterion_to_dict(criterion.consequent))
    if criterion.id is not None:
        out["id"] = criterion.id
    if criterion.label is not None:
        out["label"] = criterion.label
    return out


def protocol_to_dict(protocol: Protocol) -> dict[str, Any]:
    """A protocol document: format version, id, title, criteria, and non-standard domains.

    Domains equal to the standard ones (``STANDARD_DOMAINS``) are left out; a
    reader adds them back.
    """
    out: dict[str, Any] = {
        "trialrules": FORMAT_VERSION,
        "id": protocol.id,
        "title": protocol.title,
        "inclusion": [criterion_to_dict(c) for c in protocol.inclusion],
        "exclusion": [criterion_to_dict(c) for c in protocol.exclusion],
    }
    domains = {code: domain.to_dict() for code, domain in protocol.domains.items()
               if STANDARD_DOMAINS.get(code) != domain}
    if domains:
        out["domains"] = domains
    if protocol.vocabulary:
        out["vocabulary"] = {name: list(codes) for name, codes in protocol.vocabulary.items()}
    return out


def dump_protocol(protocol: Protocol) -> str:
    """The protocol as JSON text: sorted keys, two-space indent, UTF-8 text, final newline.

    The same protocol always gives the same text, so files diff cleanly.
    """
    return json.dumps(protocol_to_dict(protocol), sort_keys=True, indent=2,
                      ensure_ascii=False) + "\n"


# -- reading ------------------------------------------------------------------


def _safe(value: Any) -> Any:
    """The value for an error message; a container too deep to print is summarized."""
    if isinstance(value, int) and value.bit_length() > 128:
        return value  # repr() refuses past 4300 digits; the message shows its size instead
    try:
        repr(value)
    except RecursionError:
        return f"<{type(value).__name__} nested too deeply to show>"
    return value


def _fail(path: str, value: Any, expected: str) -> InvalidDocument:
    return InvalidDocument(path, _safe(value), expected)


_SURROGATE: Final = re.compile("[\ud800-\udfff]")
#: Whole numbers beyond this are not exact as JSON numbers (IEEE doubles).
_MAX_EXACT_INT: Final = 2**53


def _key(key: str) -> str:
    """A key as a path segment: printable and short, whatever the document holds."""
    text = key if key.isprintable() else ascii(key)[1:-1]
    return text if len(text) <= 40 else text[:37] + "..."


def _what(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false",
             type(None): "null", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


class _Reader:
    """Reads one document; each method takes the value and its JSON path."""

    def __init__(self, base: Path | None = None) -> None:
        self.ids: dict[str, str] = {}
        #: The folder a code set's relative ``file`` is read from (the document's folder).
        self.base = base

    # primitives

    def obj(self, value: Any, path: str, required: frozenset[str],
            optional: frozenset[str], what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _fail(path, value, f"{what} (a JSON object), not {_what(value)}")
        for key in value:
            if not isinstance(key, str):
                raise _fail(path, key, "string keys")
            if key not in required and key not in optional:
                allowed = ", ".join(sorted(required | optional))
                raise _fail(f"{path}.{_key(key)}", value[key],
                            f"no such key in {what}; the keys are {allowed}")
        for key in sorted(required):
            if key not in value:
                raise _fail(f"{path}.{key}", None, f"a value: {what} requires {key!r}")
        return value

    def text(self, value: Any, path: str, what: str = "a non-empty string") -> str:
        if not isinstance(value, str) or not value.strip():
            raise _fail(path, value, what)
        return self.string(value, path, what)

    def string(self, value: Any, path: str, what: str, *, empty: bool = True) -> str:
        """Any string (labels, display texts), or any non-empty one with ``empty=False``."""
        if not isinstance(value, str) or (not empty and not value):
            raise _fail(path, value, what)
        if len(value) > MAX_TEXT:
            raise _fail(path, value, f"a string of at most {MAX_TEXT} characters")
        if _SURROGATE.search(value):  # "\ud800" in JSON: not text, cannot be written as UTF-8
            raise _fail(path, value, "valid Unicode text (no lone surrogates)")
        return value

    def number(self, value: Any, path: str) -> int | float:
        if not is_number(value):
            raise _fail(path, value, "a finite number (not true/false, not a string)")
        if isinstance(value, int) and abs(value) > _MAX_EXACT_INT:
            raise _fail(path, value, "a whole number within ±2**53 (larger ones are not exact "
                                     "in JSON)")
        return value  # type: ignore[no-any-return]

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise _fail(path, value, "true or false")
        return value

    def whole(self, value: Any, path: str, least: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise _fail(path, value, f"a whole number >= {least}")
        return value

    def listing(self, value: Any, path: str, what: str) -> list[Any]:
        if not isinstance(value, list):
            raise _fail(path, value, f"a list of {what}, not {_what(value)}")
        return value

    # parts

    def span(self, value: Any, path: str) -> Span:
        data = self.obj(value, path, frozenset(), frozenset(_SPAN_UNITS),
                        'a span such as {"months": 1}')
        units = {u: self.whole(data[u], f"{path}.{u}", 0) for u in _SPAN_UNITS if u in data}
        return Span(**units)

    def source(self, value: Any, path: str) -> Source:
        if not isinstance(value, dict) or value.get("kind") not in ("age", "sex", "latest"):
            kind = value.get("kind") if isinstance(value, dict) else value
            raise _fail(f"{path}.kind" if isinstance(value, dict) else path, kind,
                        'a value source: {"kind": "age"} (optionally with "unit"), {"kind": "sex"} or '
                        '{"kind": "latest", "code": "edss"}')
        if value["kind"] == "age":
            self.obj(value, path, frozenset({"kind"}), frozenset({"unit"}), "an age source")
            unit = value.get("unit", "years")
            if unit not in AGE_UNITS:
                raise _fail(f"{path}.unit", unit, f"one of {', '.join(map(repr, AGE_UNITS))}")
            return Age(unit=unit)
        if value["kind"] == "sex":
            self.obj(value, path, frozenset({"kind"}), frozenset(), "a sex source")
            return Sex()
        data = self.obj(value, path, frozenset({"kind", "code"}), frozenset({"within"}),
                        "a latest-observation source")
        code = self.string(data["code"], f"{path}.code", "an observation code (non-empty string)",
                           empty=False)
        within = data.get("within")
        return Latest(code, within=None if within is None else self.span(within, f"{path}.within"))

    def codeset(self, value: Any, path: str) -> CodeSet:
        data = self.obj(value, path, frozenset({"name"}),
                        frozenset({"prefixes", "codes", "file", "valueset", "source"}), "a code set")
        name = self.text(data["name"], f"{path}.name")
        members: dict[str, list[str]] = {}
        for key in ("prefixes", "codes"):
            items = self.listing(data.get(key, []), f"{path}.{key}", "codes")
            for i, code in enumerate(items):
                self.text(code, f"{path}.{key}[{i}]", "a code written SYSTEM:CODE")
                try:
                    CodeSet("x", codes=[code])
                except InvalidCriterion:
                    raise _fail(f"{path}.{key}[{i}]", code,
                                "a code written SYSTEM:CODE, e.g. 'ATC:L01'") from None
            members[key] = items
        source = None if "source" not in data else self.text(data["source"], f"{path}.source")
        listed = CodeSet(name, prefixes=members["prefixes"], codes=members["codes"], source=source)
        loaded = self.valueset_file(data, path, name)
        return listed if loaded is None else listed.union(loaded, name=name)

    def valueset_file(self, data: dict[str, Any], path: str, name: str) -> CodeSet | None:
        """The value set a code set names by ``file`` (relative to the document) or includes
        as ``valueset`` (a FHIR ValueSet or an OHDSI concept set expression), if any."""
        from .valuesets import InvalidValueSet, codeset_from_document, load_codeset

        if "file" in data and "valueset" in data:
            raise _fail(f"{path}.valueset", "...", "either file or valueset, not both")
        try:
            if "valueset" in data:
                return codeset_from_document(data["valueset"], name=name,
                                             where=f"{path}.valueset")
            if "file" not in data:
                return None
            given = self.text(data["file"], f"{path}.file", "a file path (a non-empty string)")
            file = Path(given)
            if not file.is_absolute() and self.base is not None:
                file = self.base / file
            return load_codeset(file, name=name)
        except InvalidValueSet as exc:
            raise _fail(f"{path}.{'valueset' if 'valueset' in data else 'file'}", exc.value,
                        f"a usable value set ({exc.path}: expected {exc.expected})") from None
        except OSError as exc:
            raise _fail(f"{path}.file", data["file"],
                        f"a readable value-set file ({exc.strerror or exc}; a relative path is "
                        f"read from the protocol document's folder)") from None

    def domain(self, value: Any, path: str) -> Domain:
        data = self.obj(value, path, frozenset({"low", "high"}),
                        _DOMAIN_KEYS - {"low", "high"}, "a value domain")
        low = self.number(data["low"], f"{path}.low")
        high = self.number(data["high"], f"{path}.high")
        if low > high:
            raise _fail(f"{path}.high", high, f"a number >= low ({low})")
        step = data.get("step")
        if step is not None and (self.number(step, f"{path}.step") <= 0):
            raise _fail(f"{path}.step", step, "a number above 0")
        name = data.get("name")
        unit = data.get("unit")
        return Domain(low, high, step=step,
                      name=None if name is None else self.text(name, f"{path}.name"),
                      unit=None if unit is None else self.text(unit, f"{path}.unit"))

    # criteria

    def criterion(self, value: Any, path: str, depth: int = 0) -> Criterion:
        if depth >= MAX_DEPTH:
            raise _fail(path, "...", f"criteria nested at most {MAX_DEPTH} deep")
        if not isinstance(value, dict):
            raise _fail(path, value, f"a criterion (a JSON object with a kind), not {_what(value)}")
        kind = value.get("kind")
        if not isinstance(kind, str) or kind not in _KINDS:
            raise _fail(f"{path}.kind", kind, f"a criterion kind: one of {', '.join(sorted(_KINDS))}")
        required, optional = _KINDS[kind]
        data = self.obj(value, path, required | {"kind"}, optional | _COMMON, f"a {kind} criterion")
        common: dict[str, Any] = {}
        if data.get("id") is not None:
            common["id"] = self.text(data["id"], f"{path}.id", "a non-empty string id")
            first = self.ids.setdefault(common["id"], f"{path}.id")
            if first != f"{path}.id":
                raise _fail(f"{path}.id", common["id"], f"an id not already used (at {first})")
        if data.get("label") is not None:
            common["label"] = self.string(data["label"], f"{path}.label", "a string label")
        try:
            return self._build(kind, data, path, depth, common)
        except InvalidCriterion as exc:  # a rule the constructor enforces, e.g. low <= high
            raise _fail(path, kind, f"a valid {kind} criterion: {exc}") from None

    def _build(self, kind: str, data: dict[str, Any], path: str, depth: int,
               common: dict[str, Any]) -> Criterion:
        def sub(key: str) -> Criterion:
            return self.criterion(data[key], f"{path}.{key}", depth + 1)

        def items() -> list[Criterion]:
            listed = self.listing(data["items"], f"{path}.items", "criteria")
            if not listed:
                raise _fail(f"{path}.items", listed, "at least one criterion")
            return [self.criterion(c, f"{path}.items[{i}]", depth + 1)
                    for i, c in enumerate(listed)]

        if kind == "range":
            source = self.source(data["source"], f"{path}.source")
            low = self.number(data["low"], f"{path}.low")
            high = self.number(data["high"], f"{path}.high")
            if low > high:
                raise _fail(f"{path}.high", high, f"a number >= low ({low})")
            return Range(source, low, high,
                         low_inclusive=self.boolean(data.get("low_inclusive", True),
                                                    f"{path}.low_inclusive"),
                         high_inclusive=self.boolean(data.get("high_inclusive", True),
                                                     f"{path}.high_inclusive"), **common)
        if kind == "threshold":
            source = self.source(data["source"], f"{path}.source")
            op = data["operator"]
            if not isinstance(op, str) or op not in OPERATORS:
                raise _fail(f"{path}.operator", op, f"one of {', '.join(map(repr, OPERATORS))}")
            return Threshold(source, op, self.number(data["bound"], f"{path}.bound"), **common)
        if kind == "one_of":
            source = self.source(data["source"], f"{path}.source")
            values = self.listing(data["values"], f"{path}.values", "strings or numbers")
            if not values:
                raise _fail(f"{path}.values", values, "at least one value")
            for i, v in enumerate(values):
                if not (isinstance(v, str) or is_number(v)):
                    raise _fail(f"{path}.values[{i}]", v, "a string or a finite number")
            return OneOf(source, values, **common)
        if kind == "flag":
            name = self.string(data["name"], f"{path}.name", "a flag name (non-empty string)",
                               empty=False)
            text = data.get("text")
            return Flag(name, self.boolean(data.get("expected", True), f"{path}.expected"),
                        assume_false_if=None if data.get("assume_false_if") is None
                        else sub("assume_false_if"),
                        text=None if text is None else self.string(text, f"{path}.text",
                                                                   "a string"), **common)
        if kind == "washout":
            return Washout(self.codeset(data["codes"], f"{path}.codes"),
                           self.span(data["span"], f"{path}.span"), **common)
        if kind == "lookback":
            span = data.get("span")
            on = data.get("on", "conditions")
            if on not in ("conditions", "exposures"):
                raise _fail(f"{path}.on", on, "'conditions' or 'exposures'")
            return Lookback(self.codeset(data["codes"], f"{path}.codes"),
                            None if span is None else self.span(span, f"{path}.span"), on=on,
                            at_least=self.whole(data.get("at_least", 1), f"{path}.at_least", 1),
                            **common)
        if kind == "placeholder":
            return Placeholder(**common)
        if kind == "all_of":
            return AllOf(*items(), **common)
        if kind == "any_of":
            return AnyOf(*items(), **common)
        if kind == "at_least":
            children = items()
            k = self.whole(data["k"], f"{path}.k", 1)
            if k > len(children):
                raise _fail(f"{path}.k", k, f"a whole number from 1 to {len(children)} "
                                            "(the number of items)")
            return AtLeast(k, *children, **common)
        if kind == "not":
            return Not(sub("child"), **common)
        return Implies(sub("antecedent"), sub("consequent"), **common)

    # the document

    def protocol(self, value: Any) -> Protocol:
        if not isinstance(value, dict):
            raise _fail("$", value, f"a protocol document (a JSON object), not {_what(value)}")
        version = value.get("trialrules")
        if "trialrules" not in value:
            raise _fail("$.trialrules", None,
                        f'the format version, e.g. "trialrules": {FORMAT_VERSION} '
                        "(is this a trialrules protocol document?)")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise _fail("$.trialrules", version, "a format version: a whole number >= 1")
        if version > FORMAT_VERSION:
            from .. import __version__

            raise _fail("$.trialrules", version,
                        f"format version {FORMAT_VERSION} or older: this trialrules "
                        f"({__version__}) cannot read a newer format; upgrade trialrules")
        data = self.obj(value, "$", frozenset({"trialrules", "id", "title"}),
                        _TOP - {"trialrules", "id", "title"}, "a protocol document")
        if "$schema" in data:
            self.text(data["$schema"], "$.$schema", "a schema URI string")
        pid = self.text(data["id"], "$.id", "a protocol id such as 'NCT06228781'")
        title = self.text(data["title"], "$.title", "a protocol title")
        sections: dict[str, list[Criterion]] = {}
        for section in ("inclusion", "exclusion"):
            listed = self.listing(data.get(section, []), f"$.{section}", "criteria")
            sections[section] = [self.criterion(c, f"$.{section}[{i}]")
                                 for i, c in enumerate(listed)]
        for section, criteria in sections.items():
            # An unnamed criterion gets "inclusion.3": that id must be free.
            for i, c in enumerate(criteria):
                auto = f"{section}.{i + 1}"
                if c.id is None and auto in self.ids:
                    raise _fail(f"$.{section}[{i}]", auto,
                                f"an explicit id, since the id it would get, {auto!r}, is "
                                f"already used at {self.ids[auto]}")
        domains = {}
        raw_domains = data.get("domains", {})
        if not isinstance(raw_domains, dict):
            raise _fail("$.domains", raw_domains, "an object of observation codes to domains")
        for code, dom in raw_domains.items():
            self.text(code, "$.domains", "observation codes as keys")
            domains[code] = self.domain(dom, f"$.domains.{_key(code)}")
        vocabulary = {}
        raw_vocab = data.get("vocabulary", {})
        if not isinstance(raw_vocab, dict):
            raise _fail("$.vocabulary", raw_vocab, "an object of names to lists of codes")
        for name, codes in raw_vocab.items():
            self.text(name, "$.vocabulary", "names as keys")
            listed = self.listing(codes, f"$.vocabulary.{_key(name)}",
                                  "codes written SYSTEM:CODE")
            for i, code in enumerate(listed):
                if not isinstance(code, str) or ":" not in code or len(code) > MAX_TEXT:
                    raise _fail(f"$.vocabulary.{_key(name)}[{i}]", code,
                                "a code written SYSTEM:CODE")
            vocabulary[name] = listed
        try:
            return Protocol(pid, title, inclusion=sections["inclusion"],
                            exclusion=sections["exclusion"], domains=domains,
                            vocabulary=vocabulary)
        except InvalidCriterion as exc:
            raise _fail("$", pid, f"a valid protocol: {exc}") from None


def criterion_from_dict(data: Any, path: str = "$") -> Criterion:
    """A criterion tree from its plain-data form; errors name the JSON path under ``path``."""
    _check_nesting(data, path)
    return _Reader().criterion(data, path)


def codeset_from_dict(data: Any, path: str = "$") -> CodeSet:
    """A code set from ``{"name": ..., "prefixes": [...], "codes": [...]}``."""
    return _Reader().codeset(data, path)


def protocol_from_dict(data: Any, *, base: str | Path | None = None) -> Protocol:
    """A protocol from a parsed document, checking every key and value.

    >>> p = protocol_from_dict({"trialrules": 1, "id": "DEMO", "title": "Demo",
    ...     "inclusion": [{"kind": "range", "source": {"kind": "age"}, "low": 18, "high": 60}]})
    >>> p.inclusion[0]
    Range(Age(), 18, 60, id='inclusion.1')
    """
    _check_nesting(data, "$")
    return _Reader(None if base is None else Path(base)).protocol(data)


def _check_nesting(data: Any, path: str) -> None:
    """Refuse absurdly deep values up front, without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    seen = 0
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise InvalidDocument(path, "...", f"JSON nested at most {MAX_NESTING} levels deep")
        children: Any = value.values() if isinstance(value, dict) else (
            value if isinstance(value, list) else ())
        for child in children:
            seen += 1
            if seen > MAX_BYTES:  # a cyclic or enormous in-memory value
                raise InvalidDocument(path, "...", f"a document of at most {MAX_BYTES} values")
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _BadConstant(name)


class _BadConstant(ValueError):
    pass


def parse_protocol(text: str | bytes, *, base: str | Path | None = None) -> Protocol:
    """A protocol from JSON text; also refuses duplicate keys, NaN and oversize documents.

    A code set's relative ``file`` is read from ``base`` (else the working directory)."""
    return protocol_from_dict(parse_document(text), base=base)


def parse_document(text: str | bytes) -> Any:
    """Strictly parsed JSON (no duplicate keys, NaN, oversize or over-deep input), not yet
    checked as a protocol: what ``trialrules validate`` checks against the schema."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise InvalidDocument("$", f"{len(text)} bytes", f"a document of at most {MAX_BYTES} bytes")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidDocument("$", f"byte 0x{text[exc.start]:02x} at offset {exc.start}",
                                  "UTF-8 text") from None
    if len(text) > MAX_BYTES:
        raise InvalidDocument("$", f"{len(text)} characters",
                              f"a document of at most {MAX_BYTES} bytes")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except _DuplicateKey as exc:
        raise InvalidDocument("$", exc.args[0], "each key at most once per object") from None
    except _BadConstant as exc:
        raise InvalidDocument("$", exc.args[0], "finite JSON numbers (no NaN or Infinity)") from None
    except json.JSONDecodeError as exc:
        raise InvalidDocument("$", f"line {exc.lineno} column {exc.colno}",
                              f"valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InvalidDocument("$", "...", f"JSON nested at most {MAX_NESTING} levels deep") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise InvalidDocument("$", "...", f"valid JSON ({str(exc).split(';')[0][:80]})") from None
    _check_nesting(data, "$")
    return data


def load_protocol_file(path: str | Path) -> Protocol:
    """Read a protocol document from a JSON file (``OSError`` if it cannot be read)."""
    with open(path, "rb") as stream:
        raw = stream.read(MAX_BYTES + 1)
    return parse_protocol(raw, base=Path(path).parent)


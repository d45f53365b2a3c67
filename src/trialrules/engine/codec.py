"""The generic codec: criteria and sources to plain data and back, from their declared fields.

Writing leaves defaults out and sorts set-like members, so documents diff
cleanly. Reading is strict: an unknown key, a wrong type or a value the
constructor refuses raises :class:`~trialrules.InvalidDocument` naming the
JSON path (``$.inclusion[2].low``), the value and what was expected. The
document around the criteria (format version, size limits) is the business of
:mod:`trialrules.formats.protocols`.

>>> from trialrules import Range
>>> criterion_to_dict(Range("edss", 3, 6, id="inclusion.3"))
{'kind': 'range', 'source': {'kind': 'latest', 'code': 'edss'}, 'low': 3, 'high': 6, 'id': 'inclusion.3'}
>>> Reader().criterion({"kind": "range", "source": {"kind": "age"}, "low": 18, "high": 60}, "$")
Range(Age(), 18, 60)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from ..values.checks import (
    MAX_TEXT,
    fail,
    json_type,
    read_bool,
    read_list,
    read_number,
    read_object,
    read_string,
    read_text,
    read_whole,
)
from ..values.codes import CodeSet
from ..values.dates import Span
from ..values.domains import is_number
from ..values.errors import InvalidCriterion
from . import registry
from .fields import Codec, build, specs

__all__ = [
    "BOOL",
    "CODES",
    "CRITERIA",
    "CRITERION",
    "ID",
    "LABEL",
    "MAX_DEPTH",
    "NUMBER",
    "OPTIONAL_CRITERION",
    "OPTIONAL_SPAN",
    "SOURCE",
    "SPAN",
    "TEXT",
    "VALUES",
    "Choice",
    "Reader",
    "Strings",
    "Text",
    "Whole",
    "codeset_to_dict",
    "criterion_to_dict",
    "kind_schema",
    "source_to_dict",
    "span_to_dict",
]

#: Criteria nest at most this deep (a guard against hostile or runaway documents).
MAX_DEPTH: Final = 64


# -- plain data of the value types ----------------------------------------------


def span_to_dict(span: Span) -> dict[str, int]:
    """``{"months": 1}``: the non-zero units (``{}`` is the zero span)."""
    return span.to_dict()


def codeset_to_dict(codes: CodeSet) -> dict[str, Any]:
    """``{"name": ..., "prefixes": [...], "codes": [...]}`` with members sorted, empties left out.

    >>> codeset_to_dict(CodeSet("cytotoxic agents", prefixes=["ATC:L01"]))
    {'name': 'cytotoxic agents', 'prefixes': ['ATC:L01']}
    """
    return codes.to_dict()


def _dump_fields(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": type(obj).kind}
    for s in specs(type(obj)):
        value = getattr(obj, s.name)
        if s.common:
            if value is not None:
                out[s.json] = s.codec.dump(value)
        elif s.always or not s.is_default(value):
            out[s.json] = s.codec.dump(value)
    return out


def _registered(obj: Any, table: str) -> None:
    cls = type(obj)
    if not registry.is_registered(cls):
        what = "criterion" if table == "kind" else "value source"
        raise TypeError(
            f"cannot serialize the {what} {obj!r}: {cls.__name__} is not a registered "
            f"{what} kind; give it a kind tag and decorate it with "
            "@trialrules.engine.register (docs/how-to/custom-kind.md)")


def criterion_to_dict(criterion: Any) -> dict[str, Any]:
    """Plain JSON-ready data for a criterion tree: ``kind``, its fields, ``id`` and ``label``.

    Defaults (inclusive ends, ``expected`` true, ...) are left out.
    """
    _registered(criterion, "kind")
    return _dump_fields(criterion)


def source_to_dict(source: Any) -> dict[str, Any]:
    """``{"kind": "age"}``, ``{"kind": "sex"}`` or ``{"kind": "latest", "code": ...}``."""
    _registered(source, "source")
    return _dump_fields(source)


# -- reading --------------------------------------------------------------------


def _listing(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


class Reader:
    """Reads criteria from plain data; each method takes the value and its JSON path.

    One reader per document: it remembers the ids seen, so a repeated id is
    refused with the path of its first use.
    """

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    # primitives (the values-level strict readers)

    obj = staticmethod(read_object)
    text = staticmethod(read_text)
    string = staticmethod(read_string)
    number = staticmethod(read_number)
    boolean = staticmethod(read_bool)
    whole = staticmethod(read_whole)
    listing = staticmethod(read_list)

    # parts

    def span(self, value: Any, path: str) -> Span:
        return Span.from_dict(value, path)

    def codeset(self, value: Any, path: str) -> CodeSet:
        return CodeSet.from_dict(value, path)

    def source(self, value: Any, path: str) -> Any:
        table = registry.sources()
        if not isinstance(value, dict) or not isinstance(value.get("kind"), str) \
                or value["kind"] not in table:
            kind = value.get("kind") if isinstance(value, dict) else value
            examples = [getattr(c, "example", f'{{"kind": "{t}"}}') for t, c in table.items()]
            raise fail(f"{path}.kind" if isinstance(value, dict) else path, kind,
                       f"a value source: {_listing(examples)}")
        cls = table[value["kind"]]
        return self._fields(cls, value, path, 0, getattr(cls, "what", f"a {value['kind']} source"))

    def criterion(self, value: Any, path: str, depth: int = 0) -> Any:
        if depth >= MAX_DEPTH:
            raise fail(path, "...", f"criteria nested at most {MAX_DEPTH} deep")
        if not isinstance(value, dict):
            raise fail(path, value, f"a criterion (a JSON object with a kind), not {json_type(value)}")
        kind = value.get("kind")
        table = registry.kinds()
        if not isinstance(kind, str) or kind not in table:
            raise fail(f"{path}.kind", kind, f"a criterion kind: one of {', '.join(sorted(table))}")
        return self._fields(table[kind], value, path, depth, f"a {kind} criterion")

    def _fields(self, cls: type, value: Any, path: str, depth: int, what_: str) -> Any:
        fields = specs(cls)
        required = frozenset(s.json for s in fields if s.required) | {"kind"}
        optional = frozenset(s.json for s in fields if not s.required)
        data = self.obj(value, path, required, optional, what_)
        values: dict[str, Any] = {}
        for s in sorted(fields, key=lambda s: not s.common):  # id and label first
            if s.json not in data:
                continue
            raw = data[s.json]
            at = f"{path}.{s.json}"
            if s.common:
                if raw is None:
                    continue
                values[s.name] = s.codec.read(self, raw, at, depth)
                if s.name == "id":
                    first = self.ids.setdefault(raw, at)
                    if first != at:
                        raise fail(at, raw, f"an id not already used (at {first})")
            else:
                values[s.name] = s.codec.read(self, raw, at, depth)
        try:
            return build(cls, values)
        except InvalidCriterion as exc:  # a rule the constructor enforces, e.g. low <= high
            if exc.field is not None and exc.allowed is not None:
                at = f"{path}.{exc.field}"
                raise fail(at, exc.value, exc.allowed) from None
            tag = value["kind"]
            raise fail(path, tag, f"a valid {tag} {what_.split()[-1]}: {exc}") from None


# -- codecs ---------------------------------------------------------------------


class _Number(Codec):
    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        return reader.number(value, path)

    def schema(self) -> dict[str, Any]:
        return {"type": "number"}


class _Bool(Codec):
    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        return reader.boolean(value, path)

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


class Whole(Codec):
    """A whole number >= ``least``."""

    def __init__(self, least: int) -> None:
        self.least = least

    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        return reader.whole(value, path, self.least)

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.least}


class Text(Codec):
    """A string (``empty=False``: non-empty); ``what`` names it in errors."""

    def __init__(self, what: str, *, empty: bool = True) -> None:
        self.what = what
        self.empty = empty

    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        return reader.string(value, path, self.what, empty=self.empty)

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string"}
        if not self.empty:
            out["minLength"] = 1
        out["maxLength"] = MAX_TEXT
        return out


class _Id(Codec):
    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        return reader.text(value, path, "a non-empty string id")

    def schema(self) -> dict[str, Any]:
        return {"$ref": "#/$defs/text"}


class Choice(Codec):
    """One of a few strings; ``what`` says which in errors (e.g. ``'conditions' or 'exposures'``)."""

    def __init__(self, options: Iterable[str], what: str | None = None) -> None:
        self.options = tuple(options)
        self.what = what or f"one of {', '.join(map(repr, self.options))}"

    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        if not isinstance(value, str) or value not in self.options:
            raise fail(path, value, self.what)
        return value

    def schema(self) -> dict[str, Any]:
        return {"enum": list(self.options)}


class _Span(Codec):
    def __init__(self, optional: bool) -> None:
        self.optional = optional

    def dump(self, value: Any) -> Any:
        return None if value is None else span_to_dict(value)

    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        if value is None and self.optional:
            return None
        return reader.span(value, path)

    def schema(self) -> dict[str, Any]:
        return {"$ref": "#/$defs/span"}


class _Codes(Codec):
    def dump(self, value: Any) -> Any:
        return codeset_to_dict(value)

    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        return reader.codeset(value, path)

    def schema(self) -> dict[str, Any]:
        return {"$ref": "#/$defs/codeset"}


class _Source(Codec):
    def dump(self, value: Any) -> Any:
        return source_to_dict(value)

    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        return reader.source(value, path)

    def schema(self) -> dict[str, Any]:
        return {"$ref": "#/$defs/source"}

    def code(self, value: Any) -> str:
        return str(value.short_repr())


def _value_order(value: Any) -> tuple[bool, Any]:
    return (isinstance(value, str), value)


class Strings(Codec):
    """A non-empty list of non-empty strings, kept in order (a tuple in Python)."""

    def __init__(self, what: str) -> None:
        self.what = what

    def dump(self, value: Any) -> Any:
        return list(value)

    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        items = reader.listing(value, path, self.what)
        if not items:
            raise fail(path, items, f"at least one of {self.what}")
        return tuple(reader.string(v, f"{path}[{i}]", f"one of {self.what} (a non-empty string)",
                                   empty=False) for i, v in enumerate(items))

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "minItems": 1,
                "items": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}}

    def code(self, value: Any) -> str:
        return repr(list(value))


class _Values(Codec):
    def dump(self, value: Any) -> Any:
        return sorted(value, key=_value_order)

    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        values = reader.listing(value, path, "strings or numbers")
        if not values:
            raise fail(path, values, "at least one value")
        for i, v in enumerate(values):
            if not (isinstance(v, str) or is_number(v)):
                raise fail(f"{path}[{i}]", v, "a string or a finite number")
        return values

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]}}

    def code(self, value: Any) -> str:
        return repr(sorted(value, key=_value_order))


class _Criterion(Codec):
    nested = True

    def __init__(self, optional: bool) -> None:
        self.optional = optional

    def dump(self, value: Any) -> Any:
        return None if value is None else criterion_to_dict(value)

    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        if value is None and self.optional:
            return None
        return reader.criterion(value, path, depth + 1)

    def schema(self) -> dict[str, Any]:
        return {"$ref": "#/$defs/criterion"}

    def children(self, value: Any) -> tuple[Any, ...]:
        return () if value is None else (value,)

    def anonymous(self, value: Any) -> Any:
        return None if value is None else value.anonymous()


class _Criteria(Codec):
    nested = True

    def dump(self, value: Any) -> Any:
        return [criterion_to_dict(c) for c in value]

    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:
        listed = reader.listing(value, path, "criteria")
        if not listed:
            raise fail(path, listed, "at least one criterion")
        return [reader.criterion(c, f"{path}[{i}]", depth + 1) for i, c in enumerate(listed)]

    def schema(self) -> dict[str, Any]:
        return {"$ref": "#/$defs/criteria"}

    def children(self, value: Any) -> tuple[Any, ...]:
        return tuple(value)

    def anonymous(self, value: Any) -> Any:
        return tuple(c.anonymous() for c in value)


#: A finite number (int or float, never a bool).
NUMBER: Final = _Number()
#: True or false.
BOOL: Final = _Bool()
#: A string of at most MAX_TEXT characters.
TEXT: Final = Text("a string")
#: A criterion id (non-empty text).
ID: Final = _Id()
#: A label: the protocol's own words.
LABEL: Final = Text("a string label")
#: A calendar span such as ``{"months": 1}``.
SPAN: Final = _Span(optional=False)
#: A span or null.
OPTIONAL_SPAN: Final = _Span(optional=True)
#: A code set.
CODES: Final = _Codes()
#: A value source (age, sex, latest observation, or any registered source).
SOURCE: Final = _Source()
#: A non-empty collection of strings and numbers (written sorted).
VALUES: Final = _Values()
#: A sub-criterion.
CRITERION: Final = _Criterion(optional=False)
#: A sub-criterion or null.
OPTIONAL_CRITERION: Final = _Criterion(optional=True)
#: A non-empty list of sub-criteria.
CRITERIA: Final = _Criteria()


# -- schema ---------------------------------------------------------------------


def kind_schema(cls: type) -> dict[str, Any]:
    """The JSON Schema of one registered kind's (or source's) documents, from its fields."""
    fields = specs(cls)
    properties: dict[str, Any] = {"kind": {"const": cls.kind}}  # type: ignore[attr-defined]
    properties.update({s.json: s.schema for s in fields if s.common})
    properties.update({s.json: s.schema for s in fields if not s.common})
    return {"type": "object", "required": ["kind", *(s.json for s in fields if s.required)],
            "additionalProperties": False, "properties": properties}

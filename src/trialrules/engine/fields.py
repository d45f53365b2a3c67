"""Declared fields: a kind's fields, JSON names and defaults, written once in attrs metadata.

A criterion kind declares each field with ``attrs.field(metadata=meta(CODEC))``, naming the codec
that turns its value into JSON and back (``NUMBER``, ``SPAN``, ``CODES``,
``SOURCE``, ``CRITERION`` ... in :mod:`trialrules.engine.codec`). Serialization,
the JSON Schema, ``repr``, ``diff``, ``children`` and ``anonymous`` are all derived
from these declarations, so a new kind writes none of them.

>>> import attrs
>>> from trialrules.engine.codec import NUMBER
>>> @attrs.frozen
... class Point:
...     x: float = attrs.field(metadata=meta(NUMBER))
>>> [(s.name, s.json, s.required) for s in specs(Point)]
[('x', 'x', True)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import attrs

from ..values.errors import TrialRulesError

if TYPE_CHECKING:
    from .codec import Reader

__all__ = ["COMMON", "Codec", "FieldSpec", "build", "field_repr", "meta", "specs"]

_KEY: Final = "trialrules"
#: Fields every criterion has, written last in documents and reprs.
COMMON: Final = ("id", "label")


class Codec:
    """How one field's value is written to JSON, read back, shown in a repr and schema."""

    #: Whether the value holds sub-criteria (compared node by node by ``diff``).
    nested = False

    def dump(self, value: Any) -> Any:
        """The JSON-ready value."""
        return value

    def read(self, reader: Reader, value: Any, path: str, depth: int) -> Any:  # pragma: no cover
        """The value from JSON data at ``path``; errors name the path."""
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:  # pragma: no cover - abstract
        """The JSON Schema of the field's JSON value."""
        raise NotImplementedError

    def code(self, value: Any) -> str:
        """The value as Python code in a repr."""
        return repr(value)

    def children(self, value: Any) -> tuple[Any, ...]:
        """Sub-criteria held by the value (criterion-valued fields only)."""
        return ()

    def anonymous(self, value: Any) -> Any:
        """The value with ids and labels removed from any sub-criteria."""
        return value


@attrs.frozen
class _Meta:
    codec: Codec
    json: str | None
    always: bool
    display: bool
    keyword_repr: bool
    varargs: bool
    schema: dict[str, Any] | None = attrs.field(eq=False, hash=False)


def meta(codec: Codec, *, json: str | None = None, always: bool = False,
         display: bool = False, keyword_repr: bool = False, varargs: bool = False,
         schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``metadata=`` of an attrs field: what trialrules derives everything else from.

    Use it as ``attrs.field(default=..., validator=..., metadata=meta(NUMBER))``
    (the default, ``kw_only`` and validators stay attrs' own). ``codec`` turns the
    value into JSON and back; ``json`` is the JSON key (the attribute name by
    default); a field with a default is optional (left out of documents and
    reprs when equal to it); ``always`` writes it even then (a ``null`` that
    means something); ``display`` marks prose that does not change the rule
    (cleared by ``anonymous()``); ``keyword_repr`` shows a positional field as
    ``name=value``; ``varargs`` is a ``*items`` parameter; ``schema`` overrides
    the codec's JSON Schema for this field.
    """
    return {_KEY: _Meta(codec, json, always, display, keyword_repr, varargs, schema)}


@attrs.frozen
class FieldSpec:
    """One declared field of a kind, as the derived machinery sees it."""

    name: str
    json: str
    codec: Codec
    default: Any
    kw_only: bool
    always: bool
    display: bool
    keyword_repr: bool
    varargs: bool
    schema: dict[str, Any] = attrs.field(eq=False, hash=False)

    @property
    def required(self) -> bool:
        """No default: a document must give it."""
        return self.default is attrs.NOTHING

    @property
    def common(self) -> bool:
        """``id`` or ``label``, which every criterion has."""
        return self.name in COMMON

    def is_default(self, value: Any) -> bool:
        """Whether ``value`` is this field's default (and so left out)."""
        return (not self.required and type(value) is type(self.default) and value == self.default) \
            or (value is None and self.default is None)


def specs(cls: type) -> tuple[FieldSpec, ...]:
    """The declared fields of a kind: its own in declaration order, then ``id`` and ``label``.

    A field declared without :func:`field` is an error naming it, so a kind can
    never be half serialized.
    """
    own: list[FieldSpec] = []
    common: dict[str, FieldSpec] = {}
    for a in attrs.fields(cls):
        meta = a.metadata.get(_KEY)
        if meta is None:
            if a.init is False:
                continue
            raise TrialRulesError(
                f"{cls.__name__}.{a.name} is declared without metadata=meta(codec), so it "
                "cannot be written to or read from JSON; declare it with "
                "attrs.field(metadata=trialrules.engine.meta(CODEC))")
        spec = FieldSpec(a.name, meta.json or a.name, meta.codec, a.default, a.kw_only,
                         meta.always, meta.display, meta.keyword_repr, meta.varargs,
                         meta.schema if meta.schema is not None else meta.codec.schema())
        if spec.common:
            common[a.name] = spec
        else:
            own.append(spec)
    return (*own, *(common[n] for n in COMMON if n in common))


def build(cls: type, values: dict[str, Any]) -> Any:
    """An instance of ``cls`` from field values by name (absent optional fields take defaults).

    Fields declared before a ``varargs`` field are passed by position, the
    varargs field is spread, every other field is passed by keyword.
    """
    fields = specs(cls)
    var = next((i for i, s in enumerate(fields) if s.varargs), None)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for i, s in enumerate(fields):
        if s.name not in values:
            continue
        value = values[s.name]
        if var is not None and i < var and not s.kw_only:
            args.append(value)
        elif s.varargs:
            args.extend(value)
        else:
            kwargs[s.name.lstrip("_")] = value
    return cls(*args, **kwargs)


def field_repr(obj: Any) -> str:
    """``Name(a, b, key=value)`` from the declared fields: defaults left out, code you could paste."""
    positional: list[str] = []
    keywords: list[str] = []
    keyword = False  # once a positional field is left out or named, the rest are named
    for s in specs(type(obj)):
        value = getattr(obj, s.name)
        if s.varargs:
            positional.extend(s.codec.code(v) for v in value)
            continue
        if not s.required and s.is_default(value):
            keyword = keyword or not s.kw_only
            continue
        if s.kw_only or s.keyword_repr or keyword:
            keywords.append(f"{s.name}={s.codec.code(value)}")
            keyword = keyword or not s.kw_only
        else:
            positional.append(s.codec.code(value))
    return f"{type(obj).__name__}({', '.join(positional + keywords)})"

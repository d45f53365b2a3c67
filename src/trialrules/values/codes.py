"""Code sets: named, frozen sets of ``SYSTEM:CODE`` codes with prefix matching.

Hierarchical systems (ICD-10, ATC) match by prefix: ``ICD10:C`` holds
``ICD10:C50.9`` and ``ATC:L01`` holds ``ATC:L01AA01``. Systems that are not
prefix hierarchies (SNOMED CT, RxNorm) are listed code by code in ``codes``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from .checks import CODE_RE, MAX_TEXT, fail, read_list, read_object, read_text
from .errors import InvalidCriterion
from .text import UNSAFE, name_problem

__all__ = ["CodeSet", "icd10_range"]



def _checked(field: str, value: Iterable[str]) -> frozenset[str]:
    """``prefixes`` or ``codes`` as a set, each code checked in the order given (an error
    names the first bad one by its index, as a document reader reports it)."""
    if isinstance(value, frozenset) and all(map(_is_code, value)):
        return value  # a set already checked (evolve, copies)
    if isinstance(value, str) or not isinstance(value, Iterable):
        got = f"the string {value!r}" if isinstance(value, str) else repr(value)
        raise InvalidCriterion(f"expected a collection of codes, got {got}",
                               field=field, value=value, allowed="a list of codes")
    items = list(value)
    for i, code in enumerate(items):
        if not _is_code(code):
            raise InvalidCriterion(
                f"CodeSet {field} entry {code!r} is not a code; "
                "write codes as SYSTEM:CODE, e.g. 'ATC:L01' or 'ICD10:C50'",
                field=f"{field}[{i}]", value=code,
                allowed="a code written SYSTEM:CODE, e.g. 'ATC:L01' or 'ICD10:C50'")
    return frozenset(items)


def _prefixes(value: Iterable[str]) -> frozenset[str]:
    return _checked("prefixes", value)


def _members(value: Iterable[str]) -> frozenset[str]:
    return _checked("codes", value)


def _is_code(code: Any) -> bool:
    """A code as code sets hold them: ``SYSTEM:CODE``, no control characters, at most
    MAX_TEXT characters."""
    return (isinstance(code, str) and len(code) <= MAX_TEXT and CODE_RE.match(code) is not None
            and not UNSAFE.search(code))


@attrs.frozen(repr=False)
class CodeSet:
    """A named set of codes: ``prefixes`` match every code below them, ``codes`` match exactly.

    >>> cytotoxic = CodeSet("cytotoxic agents", prefixes=["ATC:L01"])
    >>> "ATC:L01DB07" in cytotoxic, "ATC:L02BG03" in cytotoxic
    (True, False)
    """

    name: str = attrs.field()
    prefixes: frozenset[str] = attrs.field(default=frozenset(), converter=_prefixes,
                                           kw_only=True)
    codes: frozenset[str] = attrs.field(default=frozenset(), converter=_members,
                                        kw_only=True)
    #: Where the codes came from (``"FHIR ValueSet file malignancy.json (url ...)"``), for
    #: ``trialrules show``; provenance only, so it takes no part in equality.
    source: str | None = attrs.field(default=None, kw_only=True, eq=False)
    #: The lengths of the prefixes, so membership tries only those (derived, immutable).
    _lengths: tuple[int, ...] = attrs.field(init=False, eq=False, hash=False, repr=False)

    @source.validator
    def _check_source(self, _: Any, value: Any) -> None:
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise InvalidCriterion(f"CodeSet source {value!r} must be None or a non-empty string",
                                   field="source", value=value,
                                   allowed="None or a non-empty string")

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_lengths",
                           tuple(sorted({len(p) for p in self.prefixes})))

    @name.validator
    def _check_name(self, _: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            raise InvalidCriterion(f"CodeSet name {value!r} must be a non-empty string",
                                   field="name", value=value, allowed="a non-empty string")
        if name_problem(value):
            raise InvalidCriterion(f"CodeSet name {value!r} must not hold {name_problem(value)}",
                                   field="name", value=value,
                                   allowed=f"a name without {name_problem(value)}")

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str):
            return False
        if code in self.codes:
            return True
        prefixes = self.prefixes
        for n in self._lengths:  # noqa: SIM110 (a plain loop: membership is on the hot path)
            if code[:n] in prefixes:
                return True
        return False

    @property
    def is_empty(self) -> bool:
        """A set that matches nothing (a lint finding)."""
        return not self.prefixes and not self.codes

    @property
    def size(self) -> int:
        """How many entries (prefixes and exact codes) the set holds."""
        return len(self.prefixes) + len(self.codes)

    @property
    def systems(self) -> frozenset[str]:
        """The ``SYSTEM`` parts of every entry (``{"ATC", "RXNORM"}``)."""
        return frozenset(c.split(":", 1)[0] for c in self.prefixes | self.codes)

    def union(self, other: CodeSet, name: str | None = None) -> CodeSet:
        """A new set holding both sets' codes."""
        if not isinstance(other, CodeSet):
            raise TypeError(f"can only combine a CodeSet with a CodeSet, not {other!r}")
        sources = [s for s in (self.source, other.source) if s is not None]
        return CodeSet(
            name or f"{self.name} or {other.name}",
            prefixes=self.prefixes | other.prefixes,
            codes=self.codes | other.codes,
            source="; ".join(dict.fromkeys(sources)) if sources else None,
        )

    def __or__(self, other: object) -> CodeSet:
        if not isinstance(other, CodeSet):
            return NotImplemented
        return self.union(other)

    def describe(self) -> str:
        """``cytotoxic agents (ATC L01)``: the name and up to three members."""
        members = sorted(self.prefixes) + sorted(self.codes)
        shown = ", ".join(m.replace(":", " ", 1) for m in members[:3])
        more = f" and {len(members) - 3} more" if len(members) > 3 else ""
        return f"{self.name} ({shown}{more})" if members else f"{self.name} (no codes)"

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., "prefixes": [...], "codes": [...]}``, members sorted, empties left out.

        >>> CodeSet("cytotoxic agents", prefixes=["ATC:L01"]).to_dict()
        {'name': 'cytotoxic agents', 'prefixes': ['ATC:L01']}
        """
        out: dict[str, Any] = {"name": self.name}
        if self.prefixes:
            out["prefixes"] = sorted(self.prefixes)
        if self.codes:
            out["codes"] = sorted(self.codes)
        if self.source is not None:
            out["source"] = self.source
        return out

    @classmethod
    def from_dict(cls, data: Any, path: str = "$", *,
                  more: frozenset[str] = frozenset()) -> CodeSet:
        """The code set ``to_dict`` wrote; errors name the JSON path under ``path``.

        ``more`` names further keys a reader handles itself (a value-set ``file``).
        """
        data = read_object(data, path, frozenset({"name"}),
                           frozenset({"prefixes", "codes", "source"}) | more, "a code set")
        name = read_text(data["name"], f"{path}.name")
        members = {key: read_list(data.get(key, []), f"{path}.{key}", "codes")
                   for key in ("prefixes", "codes")}
        source = None if "source" not in data else read_text(data["source"], f"{path}.source")
        try:  # the codes are the constructor's to check: the path is added here
            return cls(name, prefixes=members["prefixes"], codes=members["codes"], source=source)
        except InvalidCriterion as exc:
            raise fail(f"{path}.{exc.field}" if exc.field else path, exc.value,
                       exc.allowed or str(exc)) from None

    def __repr__(self) -> str:
        parts = [repr(self.name)]
        if self.prefixes:
            parts.append(f"prefixes={sorted(self.prefixes)!r}")
        if self.codes:
            parts.append(f"codes={sorted(self.codes)!r}")
        if self.source is not None:
            parts.append(f"source={self.source!r}")
        return f"CodeSet({', '.join(parts)})"



def icd10_range(system: str, first: str, last: str) -> list[str]:
    """Prefixes for an ICD-10 category range such as ``B20``-``B24`` (same letter).

    >>> icd10_range("ICD10", "B20", "B22")
    ['ICD10:B20', 'ICD10:B21', 'ICD10:B22']
    """
    if (len(first) != 3 or len(last) != 3 or first[0] != last[0]
            or not first[1:].isdigit() or not last[1:].isdigit() or first > last):
        raise InvalidCriterion(
            f"ICD-10 range {first!r}-{last!r} must be two categories like 'C00'-'C97' "
            "with the same letter, first <= last"
        )
    letter = first[0]
    return [f"{system}:{letter}{n:02d}" for n in range(int(first[1:]), int(last[1:]) + 1)]

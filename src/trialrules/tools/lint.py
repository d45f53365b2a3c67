"""Lint: mistakes a protocol can hold that no single criterion can see.

Duplicated criteria, leaves no value can satisfy, an inclusion that an
exclusion contradicts, observation codes with no declared domain, empty code
sets, and criteria still waiting to be encoded. Errors mean the protocol cannot
work as written; warnings deserve a look.

>>> from trialrules.protocols import get
>>> [str(f) for f in lint(get("NCT06228781"))]  # doctest: +NORMALIZE_WHITESPACE
['warning duplicate-criterion [exclusion.2, exclusion.4]: exclusion.2 and exclusion.4 are the
  same rule (ids and labels aside)']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, localcontext
from typing import Any, Final

import attrs

from ..engine.criterion import Criterion
from ..kinds.combinators import AllOf, AnyOf, AtLeast, Implies, Not
from ..kinds.criteria import Flag, Lookback, OneOf, Placeholder, Range, Threshold, Washout
from ..kinds.sources import Latest
from ..protocol.protocol import Protocol
from ..values.codes import CodeSet
from ..values.domains import Domain
from ..values.records import Record

__all__ = ["CODES", "ERROR", "WARNING", "Finding", "lint"]

ERROR: Final = "error"
WARNING: Final = "warning"

#: Every finding code, its severity and what it means.
CODES: Final[Mapping[str, tuple[str, str]]] = {
    "duplicate-criterion": (WARNING, "two top-level criteria are the same rule"),
    "empty-range": (ERROR, "a range or threshold no value in its domain can satisfy"),
    "always-met-bound": (WARNING, "a range or threshold every value in its domain satisfies"),
    "bound-outside-domain": (WARNING, "a bound lies outside its value's declared domain"),
    "value-outside-domain": (WARNING, "a OneOf value is not in the declared domain"),
    "zero-length-window": (ERROR, "a washout or recency window of zero length"),
    "contradiction": (ERROR, "a rule an inclusion requires is one that excludes"),
    "undeclared-domain": (WARNING, "a numeric observation code has no declared domain"),
    "empty-code-set": (ERROR, "a code set that matches no code"),
    "placeholders": (WARNING, "criteria not yet encoded (Placeholder)"),
    "code-system-absent": (WARNING, "no code of a code set's systems appears in the input"),
}


def _severity(_: Any, __: Any, value: Any) -> None:
    if value not in (ERROR, WARNING):
        raise ValueError(f"severity {value!r} must be 'error' or 'warning'")


def _ids(value: Any) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Finding:
    """One lint finding: a code (see ``CODES``), its severity, the criterion ids, a message."""

    code: str
    severity: str = attrs.field(validator=_severity)
    criteria: tuple[str, ...] = attrs.field(converter=_ids)
    message: str

    @property
    def is_error(self) -> bool:
        """True for errors (they fail ``trialrules lint``)."""
        return self.severity == ERROR

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with stable keys."""
        return {"code": self.code, "severity": self.severity, "criteria": list(self.criteria),
                "message": self.message}

    def __str__(self) -> str:
        where = f" [{', '.join(self.criteria)}]" if self.criteria else ""
        return f"{self.severity} {self.code}{where}: {self.message}"


def _finding(code: str, criteria: list[str], message: str) -> Finding:
    return Finding(code, CODES[code][0], tuple(criteria), message)


def lint(protocol: Protocol, records: Iterable[Record] | None = None) -> list[Finding]:
    """Every finding for ``protocol``: errors and warnings, in protocol order by check.

    With ``records`` (the input the protocol will screen, read once), also a warning for
    each code set none of whose code systems appears in the history it is matched
    against (a SNOMED-only set over ICD-10-coded conditions matches nothing there).
    """
    findings: list[Finding] = []
    findings += _duplicates(protocol)
    for node_id, node in _nodes(protocol):
        findings += _leaf(node_id, node, protocol.domains)
    findings += _contradictions(protocol)
    placeholders = [node_id for node_id, node in _nodes(protocol) if isinstance(node, Placeholder)]
    if placeholders:
        n = len(placeholders)
        findings.append(_finding(
            "placeholders", placeholders,
            f"{n} {'criterion is' if n == 1 else 'criteria are'} not yet encoded (Placeholder)"))
    if records is not None:
        findings += _absent_systems(protocol, records)
    return findings


def _system(code: str) -> str:
    return code.split(":", 1)[0]


def _absent_systems(protocol: Protocol, records: Iterable[Record]) -> list[Finding]:
    """Code sets whose systems never appear in the history they are matched against."""
    seen: dict[str, set[str]] = {"conditions": set(), "exposures": set()}
    count = 0
    for record in records:
        count += 1
        seen["conditions"].update(_system(c.code) for c in record.conditions)
        seen["exposures"].update(_system(e.code) for e in record.exposures)
    uses: dict[tuple[str, CodeSet], list[str]] = {}
    for node_id, node in _nodes(protocol):
        if isinstance(node, Washout | Lookback) and not _empty(node.codes):
            history = "exposures" if isinstance(node, Washout) else node.on
            uses.setdefault((history, node.codes), []).append(node_id)
    out = []
    for (history, codes), ids in uses.items():
        if codes.systems & seen[history]:
            continue
        found = ", ".join(sorted(seen[history])) or "no codes at all"
        out.append(_finding(
            "code-system-absent", ids,
            f"the code set {codes.name!r} holds {', '.join(sorted(codes.systems))} codes, but "
            f"the {history} of the {count} input record{'s' * (count != 1)} use {found}: it "
            "can match nothing there"))
    return out


def _nodes(protocol: Protocol) -> Iterator[tuple[str, Criterion]]:
    """Every criterion with the id its explanation gets (``inclusion.4.2`` when unnamed)."""
    def walk(node: Criterion, node_id: str) -> Iterator[tuple[str, Criterion]]:
        yield node_id, node
        for i, child in enumerate(node.children, 1):
            yield from walk(child, child.id or f"{node_id}.{i}")

    for top in protocol.criteria:
        yield from walk(top, top.id or "?")


# -- duplicates ---------------------------------------------------------------


def _normal(criterion: Criterion) -> Criterion:
    """A canonical form for comparison: no ids or labels, double negation and negated flags
    folded (``Not(Flag(x))`` behaves as ``Flag(x, expected=False)`` in all three values)."""
    c = criterion.anonymous()
    while isinstance(c, Not):
        inner = c.child
        if isinstance(inner, Not):
            c = inner.child
        elif isinstance(inner, Flag):
            c = attrs.evolve(inner, expected=not inner.expected)
        else:
            break
    return c


def _duplicates(protocol: Protocol) -> list[Finding]:
    out = []
    for section in (protocol.inclusion, protocol.exclusion):
        groups: dict[Criterion, list[str]] = {}
        for criterion in section:
            groups.setdefault(_normal(criterion), []).append(criterion.id or "?")
        for ids in groups.values():
            if len(ids) > 1:
                out.append(_finding("duplicate-criterion", ids,
                                    f"{_and(ids)} are the same rule (ids and labels aside)"))
    return out


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- leaves -------------------------------------------------------------------


def _leaf(node_id: str, node: Criterion, domains: Mapping[str, Domain]) -> list[Finding]:
    out: list[Finding] = []
    if isinstance(node, Range | Threshold):
        out += _bounds(node_id, node, domains)
    if isinstance(node, Range | Threshold | OneOf) and isinstance(node.source, Latest):
        if node.source.within is not None and node.source.within.is_zero:
            out.append(_finding("zero-length-window", [node_id],
                                f"{node.source.code} must be measured on the reference date "
                                "itself (a recency window of zero length)"))
        if not isinstance(node, OneOf) and node.source.code not in domains:
            out.append(_finding("undeclared-domain", [node_id],
                                f"observation {node.source.code!r} has no declared domain, so "
                                "recorded values are not checked; declare one in domains"))
    if isinstance(node, OneOf):
        domain = node.source.domain(domains)
        if domain is not None:
            off = sorted((v for v in node.values if not domain.contains(v)), key=repr)
            if off:
                every = len(off) == len(node.values)
                code = "empty-range" if every else "value-outside-domain"
                out.append(_finding(code, [node_id],
                                    f"{'no value can match: ' if every else ''}the value(s) "
                                    f"{_values(off)} can never match: the domain is "
                                    f"{domain.describe()}"))
    if isinstance(node, Washout) and node.span.is_zero:
        out.append(_finding("zero-length-window", [node_id],
                            f"the washout from {node.codes.name} has zero length: only an "
                            "exposure on the reference date itself would count"))
    if isinstance(node, Washout | Lookback) and _empty(node.codes):
        out.append(_finding("empty-code-set", [node_id],
                            f"the code set {node.codes.name!r} holds no codes, so it matches "
                            "nothing"))
    return out


def _empty(codes: CodeSet) -> bool:
    return not codes.prefixes and not codes.codes


def _values(values: Any) -> str:
    return ", ".join(repr(v) for v in sorted(values, key=repr))


def _num(value: float | Decimal) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(value)


def _interval(node: Range | Threshold) -> tuple[float, bool, float, bool]:
    """The values a Range or Threshold accepts: (low, low inclusive, high, high inclusive)."""
    if isinstance(node, Range):
        return node.low, node.low_inclusive, node.high, node.high_inclusive
    op, bound = node.operator, node.bound
    if op in (">=", ">"):
        return bound, op == ">=", math.inf, False
    return -math.inf, False, bound, op == "<="


def _bounds(node_id: str, node: Range | Threshold, domains: Mapping[str, Domain]) -> list[Finding]:
    lo, lo_in, hi, hi_in = _interval(node)
    what = node.describe(domains)
    if lo > hi or (lo == hi and not (lo_in and hi_in)):
        return [_finding("empty-range", [node_id], f'no value can satisfy "{what}"')]
    domain = node.source.domain(domains)
    if domain is None:
        return []
    points = _admitted(domain, lo, lo_in, hi, hi_in)
    if points == 0:
        return [_finding("empty-range", [node_id],
                         f'no value can satisfy "{what}": the domain is {domain.describe()}')]
    if _covers(domain, lo, lo_in, hi, hi_in):
        return [_finding("always-met-bound", [node_id],
                         f'every value in the domain ({domain.describe()}) satisfies "{what}", '
                         "so it only checks that a value is recorded")]
    out = []
    for end in (lo, hi) if isinstance(node, Range) else (node.bound,):
        if not domain.low <= end <= domain.high:
            out.append(_finding("bound-outside-domain", [node_id],
                                f"the bound {_num(end)} is outside the domain "
                                f'({domain.describe()}) in "{what}"'))
    return out


def _covers(domain: Domain, lo: float, lo_in: bool, hi: float, hi_in: bool) -> bool:
    """True when every value of the domain lies in the interval."""
    if domain.step is not None:
        whole = _admitted(domain, -math.inf, False, math.inf, False)
        return _admitted(domain, lo, lo_in, hi, hi_in) == whole
    return ((lo < domain.low or (lo == domain.low and lo_in))
            and (hi > domain.high or (hi == domain.high and hi_in)))


def _admitted(domain: Domain, lo: float, lo_in: bool, hi: float, hi_in: bool) -> float:
    """How many domain values lie in the interval (inf for a continuous domain's interval)."""
    # Exact decimal arithmetic with room for any float's digits (1e308 / 5e-324).
    with localcontext(prec=1_200):
        return _count(domain, lo, lo_in, hi, hi_in)


def _count(domain: Domain, lo: float, lo_in: bool, hi: float, hi_in: bool) -> float:
    d_lo, d_hi = Decimal(repr(domain.low)), Decimal(repr(domain.high))
    if domain.step is None:
        lo_ok = lo < domain.high or (lo == domain.high and lo_in)
        hi_ok = hi > domain.low or (hi == domain.low and hi_in)
        if not (lo_ok and hi_ok and lo <= hi):
            return 0
        # A continuous domain: count as many; report a single point as one.
        a = max(Decimal(repr(lo)) if math.isfinite(lo) else d_lo, d_lo)
        b = min(Decimal(repr(hi)) if math.isfinite(hi) else d_hi, d_hi)
        return 1 if a == b else math.inf
    step = Decimal(repr(domain.step))
    last = int((d_hi - d_lo) // step)  # grid points are d_lo + k * step, k = 0..last
    first_k, last_k = 0, last
    if math.isfinite(lo):
        q = (Decimal(repr(lo)) - d_lo) / step
        k = math.ceil(q)
        if k == q and not lo_in:
            k += 1
        first_k = max(first_k, k)
    if math.isfinite(hi):
        q = (Decimal(repr(hi)) - d_lo) / step
        k = math.floor(q)
        if k == q and not hi_in:
            k -= 1
        last_k = min(last_k, k)
    return max(0, last_k - first_k + 1)


# -- contradictions -----------------------------------------------------------


def _required(criterion: Criterion) -> Iterator[Criterion]:
    """Rules that must be MET for ``criterion`` to be MET (itself, and AllOf parts)."""
    yield criterion
    if isinstance(criterion, AllOf) or (isinstance(criterion, AtLeast)
                                        and criterion.k == len(criterion.items)):
        for child in criterion.items:
            yield from _required(child)


def _sufficient(criterion: Criterion) -> Iterator[Criterion]:
    """Rules whose being MET makes ``criterion`` MET (itself, AnyOf parts, a consequent)."""
    yield criterion
    if isinstance(criterion, AnyOf) or (isinstance(criterion, AtLeast) and criterion.k == 1):
        for child in criterion.items:
            yield from _sufficient(child)
    elif isinstance(criterion, Implies):
        yield from _sufficient(criterion.consequent)


def _contradictions(protocol: Protocol) -> list[Finding]:
    required: dict[Criterion, str] = {}
    out = []
    for inclusion in protocol.inclusion:
        for rule in _required(inclusion):
            norm = _normal(rule)
            opposite = _normal(Not(rule))
            if opposite in required:
                out.append(_finding(
                    "contradiction", [required[opposite], inclusion.id or "?"],
                    f'{required[opposite]} forbids "{rule.describe(protocol.domains)}", '
                    f"which {inclusion.id} requires: no one can be eligible"))
            required.setdefault(norm, inclusion.id or "?")
    for exclusion in protocol.exclusion:
        for rule in _sufficient(exclusion):
            norm = _normal(rule)
            if norm in required:
                out.append(_finding(
                    "contradiction", [required[norm], exclusion.id or "?"],
                    f'{required[norm]} requires "{rule.describe(protocol.domains)}", '
                    f"which excludes under {exclusion.id}: no one can be eligible"))
    return out

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

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from ..engine.criterion import Criterion
from ..engine.findings import CODES, ERROR, WARNING, Finding, finding
from ..engine.registry import is_registered
from ..engine.source import Source
from ..kinds.combinators import AllOf, AnyOf, AtLeast, Implies, Not
from ..kinds.criteria import Flag, Placeholder
from ..kinds.sources import Latest
from ..protocol.protocol import Protocol
from ..values.codes import CodeSet
from ..values.records import Record

__all__ = ["CODES", "ERROR", "WARNING", "Finding", "NameCase", "lint"]

_finding = finding


def lint(protocol: Protocol, records: Iterable[Record] | None = None) -> list[Finding]:
    """Every finding for ``protocol``: errors and warnings, in protocol order by check.

    With ``records`` (the input the protocol will screen, read once), also a warning for
    each code set none of whose code systems appears in the history it is matched
    against (a SNOMED-only set over ICD-10-coded conditions matches nothing there).
    """
    findings: list[Finding] = []
    findings += _duplicates(protocol)
    findings += _unregistered(protocol)
    for node_id, node in _nodes(protocol):
        findings += node.lint(node_id, protocol.domains)  # each kind's own checks
    findings += _contradictions(protocol)
    findings += _case_only_names(protocol)
    placeholders = [node_id for node_id, node in _nodes(protocol) if isinstance(node, Placeholder)]
    if placeholders:
        n = len(placeholders)
        findings.append(_finding(
            "placeholders", placeholders,
            f"{n} {'criterion is' if n == 1 else 'criteria are'} not yet encoded (Placeholder)"))
    if records is not None:
        findings += _absent_systems(protocol, records)
    return findings


def _unregistered(protocol: Protocol) -> list[Finding]:
    """Criteria and sources whose class is not the one registered under its tag: they evaluate,
    but no JSON, schema, diff or boundary case knows them (docs/how-to/custom-kind.md)."""
    out = []
    for node_id, node in _nodes(protocol):
        parts: list[tuple[Any, str]] = [(node, "criterion kind")]
        source = getattr(node, "source", None)
        if isinstance(source, Source):
            parts.append((source, "value source"))
        for part, role in parts:
            cls = type(part)
            if not is_registered(cls):
                out.append(_finding(
                    "unregistered-kind", [node_id],
                    f"{cls.__name__} is not a registered {role}: register it with "
                    "trialrules.register (docs/how-to/custom-kind.md), or it cannot be "
                    "written to JSON, diffed or given boundary cases"))
    return out


def _names(protocol: Protocol) -> dict[str, dict[str, list[str]]]:
    """The observation and flag names the protocol reads or declares, each with the ids of the
    criteria that read it (``$`` for a declared domain or vocabulary name), by kind of name."""
    out: dict[str, dict[str, list[str]]] = {"observation": {}, "flag": {}}
    for code in protocol.domains:
        out["observation"].setdefault(code, []).append("$")
    for name in protocol.vocabulary:
        out["observation"].setdefault(name, []).append("$")
    for node_id, node in _nodes(protocol):
        source = getattr(node, "source", None)
        if isinstance(source, Latest):
            out["observation"].setdefault(source.code, []).append(node_id)
        if isinstance(node, Flag):
            out["flag"].setdefault(node.name, []).append(node_id)
    return out


def _case_only_names(protocol: Protocol) -> list[Finding]:
    """Names that differ only in case ("EDSS" read, "edss" declared): they never meet, so the
    criterion stays UNKNOWN (or skips the domain check) without saying why."""
    out = []
    for kind, names in _names(protocol).items():
        groups: dict[str, list[str]] = {}
        for name in names:
            groups.setdefault(name.casefold(), []).append(name)
        for spellings in groups.values():
            if len(spellings) < 2:
                continue
            ids = [i for name in spellings for i in names[name] if i != "$"]
            shown = ", ".join(repr(s) for s in sorted(spellings))
            out.append(_finding("case-only-name", ids,
                                f"the {kind} names {shown} differ only in case: names match "
                                "exactly, so they are different names"))
    return out


class NameCase:
    """Record names that match one of a protocol's names only up to case, as warnings.

    A record holding ``"EDSS"`` where the protocol reads ``"edss"`` gives no error (another
    observation may well be named so) but the criterion never sees it: say so.

    >>> from trialrules import Flag, Protocol, Record
    >>> check = NameCase(Protocol("T", "t", inclusion=[Flag("consent")]))
    >>> check.warnings(Record("P1", flags={"Consent": True}))
    ["flag 'Consent' matches the protocol's 'consent' only up to case; it is not read"]
    """

    __slots__ = ("_flag", "_observation", "_plain")

    def __init__(self, protocol: Protocol) -> None:
        names = _names(protocol)
        self._observation = {n.casefold(): n for n in names["observation"]}
        self._flag = {n.casefold(): n for n in names["flag"]}
        # Names known to need no warning (the protocol's own, and those seen to match none of
        # its names up to case), so a repeated one is one set look-up; bounded.
        self._plain: tuple[set[str], set[str]] = (set(names["observation"]), set(names["flag"]))

    def warnings(self, record: Record) -> list[str]:
        """One sentence per name of ``record`` that differs from a protocol name only in case."""
        out: dict[str, None] = {}
        for kind, known, plain, names in (
                ("observation code", self._observation, self._plain[0],
                 [o.code for o in record.observations]),
                ("flag", self._flag, self._plain[1], record.flags)):
            for name in names:
                if name in plain:
                    continue
                wanted = known.get(name.casefold())
                if wanted is not None and wanted != name:
                    out[f"{kind} {name!r} matches the protocol's {wanted!r} only up to case; "
                        "it is not read"] = None
                elif len(plain) < _MAX_PLAIN:
                    plain.add(name)
        return list(out)


#: Names a NameCase remembers as needing no warning, at most (per kind).
_MAX_PLAIN = 10_000


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
        if node.children:
            continue  # a combinator: its leaves name their own code sets
        # Every code set a leaf matches against a history (washout, lookback, and sources
        # such as exposure_days inside a threshold), as the leaf declares it reads them.
        for history, codes in sorted(node.reads().events, key=lambda e: (e[0], e[1].name)):
            if not _empty(codes) and history in seen:
                ids = uses.setdefault((history, codes), [])
                if node_id not in ids:
                    ids.append(node_id)
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


def _empty(codes: CodeSet) -> bool:
    return not codes.prefixes and not codes.codes


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

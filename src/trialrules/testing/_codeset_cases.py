"""Code-set cases: each listed code and prefix, the siblings just outside, another system.

Boundary cases put one code of a set in their events (its first code), so what
a set holds is never tested: dropping ``ICD10:B20``-``B24`` from the
infections or narrowing ``ATC:L01`` to ``ATC:L01A`` goes unnoticed. These
cases take a leaf's sensitive case (one whose outcome depends on the events of
the set being there, e.g. a condition on as_of with the history complete) and
recode its events:

- to every listed prefix and every listed code, one case each (a prefix is a
  valid code of its own level, ``ATC:L01``; narrowing it one level drops it);
- to the nearest code outside the set on each side of every prefix, at the
  prefix's own level (``ICD10:B14`` and ``ICD10:B26`` around B15-B25,
  ``ATC:L00`` and ``ATC:L02`` around L01): widening a prefix takes them in;
- to the first member's code under a system the set does not use.

Membership is decided here from the set's listed strings (a code is in the
set when it equals a listed code or starts with a listed prefix), not by
``CodeSet.__contains__``, so the labels do not come from the code under test.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import date
from typing import Any

import attrs

from ..engine.criterion import Criterion
from ..values.codes import CodeSet
from ..values.outcomes import Outcome
from ..values.records import Condition, Exposure
from ._facts import is_member
from ._leaves import LeafCase

__all__ = ["codeset_cases", "is_member", "member_codes", "other_system_code", "sibling_codes"]

#: Systems tried, in order, for "a code from another system".
_SYSTEMS = ("ICD10", "ICD10CM", "ATC", "SNOMED", "RXNORM", "LOINC", "ICD9CM")

#: Oracle: the leaf's outcome on facts (None when it cannot be read off).
Oracle = Callable[[Criterion, dict[tuple[Any, ...], Any], date], Outcome | None]


def member_codes(codes: CodeSet) -> list[tuple[str, str]]:
    """Every listed prefix and code, each with what it is."""
    return ([(p, "a listed prefix") for p in sorted(codes.prefixes)]
            + [(c, "a listed code") for c in sorted(codes.codes)])


_ALPHABETS = (string.digits, string.ascii_uppercase)


def _step(body: str, direction: int) -> str | None:
    """The next (or previous) code at the same level: the last character moves by one,
    carrying into the one before (``C09`` + 1 = ``C10``, ``B00`` - 1 = ``A99``)."""
    chars = list(body)
    for i in range(len(chars) - 1, -1, -1):
        alphabet = next((a for a in _ALPHABETS if chars[i] in a), None)
        if alphabet is None:
            continue  # a separator such as "."
        index = alphabet.index(chars[i]) + direction
        if 0 <= index < len(alphabet):
            chars[i] = alphabet[index]
            return "".join(chars)
        chars[i] = alphabet[0] if direction > 0 else alphabet[-1]
    return None


def sibling_codes(codes: CodeSet, *, limit: int = 200) -> list[tuple[str, str]]:
    """The nearest code outside the set on each side of every prefix, at the prefix's level.

    >>> sibling_codes(CodeSet("cytotoxic", prefixes=["ATC:L01"]))
    [('ATC:L00', 'just below prefix ATC:L01'), ('ATC:L02', 'just above prefix ATC:L01')]
    """
    out: dict[str, str] = {}
    for prefix in sorted(codes.prefixes):
        system, _, body = prefix.partition(":")
        for direction, where in ((-1, "below"), (+1, "above")):
            current: str | None = body
            for _ in range(limit):
                assert current is not None
                current = _step(current, direction)
                if current is None:
                    break
                code = f"{system}:{current}"
                if not is_member(codes, code):
                    out.setdefault(code, f"just {where} prefix {prefix}")
                    break
    return sorted(out.items())


def other_system_code(codes: CodeSet) -> tuple[str, str] | None:
    """The first member's code written under a system the set does not use."""
    members = member_codes(codes)
    if not members:
        return None
    used = {m.partition(":")[0] for m, _ in members}
    first = members[0][0]
    body = first.partition(":")[2]
    for system in _SYSTEMS:
        if system not in used:
            code = f"{system}:{body}"
            if not is_member(codes, code):
                return code, f"{first} written under another system"
    return None  # pragma: no cover - a set using every system listed


def codesets_of(leaf: Criterion) -> list[tuple[str, CodeSet]]:
    """The code sets a leaf (or its value source) holds, by field name."""
    out: list[tuple[str, CodeSet]] = []

    def scan(value: Any, depth: int) -> None:
        if depth > 2 or not attrs.has(type(value)):
            return
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name, None)
            if isinstance(item, CodeSet):
                out.append((field.name, item))
            elif attrs.has(type(item)) and not isinstance(item, Criterion):
                scan(item, depth + 1)

    scan(leaf, 0)
    return out


def _event_keys(facts: Any, codes: CodeSet) -> list[tuple[Any, ...]]:
    return [k for k in facts if k[0] == "events" and k[2] == codes]


def _recode(event: Any, code: str) -> Any:
    if isinstance(event, Condition | Exposure) and event.code != code:
        return attrs.evolve(event, code=code)
    return event  # pragma: no cover - every event kind is a Condition or an Exposure


def codeset_cases(leaf: Criterion, as_of: date, cases: list[LeafCase], oracle: Oracle
                  ) -> list[LeafCase]:
    """The code-set cases of ``leaf`` built from its own boundary ``cases`` on ``as_of``.

    The base case is the first (plain first) whose events of the set decide it:
    with them removed the oracle gives another outcome. Recoded to a member, a
    case keeps its label; recoded outside the set, it takes the label of the
    case without those events.
    """
    out: list[LeafCase] = []
    for _, codes in codesets_of(leaf):
        base = _sensitive(leaf, as_of, cases, codes, oracle)
        if base is None:
            continue
        case, keys, without = base
        old = case.facts[keys[0]][-1].code
        present = {e.code for k in keys for e in case.facts[k]}
        variants = [(code, why, True) for code, why in member_codes(codes)]
        variants += [(code, why, False) for code, why in sibling_codes(codes)]
        other = other_system_code(codes)
        if other is not None:
            variants.append((*other, False))
        for code, why, member in variants:
            assert member is is_member(codes, code)
            # The events of the probed code take the new one; when the new code is already
            # another event's (a lookback counting different codes), the two swap, so the
            # number of different codes stays and the case still turns on this code.
            swap = {old: code, code: old} if code in present else {old: code}
            facts = dict(case.facts)
            for key in keys:
                facts[key] = tuple(_recode(e, swap.get(e.code, e.code)) for e in facts[key])
            label = oracle(leaf, facts, as_of)
            if label is None:
                label = case.outcome if member else without
            text = case.description.replace(old, code) if old in case.description \
                else f"{case.description}, recoded to {code}"
            inside = "in" if member else "not in"
            out.append(LeafCase(facts, label, f"{text} ({code}: {why}; {inside} {codes.name})",
                                as_of))
    return out


def _sensitive(leaf: Criterion, as_of: date, cases: list[LeafCase], codes: CodeSet,
               oracle: Oracle) -> tuple[LeafCase, list[tuple[Any, ...]], Outcome] | None:
    ordered = sorted((c for c in cases if c.as_of == as_of), key=lambda c: not c.plain)
    for case in ordered:
        keys = _event_keys(case.facts, codes)
        if not keys or not all(case.facts[k] for k in keys):
            continue
        if not all(_exact(e) for k in keys for e in case.facts[k]):
            continue
        stripped = dict(case.facts)
        for key in keys:
            stripped[key] = ()
        without = oracle(leaf, stripped, as_of)
        if without is not None and without is not case.outcome:
            return case, keys, without
    return None


def _exact(event: Condition | Exposure) -> bool:
    begin = event.start if isinstance(event, Exposure) else event.onset
    return begin.is_exact and (event.end is None or event.end.is_exact)

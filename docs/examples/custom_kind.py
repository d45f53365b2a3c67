"""A criterion kind defined outside trialrules: "any of these flags is recorded as true".

This module is the whole kind (docs/how-to/custom-kind.md): its tag and
fields, its one evaluation method, its description, the facts it reads, a
lint finding and its boundary cases. Importing it registers the kind, after
which protocols that use it round-trip through JSON, lint, diff, explain and
get boundary cases like the built-in kinds. tests/engine/test_custom_kind.py
runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import attrs

from trialrules import Domain, Evidence, InvalidCriterion, Outcome
from trialrules.engine import (
    WARNING,
    Context,
    Criterion,
    Finding,
    Reads,
    Trace,
    declare,
    finding,
    meta,
    register,
)
from trialrules.engine.codec import Strings
from trialrules.testing.facts import LeafCase, flag_key

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN

# A lint finding code of this kind, declared once with its severity and meaning.
declare("repeated-flag", WARNING, "an AnyFlag names the same flag twice")


def _names(value: Iterable[str]) -> tuple[str, ...]:
    """A converter: the flag names as a tuple, checked like the built-in kinds check theirs."""
    allowed = "a non-empty list of flag names"
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidCriterion(f"AnyFlag names {value!r} must be a list of flag names",
                               field="names", value=value, allowed=allowed)
    names = tuple(value)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise InvalidCriterion(f"AnyFlag names {value!r} must be non-empty strings",
                               field="names", value=value, allowed=allowed)
    return names


@register
@attrs.frozen(repr=False)
class AnyFlag(Criterion):
    """MET when any of the named flags is recorded as true; NOT_MET when all are recorded
    as false; otherwise UNKNOWN (a flag not recorded could be either).

    >>> from datetime import date
    >>> from trialrules import Record
    >>> rule = AnyFlag(["relapse_12m", "new_t2_lesion"])
    >>> rule.decide(Record("P1", flags={"relapse_12m": False, "new_t2_lesion": True}),
    ...             date(2026, 1, 1))
    Outcome.MET
    >>> rule
    AnyFlag(['relapse_12m', 'new_t2_lesion'])
    """

    kind = "any_flag"  # the JSON tag: {"kind": "any_flag", "names": [...]}

    # Declared once: the codec writes and reads JSON and gives the JSON Schema and repr.
    names: tuple[str, ...] = attrs.field(converter=_names,
                                         metadata=meta(Strings("flag names")))

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        """The one evaluation method: the outcome, and the reason when ``why`` is given."""
        recorded = [(name, ctx.record.flags.get(name)) for name in self.names]
        if any(value is True for _, value in recorded):
            outcome = MET
        elif all(value is False for _, value in recorded):
            outcome = NOT_MET
        else:
            outcome = UNKNOWN
        if why is not None:  # explaining: the same decision, with its reason written down
            evidence = tuple(Evidence(f"flags.{name}", value=value)
                             for name, value in recorded if value is not None)
            shown = ", ".join(f"{n} {'not recorded' if v is None else str(v).lower()}"
                              for n, v in recorded)
            missing = tuple(f"flag {n}" for n, v in recorded if v is None) \
                if outcome is UNKNOWN else ()
            why.because(f"{shown} (met when any is true)", evidence, missing)
        return outcome

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return f"any of {', '.join(self.names)} is true"

    def reads(self) -> Reads:
        return Reads(flags=set(self.names))

    def lint(self, node_id: str, domains: Mapping[str, Domain]) -> list[Finding]:
        repeated = sorted({n for n in self.names if self.names.count(n) > 1})
        if repeated:
            return [finding("repeated-flag", [node_id],
                            f"the flag(s) {', '.join(repeated)} are named twice")]
        return []

    def leaf_cases(self, as_of: date, domains: Mapping[str, Domain]) -> list[LeafCase]:
        """The boundary cases: all false; each one alone true; each one alone missing."""
        false = {flag_key(n): False for n in self.names}
        out = [LeafCase(false, NOT_MET, "every flag recorded as false", as_of, True)]
        for name in dict.fromkeys(self.names):
            out.append(LeafCase({**false, flag_key(name): True}, MET,
                                f"only {name} recorded as true", as_of))
            out.append(LeafCase({**false, flag_key(name): None}, UNKNOWN,
                                f"{name} not recorded, the others false", as_of))
        return out


def expected(rule: AnyFlag, flags: Mapping[str, Any]) -> Outcome:
    """An independent oracle for the tests: the rule read straight off a truth table."""
    values = [flags.get(n) for n in rule.names]
    if True in values:
        return MET
    return NOT_MET if values.count(False) == len(values) else UNKNOWN

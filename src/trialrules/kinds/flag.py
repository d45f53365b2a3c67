"""Flag: a recorded yes/no fact, possibly clinician-attested."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..engine.codec import BOOL, OPTIONAL_CRITERION, TEXT, Text
from ..engine.context import Context
from ..engine.criterion import Criterion, check_label
from ..engine.explanations import Evidence
from ..engine.fields import meta
from ..engine.reads import Reads
from ..engine.registry import register
from ..engine.trace import Trace, consult
from ..values.domains import Domain
from ..values.errors import InvalidCriterion
from ..values.outcomes import Outcome
from ..values.text import name_problem
from ._value import boolean

__all__ = ["Flag"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def _name(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidCriterion(f"flag name {value!r} must be a non-empty string",
                               field="name", value=value,
                               allowed="a flag name (non-empty string)")
    problem = name_problem(value)
    if problem:
        raise InvalidCriterion(f"flag name {value!r} must not hold {problem}", field="name",
                               value=value, allowed=f"a flag name without {problem}")


def _optional_criterion(_: Any, __: Any, value: Any) -> None:
    if value is not None and not isinstance(value, Criterion):
        raise InvalidCriterion(f"assume_false_if={value!r} must be a criterion or None",
                               field="assume_false_if", value=value, allowed="a criterion")


@register
@attrs.frozen(repr=False)
class Flag(Criterion):
    """A recorded yes/no fact: MET when it equals ``expected``; UNKNOWN when not recorded.

    ``assume_false_if`` names a criterion under which a missing flag is taken as
    false, e.g. pregnancy for a patient recorded as male.

    >>> from datetime import date
    >>> from trialrules import OneOf, Record, Sex
    >>> pregnancy = Flag("pregnancy", assume_false_if=OneOf(Sex(), ["male"]))
    >>> pregnancy.decide(Record("P1", sex="male"), date(2026, 11, 27))
    Outcome.NOT_MET
    >>> pregnancy.decide(Record("P2", sex="female"), date(2026, 11, 27))
    Outcome.UNKNOWN
    """

    kind = "flag"

    name: str = attrs.field(validator=_name,
                            metadata=meta(Text("a flag name (non-empty string)", empty=False)))
    expected: bool = attrs.field(default=True, validator=boolean("expected"),
                                 metadata=meta(BOOL, keyword_repr=True))
    assume_false_if: Criterion | None = attrs.field(default=None, kw_only=True, validator=_optional_criterion,
                                                    metadata=meta(OPTIONAL_CRITERION))
    #: The fact in words, stated as true when the flag is true ("bone marrow
    #: morphology is normal"): what describe() says. Display only, like label.
    text: str | None = attrs.field(default=None, kw_only=True, validator=check_label,
                                   metadata=meta(TEXT, display=True))

    def shared_key(self, ctx: Context) -> tuple[Any, ...] | None:
        # Recorded, or not recorded with no fallback: the same node for every such patient.
        value = ctx.record.flags.get(self.name)
        if value is not None or self.assume_false_if is None:
            return (value,)
        return None

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        value = ctx.record.flags.get(self.name)
        if value is not None:
            outcome = MET if value is self.expected else NOT_MET
        elif self.assume_false_if is not None:
            cond_outcome, cond = consult(ctx, why, self.assume_false_if)
            if cond_outcome is MET:
                outcome = MET if self.expected is False else NOT_MET
                if why is not None and cond is not None:
                    what = "" if self.text is None else f" (whether {self.text})"
                    why.because(f"flag {self.name}{what} is not recorded and is taken as false "
                                f"because {self.assume_false_if.describe(ctx.domains)} "
                                f"({cond.reason})", cond.evidence)
                return outcome
            if why is not None:  # depends on the condition's facts: not shared
                self._because(why, value)
            return UNKNOWN
        else:
            outcome = UNKNOWN
        if why is not None:  # shared by shared_key: built once per batch and value
            self._because(why, value)
        return outcome

    def _because(self, why: Trace, value: bool | None) -> None:
        want = "true" if self.expected else "false"
        if value is None:
            what = "" if self.text is None else f" (whether {self.text})"
            why.because(f"flag {self.name}{what} is not recorded (met when {want})",
                        missing=(f"flag {self.name}",))
            return
        got = "true" if value else "false"
        if self.text is None:
            reason = f"flag {self.name} is recorded as {got} (met when {want})"
        else:  # the fact in the protocol's words, as recorded
            fact = self.text if value else _negate(self.text)
            reason = f"{fact} (flag {self.name} is recorded as {got}; met when {want})"
        why.because(reason, (Evidence(f"flags.{self.name}", value=value),))

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return self._sentence(self.expected, domains)

    def _describe_not(self, domains: Mapping[str, Domain] | None = None) -> str | None:
        return self._sentence(not self.expected, domains)

    def _sentence(self, expected: bool, domains: Mapping[str, Domain] | None) -> str:
        if self.text is None:
            text = f"{self.name} is {'true' if expected else 'false'}"
        else:
            text = self.text if expected else _negate(self.text)
        if self.assume_false_if is not None:
            text += (f" (taken as false when not recorded and "
                     f"{self.assume_false_if.describe(domains)})")
        return text

    def reads(self) -> Reads:
        out = Reads(flags={self.name})
        if self.assume_false_if is not None:
            out = out | self.assume_false_if.reads()
        return out


def _negate(statement: str) -> str:
    """A flag's statement negated: "there is evidence" becomes "there is no evidence"."""
    for lead in ("there is ", "there are "):
        if statement.startswith(lead) and not statement.startswith(lead + "no "):
            return f"{lead}no {statement[len(lead):]}"
    return f"it is not the case that {statement}"

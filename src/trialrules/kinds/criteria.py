"""Leaf criteria: range, threshold, one-of, flag, washout, lookback, placeholder."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, Final

import attrs

from ..engine._shared import _BY_KEY as _SHARED
from ..engine._shared import recall, remember
from ..engine.context import Context
from ..engine.criterion import Criterion, check_id, check_label
from ..engine.explanations import Evidence, Explanation
from ..values.codes import CodeSet
from ..values.dates import Span
from ..values.domains import Domain, is_number
from ..values.errors import InvalidCriterion, InvalidRecord
from ..values.outcomes import Outcome
from ..values.records import Condition, Exposure
from .sources import Age, Latest, Reading, Sex, Source, as_source

__all__ = [
    "OPERATORS",
    "Flag",
    "Lookback",
    "OneOf",
    "Placeholder",
    "Range",
    "Threshold",
    "Washout",
]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def _num(value: Any) -> str:
    """Numbers as a clinician writes them: 3, 6.5 (not 3.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _source_repr(source: Source) -> str:
    # A bare code string reads back as Latest(code), except "age" and "sex" (Age(), Sex()).
    if isinstance(source, Latest) and source.within is None and source.code not in ("age", "sex"):
        return repr(source.code)
    return repr(source)


def _call(name: str, positional: Iterable[str], keywords: Mapping[str, Any]) -> str:
    """``Name(a, b, key=value)`` with None-valued keywords left out."""
    args = list(positional)
    args.extend(f"{k}={v!r}" for k, v in keywords.items() if v is not None)
    return f"{name}({', '.join(args)})"


def _number(name: str) -> Callable[[Any, Any, Any], None]:
    def check(_: Any, __: Any, value: Any) -> None:
        if not is_number(value):
            raise InvalidCriterion(f"{name}={value!r} must be a finite number (not a bool)")

    return check


def _bool(name: str) -> Callable[[Any, Any, Any], None]:
    def check(_: Any, __: Any, value: Any) -> None:
        if not isinstance(value, bool):
            raise InvalidCriterion(f"{name}={value!r} must be True or False")

    return check


def _numeric_source(instance: Any, _: Any, value: Source) -> None:
    if isinstance(value, Sex):
        raise InvalidCriterion(
            f"{type(instance).__name__} compares numbers, but sex is categorical; "
            "use OneOf(Sex(), ['female']) instead")


def _leaf(kind: str, ctx_id: str | None, label: str | None, outcome: Outcome, reason: str,
          evidence: tuple[Evidence, ...] = (), missing: tuple[str, ...] = ()) -> Explanation:
    return Explanation(ctx_id, kind, outcome, reason, label, evidence, missing)


def _numeric_values(reading: Reading, ctx: Context, source: Source) -> None:
    if len(reading.values) == 1 and is_number(reading.values[0]):
        return
    for value, fact in zip(reading.values, reading.evidence or (None,) * len(reading.values),
                           strict=False):
        if not is_number(value):
            field = f"{fact.path}.value" if fact is not None else source.describe()
            raise InvalidRecord(field, value, "a number", patient=ctx.record.id)


def _judge(reading: Reading, test: Callable[[Any], bool]) -> tuple[Outcome, list[bool]]:
    """MET if every possible value passes, NOT_MET if none does, else UNKNOWN."""
    results = [test(v) for v in reading.values]
    if not results:
        return UNKNOWN, results
    if reading.missing is not None:
        return UNKNOWN, results
    if all(results):
        return MET, results
    if not any(results):
        return NOT_MET, results
    return UNKNOWN, results


def _bound_text_of(criterion: _ValueCriterion) -> str:
    """The criterion's bound in words, rendered once per criterion (it is frozen)."""
    known = _BOUND_TEXTS.get(id(criterion))
    if known is not None and known[0] is criterion:
        return known[1]
    text = criterion._bound_text()
    if len(_BOUND_TEXTS) < 10_000:
        # Keyed by identity, holding the criterion so that its id is not reused meanwhile.
        _BOUND_TEXTS[id(criterion)] = (criterion, text)
    return text


_BOUND_TEXTS: dict[int, tuple[Any, str]] = {}


def _verb(results: set[bool]) -> str:
    if len(results) > 1:
        return "may or may not be"
    return "is" if True in results else "is not"


class _ValueCriterion(Criterion):
    """Shared evaluation of criteria that test a source's value."""

    __slots__ = ()
    source: Source

    def _test(self, value: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def _bound_text(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _numeric(self) -> bool:
        return True

    def _breakpoints(self) -> tuple[Any, ...] | None:
        """The numbers where ``_test`` may change its answer along the number line
        (None: not known, so a run of values is tested value by value)."""
        return None

    def _condense(self, values: Any) -> Any:
        """A run of whole numbers (``range``, as an age from a wide birth interval) cut to the
        few values that decide it: its ends and the whole numbers beside each breakpoint.

        ``_test`` is constant between breakpoints, so every stretch of the run on which it
        keeps one answer holds a value kept here: the outcome is the same, at any length.
        """
        if type(values) is not range or len(values) <= 16:
            return values
        points = self._breakpoints()
        if points is None:
            return tuple(values)
        first, last = values[0], values[-1]
        keep = {first, last}
        for point in points:
            if isinstance(point, int | float) and not isinstance(point, bool):
                base = math.floor(point)
                keep.update(min(max(base + d, first), last) for d in (-1, 0, 1, 2))
        return tuple(sorted(keep))

    def _decide(self, ctx: Context) -> Outcome:
        values, missing = self.source.peek(ctx)
        values = self._condense(values)
        if not values or missing is not None:
            if self._numeric() and values:
                _numeric_values(self.source.read(ctx), ctx, self.source)
            return UNKNOWN
        if self._numeric():
            for value in values:
                if not is_number(value):  # read() again to name the offending fact
                    _numeric_values(self.source.read(ctx), ctx, self.source)
        test = self._test
        met = not_met = False
        for value in values:
            if test(value):
                met = True
            else:
                not_met = True
        return UNKNOWN if met and not_met else (MET if met else NOT_MET)

    def _explain(self, ctx: Context, node_id: str | None) -> Explanation:
        one = self.source._one(ctx)
        if one is not None and (is_number(one[0]) or not self._numeric()):
            # One certain value: what the one-value path below says, without building a Reading.
            if self._test(one[0]):
                return Explanation(node_id, type(self).__name__, MET,
                                   f"{one[1]} is {_bound_text_of(self)}", self.label, one[2])
            return Explanation(node_id, type(self).__name__, NOT_MET,
                               f"{one[1]} is not {_bound_text_of(self)}", self.label, one[2])
        reading = self.source.read(ctx)
        if type(reading.values) is range:  # one text stands for the whole run
            values = self._condense(reading.values)
            reading = attrs.evolve(reading, values=values, texts=reading.texts[:1] * len(values))
        values = reading.values
        if self._numeric():
            _numeric_values(reading, ctx, self.source)
        bound = _bound_text_of(self)
        if len(values) == 1 and reading.missing is None:
            # The common case, one value for certain: the general path below says the same.
            if self._test(values[0]):
                reason = f"{reading.texts[0]} is {bound}"
                return Explanation(node_id, type(self).__name__, MET, reason, self.label,
                                   reading.evidence)
            reason = f"{reading.texts[0]} is not {bound}"
            return Explanation(node_id, type(self).__name__, NOT_MET, reason, self.label,
                               reading.evidence)
        outcome, results = _judge(reading, self._test)
        kind = type(self).__name__
        if not reading.values:
            reason = f"no {reading.missing} is recorded, so {bound} cannot be decided"
            return _leaf(kind, node_id, self.label, outcome, reason, missing=(reading.missing or "",))
        verdicts: dict[str, set[bool]] = {}
        for text, ok in zip(reading.texts, results, strict=True):
            verdicts.setdefault(text, set()).add(ok)
        # One text can stand for several possible values (an age from a partial birth date).
        parts = [f"{text} {_verb(oks)} {bound}" for text, oks in verdicts.items()]
        reason = "; ".join(parts)
        missing: tuple[str, ...] = ()
        if outcome is UNKNOWN:
            if reading.missing is not None:
                missing = (reading.missing,)
                reason += f", but it may not count: needs {reading.missing}"
            else:
                missing = (reading.precise or
                           f"the exact date of {self.source.describe(ctx.domains)}",)
                reason += " (the possible values disagree)"
        return _leaf(kind, node_id, self.label, outcome, reason, reading.evidence, missing)


@attrs.frozen(repr=False)
class Range(_ValueCriterion):
    """A value within [low, high]; each end inclusive unless said otherwise.

    >>> Range("edss", 3, 6)
    Range('edss', 3, 6)
    """

    source: Source = attrs.field(converter=as_source, validator=_numeric_source)
    low: int | float = attrs.field(validator=_number("low"))
    high: int | float = attrs.field(validator=_number("high"))
    low_inclusive: bool = attrs.field(default=True, kw_only=True,
                                      validator=_bool("low_inclusive"))
    high_inclusive: bool = attrs.field(default=True, kw_only=True,
                                       validator=_bool("high_inclusive"))
    id: str | None = attrs.field(default=None, kw_only=True, validator=check_id)
    label: str | None = attrs.field(default=None, kw_only=True, validator=check_label)

    def __attrs_post_init__(self) -> None:
        if self.low > self.high:
            raise InvalidCriterion(
                f"Range cannot have low={self.low!r} > high={self.high!r}; "
                "swap them, or use Threshold for a one-sided bound"
            )

    def _test(self, value: Any) -> bool:
        lo_ok = value >= self.low if self.low_inclusive else value > self.low
        return bool(lo_ok and (value <= self.high if self.high_inclusive else value < self.high))

    def _breakpoints(self) -> tuple[Any, ...]:
        return (self.low, self.high)

    def _ends(self) -> str:
        if self.low_inclusive and self.high_inclusive:
            return "both inclusive"
        if not self.low_inclusive and not self.high_inclusive:
            return "both exclusive"
        return f"{_num(self.low)} {'inclusive' if self.low_inclusive else 'exclusive'}, " \
               f"{_num(self.high)} {'inclusive' if self.high_inclusive else 'exclusive'}"

    def _bound_text(self) -> str:
        return f"between {_num(self.low)} and {_num(self.high)} ({self._ends()})"

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return f"{self.source.describe(domains)} is {self._bound_text()}"

    def __repr__(self) -> str:
        return _call("Range", [_source_repr(self.source), repr(self.low), repr(self.high)], {
            "low_inclusive": None if self.low_inclusive else False,
            "high_inclusive": None if self.high_inclusive else False,
            "id": self.id, "label": self.label})


#: The comparison operators a Threshold accepts, with their wording.
OPERATORS: Final[Mapping[str, tuple[Callable[[Any, Any], bool], str]]] = {
    ">=": (operator.ge, "at least"),
    ">": (operator.gt, "above"),
    "<=": (operator.le, "at most"),
    "<": (operator.lt, "below"),
}


def _operator(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, str) or value not in OPERATORS:
        raise InvalidCriterion(
            f"unknown operator {value!r}; use one of {', '.join(map(repr, OPERATORS))}"
        )


@attrs.frozen(repr=False)
class Threshold(_ValueCriterion):
    """A value compared with one bound: ``>=``, ``>``, ``<=`` or ``<``.

    >>> from datetime import date
    >>> from trialrules import Observation, Record
    >>> fs = Threshold("edss_pyramidal", ">=", 3)
    >>> fs.decide(Record("P1", observations=[Observation("edss_pyramidal", 3, "2026-10-02")]),
    ...           date(2026, 11, 27))
    Outcome.MET
    """

    source: Source = attrs.field(converter=as_source, validator=_numeric_source)
    operator: str = attrs.field(validator=_operator)
    bound: int | float = attrs.field(validator=_number("bound"))
    id: str | None = attrs.field(default=None, kw_only=True, validator=check_id)
    label: str | None = attrs.field(default=None, kw_only=True, validator=check_label)

    def _test(self, value: Any) -> bool:
        return bool(OPERATORS[self.operator][0](value, self.bound))

    def _breakpoints(self) -> tuple[Any, ...]:
        return (self.bound,)

    def _bound_text(self) -> str:
        return f"{OPERATORS[self.operator][1]} {_num(self.bound)} ({self.operator} {_num(self.bound)})"

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return f"{self.source.describe(domains)} is {OPERATORS[self.operator][1]} {_num(self.bound)}"

    def __repr__(self) -> str:
        return _call("Threshold", [_source_repr(self.source), repr(self.operator),
                                   repr(self.bound)], {"id": self.id, "label": self.label})


def _values(value: Iterable[Any]) -> frozenset[Any]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidCriterion(f"OneOf values {value!r} must be a collection, e.g. ['male']")
    items = tuple(value)  # checked before the set: frozenset({1, True}) drops the True
    if not items:
        raise InvalidCriterion("OneOf needs at least one value")
    for item in items:
        if isinstance(item, bool):  # True == 1 in a set: a bool would silently match 1
            raise InvalidCriterion(f"OneOf value {item!r} must be a string or a finite number "
                                   "(a bool would match 1); test a yes/no fact with Flag")
        if not isinstance(item, str | int | float) or (
                isinstance(item, float) and not is_number(item)):
            raise InvalidCriterion(f"OneOf value {item!r} must be a string or a finite number")
    return frozenset(items)


@attrs.frozen(repr=False)
class OneOf(_ValueCriterion):
    """A categorical value (sex, a coded observation value) is one of a set.

    >>> from datetime import date
    >>> from trialrules import Record
    >>> OneOf(Sex(), ["male"]).decide(Record("P1", sex="female"), date(2026, 11, 27))
    Outcome.NOT_MET
    """

    source: Source = attrs.field(converter=as_source)
    values: frozenset[Any] = attrs.field(converter=_values)
    id: str | None = attrs.field(default=None, kw_only=True, validator=check_id)
    label: str | None = attrs.field(default=None, kw_only=True, validator=check_label)

    def _numeric(self) -> bool:
        return False

    def _test(self, value: Any) -> bool:
        return not isinstance(value, bool) and value in self.values

    def _breakpoints(self) -> tuple[Any, ...]:
        return tuple(self.values)

    def _sorted(self) -> list[Any]:
        return sorted(self.values, key=lambda v: (isinstance(v, str), v))

    def _bound_text(self) -> str:
        items = self._sorted()
        if len(items) == 1:
            return f"{items[0]}"
        return "one of " + ", ".join(str(v) for v in items)

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return f"{self.source.describe(domains)} is {self._bound_text()}"

    def __repr__(self) -> str:
        return _call("OneOf", [_source_repr(self.source), repr(self._sorted())],
                     {"id": self.id, "label": self.label})


def _name(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidCriterion(f"flag name {value!r} must be a non-empty string")


def _optional_criterion(_: Any, __: Any, value: Any) -> None:
    if value is not None and not isinstance(value, Criterion):
        raise InvalidCriterion(f"assume_false_if={value!r} must be a criterion or None")


#: Outcome, reason and evidence of a recorded flag, by (name, value, expected).
_FLAG_FACTS: dict[tuple[str, bool, bool], tuple[Outcome, str, tuple[Evidence, ...]]] = {}


@attrs.frozen(repr=False)
class Flag(Criterion):
    """A recorded yes/no fact: MET when it equals ``expected``; UNKNOWN when not recorded.

    ``assume_false_if`` names a criterion under which a missing flag is taken as
    false, e.g. pregnancy for a patient recorded as male.

    >>> from datetime import date
    >>> from trialrules import Record
    >>> pregnancy = Flag("pregnancy", assume_false_if=OneOf(Sex(), ["male"]))
    >>> pregnancy.decide(Record("P1", sex="male"), date(2026, 11, 27))
    Outcome.NOT_MET
    >>> pregnancy.decide(Record("P2", sex="female"), date(2026, 11, 27))
    Outcome.UNKNOWN
    """

    name: str = attrs.field(validator=_name)
    expected: bool = attrs.field(default=True, validator=_bool("expected"))
    assume_false_if: Criterion | None = attrs.field(default=None, kw_only=True,
                                                    validator=_optional_criterion)
    #: The fact in words, stated as true when the flag is true ("bone marrow
    #: morphology is normal"): what describe() says. Display only, like label.
    text: str | None = attrs.field(default=None, kw_only=True, validator=check_label)
    id: str | None = attrs.field(default=None, kw_only=True, validator=check_id)
    label: str | None = attrs.field(default=None, kw_only=True, validator=check_label)

    @property
    def children(self) -> tuple[Criterion, ...]:
        return () if self.assume_false_if is None else (self.assume_false_if,)

    def anonymous(self) -> Criterion:
        cond = self.assume_false_if
        return attrs.evolve(self, id=None, label=None, text=None,
                            assume_false_if=None if cond is None else cond.anonymous())

    def _decide(self, ctx: Context) -> Outcome:
        value = ctx.record.flags.get(self.name)
        if value is None:
            if self.assume_false_if is not None and self.assume_false_if._decide(ctx) is MET:
                return MET if self.expected is False else NOT_MET
            return UNKNOWN
        return MET if value is self.expected else NOT_MET

    def _explain(self, ctx: Context, node_id: str | None) -> Explanation:
        value = ctx.record.flags.get(self.name)
        if value is not None or self.assume_false_if is None:
            # Recorded, or not recorded with no fallback: the same node for every such patient.
            key = (id(self), node_id, value)
            hit = _SHARED.get(key)  # recall(self, key), inlined: every patient passes here
            if hit is not None and hit[0] is self:
                return hit[1]
            return remember(self, key, self._explain_flag(ctx, node_id, value))
        return self._explain_flag(ctx, node_id, value)

    def _explain_flag(self, ctx: Context, node_id: str | None, value: bool | None) -> Explanation:
        want = "true" if self.expected else "false"
        if value is not None:
            key = (self.name, value, self.expected)
            known = _FLAG_FACTS.get(key)
            if known is None:
                # The same few (flag, value) facts recur across a population: render each once.
                got = "true" if value else "false"
                known = (MET if value is self.expected else NOT_MET,
                         f"flag {self.name} is recorded as {got} (met when {want})",
                         (Evidence(f"flags.{self.name}", value=value),))
                if len(_FLAG_FACTS) < 10_000:
                    _FLAG_FACTS[key] = known
            return Explanation(node_id, "Flag", known[0], known[1], self.label, known[2])
        if self.assume_false_if is not None:
            cond = self.assume_false_if._explain(ctx, None)
            if cond.outcome is MET:
                outcome = MET if self.expected is False else NOT_MET
                reason = (f"flag {self.name} is not recorded and is taken as false "
                          f"because {self.assume_false_if.describe(ctx.domains)} ({cond.reason})")
                return Explanation(node_id, "Flag", outcome, reason, self.label, cond.evidence)
        reason = f"flag {self.name} is not recorded (met when {want})"
        return _leaf("Flag", node_id, self.label, UNKNOWN, reason, missing=(f"flag {self.name}",))

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

    def __repr__(self) -> str:
        pos = [repr(self.name)] + ([] if self.expected else ["expected=False"])
        return _call("Flag", pos, {"assume_false_if": self.assume_false_if, "text": self.text,
                                   "id": self.id, "label": self.label})


def _negate(statement: str) -> str:
    """A flag's statement negated: "there is evidence" becomes "there is no evidence"."""
    for lead in ("there is ", "there are "):
        if statement.startswith(lead) and not statement.startswith(lead + "no "):
            return f"{lead}no {statement[len(lead):]}"
    return f"it is not the case that {statement}"


_HISTORIES: Final = ("conditions", "exposures")


def _codeset(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, CodeSet):
        raise InvalidCriterion(f"codes={value!r} must be a CodeSet")


def _span(value: Any) -> Span | None:
    return None if value is None else Span.of(value)


def _required_span(_: Any, __: Any, value: Any) -> None:
    if value is None:
        raise InvalidCriterion("a Washout needs a Span such as Span(months=1)")


def _history(_: Any, __: Any, value: Any) -> None:
    if value not in _HISTORIES:
        raise InvalidCriterion(f"on={value!r} must be 'conditions' or 'exposures'")


def _at_least(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidCriterion(f"at_least={value!r} must be a whole number >= 1")


class _Scan:
    """Events of a code set against the window [start, as_of], split by certainty."""

    __slots__ = ("complete", "maybe", "sure")

    def __init__(self, ctx: Context, history: str, codes: CodeSet, start: date) -> None:
        as_of = ctx.as_of
        self.sure: list[tuple[int, Any]] = []
        self.maybe: list[tuple[int, Any]] = []
        events: tuple[Exposure | Condition, ...] = (
            ctx.record.exposures if history == "exposures" else ctx.record.conditions)
        seen: set[Exposure | Condition] = set()
        for i, event in enumerate(events):
            if event.code not in codes or event in seen:
                continue  # another code, or the same event recorded twice (counted once)
            seen.add(event)
            begin = event.start if isinstance(event, Exposure) else event.onset
            end = event.end
            if begin.earliest > as_of:
                continue  # began after the reference date: invisible
            if end is not None and end.latest < start:
                continue  # ended before the window opened
            # Certain overlap: began by as_of for sure, and (ongoing, or ended on
            # or after the window's first day for sure). An end is never before its
            # beginning, so each bounds the other: the beginning's earliest day bounds
            # the end from below, and a known end bounds the beginning from above.
            began_by = begin.latest if end is None or end.is_unknown else min(begin.latest,
                                                                              end.latest)
            if began_by <= as_of and (
                end is None or (not end.is_unknown and max(end.earliest, begin.earliest) >= start)
                or (end.is_unknown and begin.earliest >= start)
            ):
                self.sure.append((i, event))
            else:
                self.maybe.append((i, event))
        if len(self.sure) > 1:
            self.sure.sort(key=_event_key)
        if len(self.maybe) > 1:
            self.maybe.sort(key=_event_key)
        complete = ctx.record.complete_through(history)
        self.complete = complete is not None and complete >= as_of


def _scan(ctx: Context, history: str, codes: CodeSet, start: date) -> _Scan:
    """The scan of one (history, code set, window) for this evaluation, made once.

    Criteria that look at the same events (NCT06228781 registers exclusion 2
    twice, as exclusion 4) share it; a scan is never changed after it is made.
    """
    key = (history, codes, start)
    found = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = _Scan(ctx, history, codes, start)
    return found


def _event_key(pair: tuple[int, Any]) -> tuple[Any, ...]:
    """Canonical event order (start, code, end) so reasons never depend on list order."""
    i, event = pair[0], pair[1]
    begin = event.start if hasattr(event, "start") else event.onset
    end = (date.max, date.max) if event.end is None else (event.end.earliest, event.end.latest)
    return (begin.earliest, begin.latest, event.code, end, i)


def _event_evidence(history: str, pairs: list[tuple[int, Any]]) -> tuple[Evidence, ...]:
    out = []
    for i, event in pairs:
        begin = event.start if history == "exposures" else event.onset
        end = "ongoing" if event.end is None else str(event.end)
        out.append(Evidence(f"{history}[{i}]", event.code, None, str(begin), end))
    return tuple(out)


def _when(fact: Evidence) -> str:
    """An event's dates in words: "on D", "from D, ongoing" or "from D to E"."""
    if fact.end == "ongoing":
        return f"from {fact.date}, ongoing"
    if fact.end == fact.date:
        return f"on {fact.date}"
    return f"from {fact.date} to {fact.end}"


def _exact_dates_of(fact: Evidence) -> str:
    """The missing fact "exact dates of" an event, named by content, not by list position,
    so the text does not depend on the order of the record's lists."""
    noun = "exposure" if fact.path.startswith("exposures") else "condition"
    return f"exact dates of {noun} {fact.code} ({_when(fact)})"


def _explain_window(criterion: Washout | Lookback, ctx: Context, node_id: str | None,
                    history: str) -> Explanation:
    """Explain a window criterion; with no event in its window the node is shared.

    Such a node depends only on the criterion, as_of and the completeness date,
    so one frozen Explanation serves every patient it fits.
    """
    start = ctx.window_start(criterion.span)
    scan = _scan(ctx, history, criterion.codes, start)
    if scan.sure or scan.maybe:
        return criterion._explain_scan(ctx, node_id, start, scan)
    key = (id(criterion), node_id, ctx.as_of, ctx.record.complete_through(history))
    shared = recall(criterion, key)
    if shared is None:
        shared = remember(criterion, key, criterion._explain_scan(ctx, node_id, start, scan))
    return shared


def _window_text(span: Span | None, start: date, as_of: date) -> str:
    key = (span, start, as_of)
    text = _WINDOW_TEXTS.get(key)
    if text is None:
        text = _window_words(span, start, as_of)
        if len(_WINDOW_TEXTS) < 10_000:
            _WINDOW_TEXTS[key] = text
    return text


#: Rendered window phrases by (span, start, as_of): a batch shares one as_of.
_WINDOW_TEXTS: dict[tuple[Span | None, date, date], str] = {}


def _window_words(span: Span | None, start: date, as_of: date) -> str:
    if span is None:
        return f"at any time up to {as_of}"
    if span.is_zero:
        return f"current on {as_of}"
    return f"in the {span} before {as_of} ({start} to {as_of})"


@attrs.frozen(repr=False)
class Washout(Criterion):
    """MET when the washout is complete: no exposure to ``codes`` overlaps [as_of - span, as_of].

    An exposure in the window, or an ongoing one, makes it NOT_MET. With no
    exposure recorded it is UNKNOWN unless the exposure history is declared
    complete through as_of. "Received X within one month" is ``~Washout(X, Span(months=1))``.

    >>> from datetime import date
    >>> from trialrules import Exposure, Record
    >>> washout = Washout(CodeSet("cytotoxic agents", prefixes=["ATC:L01"]), Span(months=1))
    >>> as_of = date(2027, 3, 31)                     # the window opens 2027-02-28
    >>> washout.decide(Record("P1", exposures=[Exposure("ATC:L01DB07", "2027-02-28")]), as_of)
    Outcome.NOT_MET
    >>> washout.decide(Record("P2"), as_of)           # nothing recorded: open world
    Outcome.UNKNOWN
    >>> washout.decide(Record("P3", complete={"exposures": "2027-03-31"}), as_of)
    Outcome.MET
    """

    codes: CodeSet = attrs.field(validator=_codeset)
    span: Span = attrs.field(converter=_span, validator=_required_span)
    id: str | None = attrs.field(default=None, kw_only=True, validator=check_id)
    label: str | None = attrs.field(default=None, kw_only=True, validator=check_label)

    def _decide(self, ctx: Context) -> Outcome:
        scan = _scan(ctx, "exposures", self.codes, ctx.window_start(self.span))
        if scan.sure:
            return NOT_MET
        if scan.maybe or not scan.complete:
            return UNKNOWN
        return MET

    def _explain(self, ctx: Context, node_id: str | None) -> Explanation:
        return _explain_window(self, ctx, node_id, "exposures")

    def _explain_scan(self, ctx: Context, node_id: str | None, start: date,
                      scan: _Scan) -> Explanation:
        window = _window_text(self.span, start, ctx.as_of)
        what = self.codes.name
        if scan.sure:
            ev = _event_evidence("exposures", scan.sure)
            reason = (f"exposure to {what} ({ev[0].code} {_when(ev[0])}) "
                      f"falls {window}: washout not complete")
            return _leaf("Washout", node_id, self.label, NOT_MET, reason, ev)
        if scan.maybe:
            ev = _event_evidence("exposures", scan.maybe)
            reason = (f"exposure to {what} ({ev[0].code} dated {ev[0].date}) may fall {window}; "
                      "its dates are too imprecise to decide")
            return _leaf("Washout", node_id, self.label, UNKNOWN, reason, ev,
                         (_exact_dates_of(ev[0]),))
        if scan.complete:
            reason = (f"no exposure to {what} {window}; the exposure history is complete "
                      f"through {ctx.record.complete_through('exposures')}")
            return _leaf("Washout", node_id, self.label, MET, reason,
                         (Evidence("complete.exposures",
                                   date=str(ctx.record.complete_through("exposures"))),))
        reason = (f"no exposure to {what} is recorded {window}, but the exposure history "
                  f"is not declared complete through {ctx.as_of}")
        return _leaf("Washout", node_id, self.label, UNKNOWN, reason,
                     missing=(f"exposures history complete through {ctx.as_of} "
                              f"(complete.exposures)",))

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return f"no {self._exposure_text()}"

    def _describe_not(self, domains: Mapping[str, Domain] | None = None) -> str | None:
        return self._exposure_text()

    def _exposure_text(self) -> str:
        if self.span.is_zero:
            return f"exposure to {self.codes.describe()} on the reference date, ongoing included"
        return (f"exposure to {self.codes.describe()} in the {self.span} before the "
                "reference date, ongoing exposure included")

    def __repr__(self) -> str:
        return _call("Washout", [repr(self.codes), repr(self.span)],
                     {"id": self.id, "label": self.label})


@attrs.frozen(repr=False)
class Lookback(Criterion):
    """MET when events of ``codes`` overlap [as_of - span, as_of] (an ongoing one counts).

    ``span=None`` looks back without limit ("ever"); ``Span()`` (zero) asks
    whether the event is current on as_of. ``at_least`` counts distinct events.
    NOT_MET needs the history declared complete through as_of.

    >>> from datetime import date
    >>> from trialrules import Condition, Record
    >>> recent = Lookback(CodeSet("malignant tumours", prefixes=["ICD10:C"]), Span(years=5))
    >>> def tumour(dated):
    ...     return Record("P1", conditions=[Condition("ICD10:C50.9", dated, dated)],
    ...                   complete={"conditions": "2026-06-15"})
    >>> [recent.decide(tumour(year), date(2026, 6, 15)) for year in ("2020", "2021", "2022")]
    [Outcome.NOT_MET, Outcome.UNKNOWN, Outcome.MET]
    """

    codes: CodeSet = attrs.field(validator=_codeset)
    span: Span | None = attrs.field(default=None, converter=_span)
    on: str = attrs.field(default="conditions", kw_only=True, validator=_history)
    at_least: int = attrs.field(default=1, kw_only=True, validator=_at_least)
    id: str | None = attrs.field(default=None, kw_only=True, validator=check_id)
    label: str | None = attrs.field(default=None, kw_only=True, validator=check_label)

    def _decide(self, ctx: Context) -> Outcome:
        scan = _scan(ctx, self.on, self.codes, ctx.window_start(self.span))
        if len(scan.sure) >= self.at_least:
            return MET
        if len(scan.sure) + len(scan.maybe) < self.at_least and scan.complete:
            return NOT_MET
        return UNKNOWN

    def _noun(self) -> str:
        return "condition" if self.on == "conditions" else "exposure"

    def _explain(self, ctx: Context, node_id: str | None) -> Explanation:
        return _explain_window(self, ctx, node_id, self.on)

    def _explain_scan(self, ctx: Context, node_id: str | None, start: date,
                      scan: _Scan) -> Explanation:
        window = _window_text(self.span, start, ctx.as_of)
        what = f"{self._noun()} of {self.codes.name}"
        need = "" if self.at_least == 1 else f" (at least {self.at_least} needed)"
        sure, maybe = len(scan.sure), len(scan.maybe)

        def count(n: int) -> str:
            return "no" if n == 0 else str(n)

        ev = _event_evidence(self.on, scan.sure + scan.maybe)
        if sure >= self.at_least:
            first = ev[0]
            span_text = _when(first)
            reason = f"{count(sure)} {what} {window}{need}: {first.code} {span_text}"
            return _leaf("Lookback", node_id, self.label, MET, reason, ev)
        if sure + maybe < self.at_least and scan.complete:
            reason = (f"{count(sure)} {what} {window}{need}; the {self.on} history is complete "
                      f"through {ctx.record.complete_through(self.on)}")
            return _leaf("Lookback", node_id, self.label, NOT_MET, reason, ev)
        missing: list[str] = [_exact_dates_of(e) for e in ev[sure:]]
        if not scan.complete:
            missing.append(f"{self.on} history complete through {ctx.as_of} "
                           f"(complete.{self.on})")
        if maybe:
            reason = (f"{count(sure)} {what} certainly and {maybe} possibly {window}{need}; "
                      "imprecise dates leave it undecided")
        else:
            reason = (f"{count(sure)} {what} recorded {window}{need}, but the {self.on} history "
                      f"is not declared complete through {ctx.as_of}")
        return _leaf("Lookback", node_id, self.label, UNKNOWN, reason, ev, tuple(missing))

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        # Windows read like OHDSI's printouts: "in the 5 years before the reference date".
        codes = self.codes.describe()
        times = "" if self.at_least == 1 else f" on at least {self.at_least} occasions"
        if self.on == "exposures":
            if self.span is None:
                return f"ever exposed to {codes}{times}"
            if self.span.is_zero:
                return f"currently exposed to {codes}{times} (exposure ongoing on the reference date)"
            return (f"exposed to {codes}{times} in the {self.span} before the reference date, "
                    "ongoing exposure included")
        what = "a condition of" if self.at_least == 1 else f"at least {self.at_least} conditions of"
        if self.span is None:
            return f"{what} {codes} at any time before the reference date"
        if self.span.is_zero:
            return f"{what} {codes} ongoing on the reference date"
        return (f"{what} {codes} in the {self.span} before the reference date, "
                "ongoing included")

    def __repr__(self) -> str:
        pos = [repr(self.codes)] + ([] if self.span is None else [repr(self.span)])
        return _call("Lookback", pos, {
            "on": None if self.on == "conditions" else self.on,
            "at_least": None if self.at_least == 1 else self.at_least,
            "id": self.id, "label": self.label})


@attrs.frozen(repr=False)
class Placeholder(Criterion):
    """A criterion not yet encoded: always UNKNOWN, carrying the registry text as its label.

    >>> from datetime import date
    >>> from trialrules import Record
    >>> Placeholder("Life expectancy severely limited").decide(Record("P1"), date(2026, 1, 1))
    Outcome.UNKNOWN
    """

    label: str | None = attrs.field(default=None, validator=check_label)
    id: str | None = attrs.field(default=None, kw_only=True, validator=check_id)

    def _decide(self, ctx: Context) -> Outcome:
        return UNKNOWN

    def _explain(self, ctx: Context, node_id: str | None) -> Explanation:
        return _leaf("Placeholder", node_id, self.label, UNKNOWN, "not yet encoded",
                     missing=("an encoding of this criterion",))

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return "not yet encoded"

    def anonymous(self) -> Criterion:
        # A placeholder's text is all it has: two placeholders differ by their text.
        return attrs.evolve(self, id=None)

    def __repr__(self) -> str:
        return _call("Placeholder", [repr(self.label)] if self.label is not None else [],
                     {"id": self.id})


# Re-exported for the evaluator's type checks.
_SOURCES = (Age, Sex, Latest)

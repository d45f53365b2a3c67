"""What the window criteria (Washout, Lookback) share: events of a code set in [start, as_of]."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from ..engine.context import Context
from ..engine.criterion import Criterion
from ..engine.explanations import Evidence
from ..engine.findings import Finding, finding
from ..values.codes import CodeSet
from ..values.dates import Span
from ..values.domains import Domain
from ..values.errors import InvalidCriterion
from ..values.records import Condition, Exposure
from ._complete import complete_over, shown

__all__: list[str] = []

HISTORIES: Final = ("conditions", "exposures")


def codeset(_: Any, __: Any, value: Any) -> None:
    """A validator: a CodeSet."""
    if not isinstance(value, CodeSet):
        raise InvalidCriterion(f"codes={value!r} must be a CodeSet", field="codes", value=value,
                               allowed="a code set")


def span(value: Any) -> Span | None:
    """A converter: a Span (or relativedelta), None kept."""
    return None if value is None else Span.of(value, "span")


class Scan:
    """Events of a code set against the window [start, as_of], split by certainty."""

    __slots__ = ("by_periods", "complete", "days", "maybe", "period", "sure")

    def __init__(self, ctx: Context, history: str, codes: CodeSet, start: date) -> None:
        as_of = ctx.as_of
        self.sure: list[tuple[int, Any]] = []
        self.maybe: list[tuple[int, Any]] = []
        events: tuple[Exposure | Condition, ...] = (
            ctx.record.exposures if history == "exposures" else ctx.record.conditions)
        # Which codes are in the set, known once per batch (records repeat a few codes).
        members: dict[str, bool] = ctx.shared.derive(codes, _members)
        seen: set[Exposure | Condition] = set()
        for i, event in enumerate(events):
            code = event.code
            inside = members.get(code)
            if inside is None:
                inside = code in codes
                if len(members) < _MAX_MEMBERS:
                    members[code] = inside
            if not inside:
                continue  # another code
            known = len(seen)
            seen.add(event)  # (one hash: the set grows unless the event is there already)
            if len(seen) == known:
                continue  # the same event recorded twice (counted once)
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
        #: The declared completeness covering every day of the window (None: not complete),
        #: and whether the record declares it as periods (not a date).
        self.period, self.by_periods = complete_over(ctx, history, start)
        self.complete = self.period is not None
        #: The days the period vouches for (what an explanation shows of it).
        self.days = shown(self.period)


def _members(codes: CodeSet) -> dict[str, bool]:
    """A fresh record of which codes ``codes`` holds (filled as records show codes)."""
    return {}


#: Codes a batch remembers at most per code set (a bound on memory).
_MAX_MEMBERS: Final = 50_000


def scan(ctx: Context, history: str, codes: CodeSet, start: date) -> Scan:
    """The scan of one (history, code set, window) for this evaluation, made once.

    Criteria that look at the same events (NCT06228781 registers exclusion 2
    twice, as exclusion 4) share it; a scan is never changed after it is made.
    Keyed by the code set's identity (the entry holds it, so the id stays its own).
    """
    key = (history, id(codes), start)
    memo = ctx.memo
    held = memo.get(key)
    if held is not None and held[0] is codes:
        found: Scan = held[1]
        return found
    found = Scan(ctx, history, codes, start)
    memo[key] = (codes, found)
    return found


def _event_key(pair: tuple[int, Any]) -> tuple[Any, ...]:
    """Canonical event order (start, code, end) so reasons never depend on list order."""
    i, event = pair[0], pair[1]
    begin = event.start if hasattr(event, "start") else event.onset
    end = (date.max, date.max) if event.end is None else (event.end.earliest, event.end.latest)
    return (begin.earliest, begin.latest, event.code, end, i)


def event_evidence(ctx: Context, history: str,
                   pairs: list[tuple[int, Any]]) -> tuple[Evidence, ...]:
    """The events as evidence (path, code, dates)."""
    out = []
    text_of = ctx.text_of
    for i, event in pairs:
        begin = event.start if history == "exposures" else event.onset
        end = "ongoing" if event.end is None else text_of(event.end)
        out.append(Evidence(f"{history}[{i}]", event.code, None, text_of(begin), end))
    return tuple(out)


def when(fact: Evidence) -> str:
    """An event's dates in words: "on D", "from D, ongoing" or "from D to E"."""
    if fact.end == "ongoing":
        return f"from {fact.date}, ongoing"
    if fact.end == fact.date:
        return f"on {fact.date}"
    return f"from {fact.date} to {fact.end}"


def listed(facts: tuple[Evidence, ...]) -> str:
    """Events in date order, each code named once per run of its events:
    "SNOMED:58487002 on 2025-01-05, 2025-06-02, 2026-02-11, ICD10:G35 from 2019-03, ongoing"."""
    out: list[str] = []
    code: str | None = None
    single = False  # whether the last item written was "on D" (so the next "on" is dropped)
    for fact in facts:
        text = when(fact)
        if fact.code != code:
            out.append(f"{fact.code} {text}")
            code = fact.code
        elif single and text.startswith("on "):
            out.append(text[len("on "):])
        else:
            out.append(text)
        single = text.startswith("on ")
    return ", ".join(out)


def exact_dates_of(fact: Evidence) -> str:
    """The missing fact "exact dates of" an event, named by content, not by list position,
    so the text does not depend on the order of the record's lists."""
    noun = "exposure" if fact.path.startswith("exposures") else "condition"
    return f"exact dates of {noun} {fact.code} ({when(fact)})"


#: Memo key of rendered window phrases.
_WINDOW_TEXT: Final = object()


def window_text(ctx: Context, span: Span | None, start: date) -> str:
    """The window in words, rendered once per batch: "in the 1 month before D (S to D)"."""
    as_of = ctx.as_of
    key = (_WINDOW_TEXT, span, start, as_of)
    values = ctx.shared.values
    text: str | None = values.get(key)
    if text is None:
        if span is None:
            text = f"at any time up to {as_of}"
        elif span.is_zero:
            text = f"current on {as_of}"
        else:
            text = f"in the {span} before {as_of} ({start} to {as_of})"
        values[key] = text
    return text


class WindowCriterion(Criterion):
    """Shared lint of the window criteria: an empty code set matches nothing."""

    __slots__ = ()
    codes: CodeSet

    def lint(self, node_id: str, domains: Mapping[str, Domain]) -> list[Finding]:
        if not self.codes.prefixes and not self.codes.codes:
            return [finding("empty-code-set", [node_id],
                            f"the code set {self.codes.name!r} holds no codes, so it matches "
                            "nothing")]
        return []

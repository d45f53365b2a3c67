"""How criteria cite declared completeness (Record.complete_over) in explanations.

A record in 0.1.0's form (complete through a date, from birth) keeps 0.1.0's
words exactly: "complete through D". A record that declares periods is cited
by the period that covers the window ("complete from S through E"), and what
it lacks is named as the window it needed ("from S through as_of", or "from
birth through as_of" for a window without a start).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from ..engine.context import Context
from ..engine.explanations import Evidence
from ..values.completeness import Period, covering

__all__: list[str] = []


def by_periods(ctx: Context, history: str) -> bool:
    """Whether the record declares this history's completeness as periods (not a date)."""
    return isinstance(ctx.record.complete.get(history), tuple)


def complete_over(ctx: Context, history: str, first: date) -> tuple[Period | None, bool]:
    """``ctx.record.complete_over(history, first, as_of)`` (the period of a plain date
    built once per batch: many records declare the same date), and :func:`by_periods`."""
    record = ctx.record
    made = ctx.shared.values.get(_MADE)
    if made is None:
        made = ctx.shared.values[_MADE] = {}
    declared = record.complete.get(history)
    return (covering(declared, record.birth_date, first, ctx.as_of, made),
            isinstance(declared, tuple))


def shown(period: Period | None) -> tuple[date | None, date] | None:
    """What an explanation shows of a period, the days it vouches for (None: not
    complete): a key for nodes that depend on it, cheaper than the period's own hash."""
    return None if period is None else period.days


#: Memo key of the periods of plain completeness dates (a private object: no clash).
_MADE: Final = object()


def complete_evidence(history: str, period: Period) -> Evidence:
    """The declaration a decision rests on: ``complete.H on D`` or ``complete.H from S to E``."""
    first = period.first_day()
    if first is None:
        return Evidence(f"complete.{history}", date=str(period.last_day()))
    return Evidence(f"complete.{history}", date=str(first), end=str(period.last_day()))


def needed(ctx: Context, history: str, start: date) -> str:
    """The span the history must be declared complete over for this window, in words."""
    if not by_periods(ctx, history):
        return f"through {ctx.as_of}"
    begin = "birth" if start == date.min else str(start)
    return f"from {begin} through {ctx.as_of}"

"""The dated window a criterion looks at, from its span and the reference date.

Pictures (the patient timeline of ``trialrules.tools.html``) draw each window
criterion's window on the same axis as the patient's facts. The dates come
from the criterion's own fields, computed as the evaluation computes them
(``Span.before(as_of)``), never parsed back out of a reason sentence.
"""

from __future__ import annotations

from datetime import date

import attrs

from ..engine.criterion import Criterion
from ._value import ValueCriterion
from .lookback import Lookback
from .sources.latest import Latest
from .washout import Washout

__all__ = ["Window", "window"]


@attrs.frozen
class Window:
    """The days ``[first, last]`` (both inclusive) a criterion looks at, as of ``last``.

    ``first`` is None for a window without a start ("at any time up to as_of").
    ``history`` names the facts it looks at: "exposures", "conditions" or
    "observations" (the recency window of a latest value).
    """

    first: date | None
    last: date
    history: str


def window(criterion: Criterion, as_of: date) -> Window | None:
    """The window ``criterion`` itself tests as of ``as_of``, or None if it has none.

    Washout and Lookback have one; so does a value criterion (Range, Threshold,
    OneOf) on a latest value with ``within``. Combinators have none of their own
    (walk their children).

    >>> from trialrules import CodeSet, Span, Washout
    >>> window(Washout(CodeSet("x", codes=["ATC:L01"]), Span(months=1)), date(2027, 3, 31))
    Window(first=datetime.date(2027, 2, 28), last=datetime.date(2027, 3, 31), history='exposures')
    """
    if isinstance(criterion, Washout):
        return Window(criterion.span.before(as_of), as_of, "exposures")
    if isinstance(criterion, Lookback):
        first = None if criterion.span is None else criterion.span.before(as_of)
        return Window(first, as_of, criterion.on)
    if isinstance(criterion, ValueCriterion):
        source = criterion.source
        if isinstance(source, Latest) and source.within is not None:
            return Window(source.within.before(as_of), as_of, "observations")
    return None

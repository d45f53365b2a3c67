"""Recency cases: how old an observation may be and still count.

Boundary cases date every observation on or near the reference date, so a
recency window added by mistake ("EDSS within 3 months" where the protocol
sets no limit) changes nothing they see. For a value read from observations
with no recency window, these cases move the deciding observation ten years
back: it still counts, with the same label.

Windows that are set are covered by the window edges the leaf's own cases hold
(the first day of the window, and the day before it), repeated on every
reference date :mod:`._refdates` picks for the span. The notion is generic:
any leaf whose source has a window field (:func:`._refdates.window_spans`) and
whose facts are observations (``("obs", code)`` keys) gets them, so sources
added later (change over a window, any value in a window) plug in unchanged.
"""

from __future__ import annotations

from datetime import date

import attrs
from dateutil.relativedelta import relativedelta

from ..engine.criterion import Criterion
from ..values.records import Observation
from ._leaves import LeafCase
from ._refdates import window_spans

__all__ = ["recency_cases"]

#: How far back the "old observation" is moved.
OLD = relativedelta(years=10)


def recency_cases(leaf: Criterion, as_of: date, cases: list[LeafCase]) -> list[LeafCase]:
    """For a leaf reading observations with no recency window: its plain cases, ten years older.

    Only cases whose observations are all exact and dated ``as_of`` are moved
    (one MET and one NOT_MET witness); the label is unchanged because no window
    limits how old the observation may be.
    """
    spans = window_spans(leaf)
    if not spans or any(s is not None for s in spans):
        return []
    out: list[LeafCase] = []
    seen: set[object] = set()
    for case in cases:
        if case.as_of != as_of or not case.plain or case.outcome in seen:
            continue
        keys = [k for k in case.facts if k[0] == "obs"]
        observations = [o for k in keys for o in case.facts[k]]
        if not keys or not observations or not all(
                isinstance(o, Observation) and o.date.is_exact and o.date.earliest == as_of
                for o in observations):
            continue
        try:
            old = as_of - OLD
        except (OverflowError, ValueError):  # pragma: no cover - as_of before year 11
            return out
        facts = dict(case.facts)
        for key in keys:
            facts[key] = tuple(attrs.evolve(o, date=old) for o in facts[key])
        values = ", ".join(f"{o.code} {o.value!r}" for o in observations)
        out.append(LeafCase(facts, case.outcome,
                            f"{values} observed ten years before as_of ({old}); no recency "
                            "window, so the old observation still counts", as_of))
        seen.add(case.outcome)
    return out

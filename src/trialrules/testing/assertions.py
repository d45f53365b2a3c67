"""Assertions whose failure message is the explanation tree, not ``False != True``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ..engine.criterion import Criterion
from ..engine.explanations import Explanation, render
from ..protocol.protocol import Protocol, ProtocolResult
from ..values.domains import Domain
from ..values.outcomes import Determination, Outcome
from ..values.records import Record
from .boundaries import BoundaryCase

__all__ = ["assert_case", "assert_determination", "assert_outcome"]


def _name(criterion: Criterion) -> str:
    return criterion.id if criterion.id is not None else repr(criterion)


def assert_outcome(criterion: Criterion, record: Record, as_of: date, expected: Outcome, *,
                   domains: Mapping[str, Domain] | None = None) -> Explanation:
    """Fail with the explanation tree unless ``criterion`` gives ``expected``; return the explanation.

    >>> from datetime import date
    >>> from trialrules import Outcome, Range, Record
    >>> edss = Range("edss", 3, 6, id="inclusion.3")
    >>> assert_outcome(edss, Record("P1"), date(2026, 11, 27), Outcome.MET)
    Traceback (most recent call last):
    ...
    AssertionError: inclusion.3 for patient P1 as of 2026-11-27: expected MET, got UNKNOWN
    [UNKNOWN] inclusion.3
        no observation edss is recorded, so between 3 and 6 (both inclusive) cannot be decided
        missing: observation edss
    """
    __tracebackhide__ = True
    if not isinstance(expected, Outcome):
        raise TypeError(f"expected must be an Outcome (Outcome.MET, ...), got {expected!r}")
    explanation = criterion.evaluate(record, as_of, domains=domains)
    if explanation.outcome is not expected:
        raise AssertionError(
            f"{_name(criterion)} for patient {record.id} as of {as_of}: "
            f"expected {expected.name}, got {explanation.outcome.name}\n{render(explanation)}")
    return explanation


def assert_determination(protocol: Protocol, record: Record, as_of: date,
                         expected: Determination) -> ProtocolResult:
    """Fail with every criterion's explanation unless the protocol determines ``expected``."""
    __tracebackhide__ = True
    if not isinstance(expected, Determination):
        raise TypeError(
            f"expected must be a Determination (Determination.ELIGIBLE, ...), got {expected!r}")
    result = protocol.evaluate(record, as_of)
    if result.determination is not expected:
        raise AssertionError(
            f"protocol {protocol.id} for patient {record.id} as of {as_of}: expected "
            f"{expected.name}, got {result.determination.name}\n{result}")
    return result


def assert_case(criterion: Criterion, case: BoundaryCase, *,
                domains: Mapping[str, Domain] | None = None) -> Explanation:
    """``assert_outcome`` for one boundary case, naming the case in the failure."""
    __tracebackhide__ = True
    try:
        return assert_outcome(criterion, case.record, case.as_of, case.expected, domains=domains)
    except AssertionError as exc:
        raise AssertionError(f"boundary case {case}\n{exc}") from None

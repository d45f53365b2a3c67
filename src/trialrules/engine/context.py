"""What one evaluation knows: the record, the reference date, the value domains."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from ..values.domains import STANDARD_DOMAINS, Domain
from ..values.errors import InvalidRecord
from ..values.records import FrozenMap, Record
from .trace import Memo

if TYPE_CHECKING:
    from ..values.dates import Span

__all__: list[str] = []

#: The vocabulary of a context given none (one immutable value, so per-batch plans keyed
#: by the vocabulary's identity hold across such contexts).
_NO_VOCABULARY: Final = FrozenMap()


class Context:
    """The record, ``as_of`` and domains of one evaluation.

    ``memo`` holds work criteria share within this one evaluation (an event
    scan, an index of observations); ``shared`` is the :class:`Memo` of the
    batch this evaluation belongs to (a fresh one when evaluated alone).
    """

    __slots__ = ("as_of", "domains", "memo", "record", "shared", "vocabulary")

    def __init__(self, record: Record, as_of: date,
                 domains: Mapping[str, Domain] | None = None,
                 vocabulary: Mapping[str, tuple[str, ...]] | None = None,
                 shared: Memo | None = None) -> None:
        if not isinstance(record, Record):
            raise TypeError(f"expected a trialrules Record to evaluate, got {type(record).__name__}")
        self.record = record
        self.as_of = as_of if type(as_of) is date else check_as_of(as_of)
        self.domains = STANDARD_DOMAINS if domains is None else domains
        #: A protocol's names mapped to the codes other formats use for them (FHIR).
        self.vocabulary: Mapping[str, tuple[str, ...]] = (
            _NO_VOCABULARY if vocabulary is None else vocabulary)
        #: Work criteria share within this one evaluation (e.g. event scans), by key.
        self.memo: dict[Any, Any] = {}
        #: Work the evaluations of one batch share (same criteria, same as_of).
        self.shared = Memo() if shared is None else shared

    def window_start(self, span: Span | None) -> date:
        """First day of [as_of - span, as_of]; ``date.min`` for an unbounded window."""
        if span is None:
            return date.min
        # A batch shares one as_of: computed once per batch and span. Keyed by the span's
        # identity; the entry holds the span, so the id stays its own.
        starts = self.shared.starts
        held = starts.get(id(span))
        as_of = self.as_of
        if held is not None and held[0] is span and held[1] == as_of:
            start: date = held[2]
            return start
        start = span.before(as_of)
        starts[id(span)] = (span, as_of, start)
        return start


def check_as_of(as_of: object) -> date:
    """The reference date must be a real ``date`` (not a datetime, not a string)."""
    if type(as_of) is date:
        return as_of
    if isinstance(as_of, datetime) or not isinstance(as_of, date):
        raise InvalidRecord("as_of", as_of, "a datetime.date (the screening or enrollment date)")
    return as_of


def age_on(birth: date, on: date) -> int:
    """Completed years from ``birth`` to ``on``, as ``relativedelta(on, birth).years``.

    Born 29 February: in a common year the birthday counts on 28 February, as
    dateutil's relativedelta does (2000-02-29 + 18 years = 2018-02-28).
    """
    years = on.year - birth.year
    month, day = birth.month, birth.day
    if month == 2 and day == 29 and not _leap(on.year):
        day = 28
    if (on.month, on.day) < (month, day):
        years -= 1
    return years


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)

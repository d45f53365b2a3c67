"""Three-valued outcomes with Kleene's strong logic, and a protocol's determination."""

from __future__ import annotations

import enum
from collections.abc import Iterable

__all__ = ["Determination", "Outcome"]


class Outcome(enum.Enum):
    """What a criterion answers: MET, NOT_MET, or UNKNOWN (the record cannot decide).

    ``&``, ``|`` and ``~`` follow Kleene's strong three-valued logic, the truth
    tables of CQL's ``and``, ``or`` and ``not``:

    >>> Outcome.NOT_MET & Outcome.UNKNOWN
    Outcome.NOT_MET
    >>> Outcome.MET | Outcome.UNKNOWN
    Outcome.MET
    >>> ~Outcome.UNKNOWN
    Outcome.UNKNOWN
    """

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"

    def __repr__(self) -> str:
        return f"Outcome.{self.name}"

    def __and__(self, other: Outcome) -> Outcome:
        if not isinstance(other, Outcome):
            return NotImplemented
        if self is _NOT_MET or other is _NOT_MET:
            return _NOT_MET
        if self is _UNKNOWN or other is _UNKNOWN:
            return _UNKNOWN
        return _MET

    def __or__(self, other: Outcome) -> Outcome:
        if not isinstance(other, Outcome):
            return NotImplemented
        if self is _MET or other is _MET:
            return _MET
        if self is _UNKNOWN or other is _UNKNOWN:
            return _UNKNOWN
        return _NOT_MET

    def __invert__(self) -> Outcome:
        # Identity tests, not a table: hashing an enum member runs Python code.
        if self is _MET:
            return _NOT_MET
        if self is _NOT_MET:
            return _MET
        return self

    def __bool__(self) -> bool:
        raise TypeError(
            "an Outcome is three-valued and has no truth value; "
            "compare it with Outcome.MET, Outcome.NOT_MET or Outcome.UNKNOWN"
        )

    def implies(self, other: Outcome) -> Outcome:
        """Kleene implication: ``~self | other``."""
        return ~self | other

    @classmethod
    def all_of(cls, outcomes: Iterable[Outcome]) -> Outcome:
        """Kleene conjunction of any number of outcomes (MET for none)."""
        result = cls.MET
        for outcome in outcomes:
            if outcome is cls.NOT_MET:
                return cls.NOT_MET
            if outcome is cls.UNKNOWN:
                result = cls.UNKNOWN
        return result

    @classmethod
    def any_of(cls, outcomes: Iterable[Outcome]) -> Outcome:
        """Kleene disjunction of any number of outcomes (NOT_MET for none)."""
        result = cls.NOT_MET
        for outcome in outcomes:
            if outcome is cls.MET:
                return cls.MET
            if outcome is cls.UNKNOWN:
                result = cls.UNKNOWN
        return result

    @classmethod
    def at_least(cls, k: int, outcomes: Iterable[Outcome]) -> Outcome:
        """MET when at least k are MET for sure, NOT_MET when fewer than k could be."""
        met = unknown = 0
        for outcome in outcomes:
            if outcome is cls.MET:
                met += 1
            elif outcome is cls.UNKNOWN:
                unknown += 1
        if met >= k:
            return cls.MET
        if met + unknown < k:
            return cls.NOT_MET
        return cls.UNKNOWN


# Module names for the members: reading ``Outcome.MET`` runs the enum's descriptor code.
_MET, _NOT_MET, _UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


class Determination(enum.Enum):
    """A protocol's verdict on one patient (docs/design.md, section 5)."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_REVIEW = "needs_review"

    def __repr__(self) -> str:
        return f"Determination.{self.name}"

    @classmethod
    def from_outcomes(
        cls, inclusion: Iterable[Outcome], exclusion: Iterable[Outcome], *,
        alive: Outcome = Outcome.MET,
    ) -> Determination:
        """The one determination rule (docs/design.md): INELIGIBLE if an inclusion is
        NOT_MET or an exclusion MET; ELIGIBLE if every inclusion is MET and every
        exclusion NOT_MET; else NEEDS_REVIEW.

        ``alive`` says whether the patient was alive on as_of: NOT_MET (surely died by
        then) makes them INELIGIBLE whatever the criteria say; UNKNOWN never lets them
        be ELIGIBLE. The outcomes are consumed lazily, so a generator stops early.

        >>> M, N, U = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
        >>> [Determination.from_outcomes([M], [N]), Determination.from_outcomes([M], [U]),
        ...  Determination.from_outcomes([M], [N], alive=N)]
        [Determination.ELIGIBLE, Determination.NEEDS_REVIEW, Determination.INELIGIBLE]
        """
        if alive is _NOT_MET:
            return cls.INELIGIBLE
        undecided = alive is _UNKNOWN
        for outcome in inclusion:
            if outcome is _NOT_MET:
                return cls.INELIGIBLE
            if outcome is _UNKNOWN:
                undecided = True
        for outcome in exclusion:
            if outcome is _MET:
                return cls.INELIGIBLE
            if outcome is _UNKNOWN:
                undecided = True
        return cls.NEEDS_REVIEW if undecided else cls.ELIGIBLE

"""Feasibility (attrition) report: what each criterion does to a screened population.

Counts only, so reports of partitions add up exactly to the report of the
whole: ``report(A) + report(B) == report(A + B)``. The definitions of every
count are in docs/how-to/feasibility.md; in short, a criterion *excludes* a patient
when it is an inclusion that is NOT_MET or an exclusion that is MET, and
*passes* when it is an inclusion that is MET or an exclusion that is NOT_MET.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any, Final, TypeVar

import attrs

from ..formats.records import LoadError
from ..protocol.protocol import Protocol, ProtocolResult
from ..values.errors import TrialRulesError
from ..values.outcomes import Determination, Outcome
from .batch import Decision

__all__ = ["CriterionCounts", "FeasibilityReport", "ReportMismatch", "Tally", "merge"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
SECTIONS: Final = ("inclusion", "exclusion")

#: Where each determination is counted in ``determinations``.
_SLOT: Final = {Determination.ELIGIBLE: 0, Determination.INELIGIBLE: 1,
                Determination.NEEDS_REVIEW: 2}

T = TypeVar("T", bound="ProtocolResult | Decision | LoadError")


class ReportMismatch(TrialRulesError, ValueError):
    """Two reports (or a report and a result) are not about the same protocol and as_of."""


def _count(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{attribute.name}={value!r} must be a whole number >= 0")


def _section(_: Any, __: Any, value: Any) -> None:
    if value not in SECTIONS:
        raise ValueError(f"section={value!r} must be 'inclusion' or 'exclusion'")


_COUNTS: Final = ("met", "not_met", "unknown", "alone", "gain", "undecided_alone",
                  "remaining", "certain")


@attrs.frozen
class CriterionCounts:
    """One top-level criterion's counts over a population (see docs/how-to/feasibility.md).

    - ``met`` / ``not_met`` / ``unknown``: patients with that outcome.
    - ``alone``: patients it excludes and no other criterion does (its sole cause of
      ineligibility).
    - ``gain``: patients who would be ELIGIBLE if it were dropped: it alone excludes
      them and every other criterion passes.
    - ``undecided_alone``: patients no criterion excludes and for whom it is the
      only UNKNOWN one (deciding this fact alone would settle them).
    - ``remaining``: the funnel: patients excluded neither by it nor by any criterion
      before it in protocol order.
    - ``certain``: patients passing it and every criterion before it.
    """

    id: str
    section: str = attrs.field(validator=_section)
    met: int = attrs.field(default=0, validator=_count)
    not_met: int = attrs.field(default=0, validator=_count)
    unknown: int = attrs.field(default=0, validator=_count)
    alone: int = attrs.field(default=0, validator=_count)
    gain: int = attrs.field(default=0, validator=_count)
    undecided_alone: int = attrs.field(default=0, validator=_count)
    remaining: int = attrs.field(default=0, validator=_count)
    certain: int = attrs.field(default=0, validator=_count)

    @property
    def excluded(self) -> int:
        """Patients this criterion excludes (inclusion NOT_MET, exclusion MET)."""
        return self.not_met if self.section == "inclusion" else self.met

    def __add__(self, other: CriterionCounts) -> CriterionCounts:
        if not isinstance(other, CriterionCounts):
            return NotImplemented
        if (self.id, self.section) != (other.id, other.section):
            raise ReportMismatch(f"cannot add counts of {self.id!r} and {other.id!r}")
        return CriterionCounts(self.id, self.section,
                               *(getattr(self, k) + getattr(other, k) for k in _COUNTS))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts with stable keys."""
        out: dict[str, Any] = {"id": self.id, "section": self.section}
        out.update((k, getattr(self, k)) for k in _COUNTS[:3])
        out["excluded"] = self.excluded
        out.update((k, getattr(self, k)) for k in _COUNTS[3:])
        return out


@attrs.frozen
class FeasibilityReport:
    """Attrition of one protocol over a population as of a date: frozen, and mergeable by ``+``.

    >>> from trialrules.protocols import get
    >>> p = get("NCT06228781")
    >>> r = FeasibilityReport.of(p, date(2027, 1, 4), [])
    >>> (r + r).screened, len(r.criteria)
    (0, 16)
    """

    protocol: str
    as_of: date
    criteria: tuple[CriterionCounts, ...]
    eligible: int = attrs.field(default=0, validator=_count)
    ineligible: int = attrs.field(default=0, validator=_count)
    needs_review: int = attrs.field(default=0, validator=_count)
    bad_records: int = attrs.field(default=0, validator=_count)
    #: Records whose id repeats one read before (each was screened and counted).
    duplicate_ids: int = attrs.field(default=0, validator=_count, kw_only=True)

    @classmethod
    def empty(cls, protocol: Protocol, as_of: date) -> FeasibilityReport:
        """The report of no patients: the unit of ``+``."""
        return cls(protocol.id, as_of, tuple(
            CriterionCounts(c.id or "", section)
            for section, group in (("inclusion", protocol.inclusion),
                                   ("exclusion", protocol.exclusion))
            for c in group))

    @classmethod
    def of(cls, protocol: Protocol, as_of: date,
           results: Iterable[ProtocolResult | Decision | LoadError]) -> FeasibilityReport:
        """The report of screening results (ProtocolResult, Decision or LoadError)."""
        tally = Tally(protocol, as_of)
        for item in results:
            tally.add(item)
        return tally.report()

    @property
    def screened(self) -> int:
        """Patients screened (bad records not included)."""
        return self.eligible + self.ineligible + self.needs_review

    @property
    def funnel(self) -> tuple[tuple[str, int, int], ...]:
        """``(criterion id, remaining, certain)`` after each criterion, in protocol order."""
        return tuple((c.id, c.remaining, c.certain) for c in self.criteria)

    def _key(self) -> tuple[Any, ...]:
        return (self.protocol, self.as_of, tuple((c.id, c.section) for c in self.criteria))

    def __add__(self, other: FeasibilityReport) -> FeasibilityReport:
        if not isinstance(other, FeasibilityReport):
            return NotImplemented
        if self._key() != other._key():
            raise ReportMismatch(
                f"cannot merge the report of {self.protocol} as of {self.as_of} with that of "
                f"{other.protocol} as of {other.as_of} (protocol, as_of and criteria must agree)")
        return FeasibilityReport(
            self.protocol, self.as_of,
            tuple(a + b for a, b in zip(self.criteria, other.criteria, strict=True)),
            self.eligible + other.eligible, self.ineligible + other.ineligible,
            self.needs_review + other.needs_review, self.bad_records + other.bad_records,
            duplicate_ids=self.duplicate_ids + other.duplicate_ids)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data with stable keys (``duplicate_ids`` only when some id repeated)."""
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "as_of": self.as_of.isoformat(),
            "screened": self.screened,
            "bad_records": self.bad_records,
            "determinations": {"eligible": self.eligible, "ineligible": self.ineligible,
                               "needs_review": self.needs_review},
            "criteria": [c.to_dict() for c in self.criteria],
            "funnel": [{"after": cid, "remaining": rem, "certain": cert}
                       for cid, rem, cert in self.funnel],
        }
        if self.duplicate_ids:
            out["duplicate_ids"] = self.duplicate_ids
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeasibilityReport:
        """The report back from :meth:`to_dict` (e.g. to merge reports written by separate runs)."""
        det = data["determinations"]
        return cls(data["protocol"], date.fromisoformat(data["as_of"]), tuple(
            CriterionCounts(c["id"], c["section"], *(c[k] for k in _COUNTS))
            for c in data["criteria"]),
            det["eligible"], det["ineligible"], det["needs_review"], data["bad_records"],
            duplicate_ids=data.get("duplicate_ids", 0))

    def render(self) -> str:
        """A readable table: determinations, then one row per criterion in protocol order."""
        total = self.screened

        def pct(n: int) -> str:
            return f"{100 * n / total:5.1f}%" if total else "    -"

        lines = [f"Feasibility of {self.protocol} as of {self.as_of.isoformat()}",
                 f"Patients screened: {total} (bad records, not screened: {self.bad_records})"]
        if self.duplicate_ids:
            lines.append(f"Warning: {self.duplicate_ids} records repeat an id read before "
                         "(each was screened and is counted)")
        for name, n in (("eligible", self.eligible), ("ineligible", self.ineligible),
                        ("needs review", self.needs_review)):
            lines.append(f"  {name:<13}{n:>10}  {pct(n)}")
        head = ("criterion", "met", "not met", "unknown", "excludes", "alone", "gain",
                "only open", "remaining", "certain")
        width = max([len(head[0]), *(len(c.id) for c in self.criteria)])
        rows: list[tuple[str, ...]] = [head, ("(start)", "", "", "", "", "", "", "", str(total), str(total))]
        rows += [(c.id, *(str(v) for v in (c.met, c.not_met, c.unknown, c.excluded, c.alone,
                                           c.gain, c.undecided_alone, c.remaining, c.certain)))
                 for c in self.criteria]
        lines.append("")
        for row in rows:
            lines.append(f"{row[0]:<{width}}" + "".join(f"{v:>10}" for v in row[1:]))
        lines += [
            "",
            "excludes: inclusion not met or exclusion met; alone: excluded by this criterion only;",
            "gain: would be eligible without this criterion; only open: not excluded, and this",
            "is the only unknown criterion; remaining: not excluded by this or any earlier",
            "criterion; certain: passed this and every earlier criterion.",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def merge(reports: Iterable[FeasibilityReport]) -> FeasibilityReport:
    """The sum of one or more reports of the same protocol and as_of."""
    it = iter(reports)
    try:
        total = next(it)
    except StopIteration:
        raise ReportMismatch("merge needs at least one report") from None
    for report in it:
        total = total + report
    return total


class Tally:
    """A running report: add results one at a time (constant memory), then :meth:`report`.

    >>> from trialrules.protocols import get
    >>> from trialrules.tools.batch import screen
    >>> p, day = get("NCT06228781"), date(2027, 1, 4)
    >>> tally = Tally(p, day)
    >>> for result in tally.track(screen(p, [{"id": "P1"}, {"id": 7}], day)):
    ...     pass
    >>> r = tally.report()
    >>> r.needs_review, r.bad_records
    (1, 1)
    """

    __slots__ = ("_counts", "_excludes", "_ids", "_k", "_n", "as_of", "bad",
                 "determinations", "duplicates", "protocol_id")

    def __init__(self, protocol: Protocol, as_of: date) -> None:
        self.protocol_id = protocol.id
        self.as_of = as_of
        self._ids = tuple(c.id or "" for c in protocol.criteria)
        self._k = len(protocol.inclusion)
        self._n = len(self._ids)
        # The outcome that excludes, per criterion: NOT_MET for inclusions, MET for exclusions.
        self._excludes = tuple(NOT_MET if i < self._k else MET for i in range(self._n))
        # Per criterion: met, not_met, unknown, alone, gain, undecided_alone, remaining, certain.
        self._counts = [[0] * 8 for _ in range(self._n)]
        self.determinations = [0, 0, 0]  # eligible, ineligible, needs_review
        self.bad = 0
        self.duplicates = 0

    def duplicate(self) -> None:
        """Count one record whose id was seen before (it is screened and counted as well)."""
        self.duplicates += 1

    def add(self, item: ProtocolResult | Decision | LoadError) -> None:
        """Count one result: a ProtocolResult, a batch Decision, or a LoadError (bad record)."""
        if isinstance(item, LoadError):
            self.bad += 1
            return
        if item.protocol != self.protocol_id or item.as_of != self.as_of:
            raise ReportMismatch(
                f"result of {item.protocol} as of {item.as_of} does not belong in a report of "
                f"{self.protocol_id} as of {self.as_of}")
        if isinstance(item, ProtocolResult):
            outcomes: tuple[Outcome, ...] = tuple(
                e.outcome for e in item.inclusion) + tuple(e.outcome for e in item.exclusion)
        else:
            outcomes = item.outcomes
        if len(outcomes) != self._n:
            raise ReportMismatch(f"result has {len(outcomes)} outcomes; the protocol has "
                                 f"{self._n} criteria")
        self.add_outcomes(outcomes, item.determination if item.death is not None else None)

    def add_outcomes(self, outcomes: tuple[Outcome, ...],
                     determination: Determination | None = None) -> None:
        """Count one patient from its top-level outcomes in protocol order.

        ``determination`` is given when something besides the criteria decided it (a
        patient who died by as_of): then no criterion counts as excluding them alone,
        and they remain at no step of the funnel if they are surely dead.
        """
        if determination is not None:
            self._add_decided(outcomes, determination)
            return
        counts = self._counts
        excludes = self._excludes
        n_excluded = n_open = 0
        first_excluded = first_open = -1
        excluded_yet = open_yet = False
        for i, outcome in enumerate(outcomes):
            row = counts[i]
            if outcome is MET:
                row[0] += 1
            elif outcome is NOT_MET:
                row[1] += 1
            else:
                row[2] += 1
            if outcome is excludes[i]:
                n_excluded += 1
                if first_excluded < 0:
                    first_excluded = i
                excluded_yet = True
            elif outcome is UNKNOWN:
                n_open += 1
                if first_open < 0:
                    first_open = i
                open_yet = True
            if not excluded_yet:
                row[6] += 1
                if not open_yet:
                    row[7] += 1
        determination = Determination.from_outcomes(outcomes[:self._k], outcomes[self._k:])
        self.determinations[_SLOT[determination]] += 1
        if determination is Determination.INELIGIBLE:
            if n_excluded == 1:
                counts[first_excluded][3] += 1
                if n_open == 0:
                    counts[first_excluded][4] += 1
        elif determination is Determination.NEEDS_REVIEW and n_open == 1:
            counts[first_open][5] += 1

    def _add_decided(self, outcomes: tuple[Outcome, ...], determination: Determination) -> None:
        for row, outcome in zip(self._counts, outcomes, strict=True):
            row[0 if outcome is MET else 1 if outcome is NOT_MET else 2] += 1
        self.determinations[_SLOT[determination]] += 1

    def track(self, items: Iterable[T]) -> Iterator[T]:
        """Pass ``items`` through unchanged, counting each on the way."""
        for item in items:
            self.add(item)
            yield item

    def report(self) -> FeasibilityReport:
        """The frozen report of everything added so far."""
        sections = ["inclusion"] * self._k + ["exclusion"] * (self._n - self._k)
        return FeasibilityReport(
            self.protocol_id, self.as_of,
            tuple(CriterionCounts(cid, sec, *row)
                  for cid, sec, row in zip(self._ids, sections, self._counts, strict=True)),
            self.determinations[0], self.determinations[1], self.determinations[2], self.bad,
            duplicate_ids=self.duplicates)

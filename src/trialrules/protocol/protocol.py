"""A protocol: inclusion and exclusion criteria, and the determination they give."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import attrs

from ..engine.context import Context
from ..engine.criterion import Criterion
from ..engine.explanations import Explanation, render
from ..values.domains import STANDARD_DOMAINS, Domain
from ..values.errors import InvalidCriterion
from ..values.outcomes import Determination, Outcome
from ..values.records import FrozenMap, Record

__all__ = ["Protocol", "ProtocolResult", "alive_on"]


def alive_on(record: Record, as_of: date) -> tuple[Outcome, str | None]:
    """Whether the patient was alive on ``as_of``, with the reason when not surely so.

    MET when no death is recorded or it is surely after ``as_of``; NOT_MET when
    the patient surely died on or before ``as_of`` (the day of death counts as
    dead); UNKNOWN when the death date's possible days straddle ``as_of``.

    >>> alive_on(Record("P1", death_date="2009-05-03"), date(2026, 1, 5))
    (Outcome.NOT_MET, 'patient died on 2009-05-03, on or before as_of 2026-01-05')
    """
    death = record.death_date
    if death is None or death.earliest > as_of:
        return Outcome.MET, None
    if death.latest <= as_of:
        return Outcome.NOT_MET, f"patient died on {death}, on or before as_of {as_of}"
    when = "on a day nobody recorded" if death.is_unknown else f"on {death}"
    return Outcome.UNKNOWN, f"patient died {when}, possibly on or before as_of {as_of}"


def _mortal(determination: Determination, alive: Outcome) -> Determination:
    """The determination once the patient's being alive on as_of is taken into account."""
    if alive is Outcome.NOT_MET:
        return Determination.INELIGIBLE
    if alive is Outcome.UNKNOWN and determination is Determination.ELIGIBLE:
        return Determination.NEEDS_REVIEW
    return determination


def _section(name: str, value: Iterable[Criterion]) -> tuple[Criterion, ...]:
    if isinstance(value, Criterion | str) or not isinstance(value, Iterable):
        raise InvalidCriterion(f"{name} must be a list of criteria, not {value!r}")
    out = []
    for i, item in enumerate(tuple(value), 1):
        if not isinstance(item, Criterion):
            raise InvalidCriterion(f"{name}[{i - 1}] = {item!r} is not a criterion")
        out.append(item if item.id is not None else item.with_id(f"{name}.{i}"))
    return tuple(out)


def _inclusion(value: Iterable[Criterion]) -> tuple[Criterion, ...]:
    return _section("inclusion", value)


def _exclusion(value: Iterable[Criterion]) -> tuple[Criterion, ...]:
    return _section("exclusion", value)


def _domains(value: Mapping[str, Domain] | None) -> FrozenMap:
    merged: dict[str, Domain] = dict(STANDARD_DOMAINS)
    if value is not None:
        if not isinstance(value, Mapping):
            raise InvalidCriterion(f"domains must map observation codes to Domain, not {value!r}")
        for code, domain in value.items():
            if not isinstance(domain, Domain):
                raise InvalidCriterion(f"domains[{code!r}] = {domain!r} is not a Domain")
            merged[code] = domain
    return FrozenMap(merged)


def _vocabulary(value: Mapping[str, Iterable[str]] | None) -> FrozenMap:
    if value is None:
        return FrozenMap()
    if not isinstance(value, Mapping):
        raise InvalidCriterion(f"vocabulary must map names to lists of codes, not {value!r}")
    out = {}
    for name, codes in value.items():
        if not isinstance(name, str) or not name:
            raise InvalidCriterion(f"vocabulary name {name!r} must be a non-empty string")
        if isinstance(codes, str) or not isinstance(codes, Iterable):
            raise InvalidCriterion(f"vocabulary[{name!r}] must be a list of SYSTEM:CODE codes")
        items = tuple(sorted(set(codes)))
        for code in items:
            if not isinstance(code, str) or ":" not in code:
                raise InvalidCriterion(
                    f"vocabulary[{name!r}] entry {code!r} must be a code written SYSTEM:CODE")
        out[name] = items
    return FrozenMap(out)


def _text(name: str) -> Any:
    def check(_: Any, __: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            raise InvalidCriterion(f"protocol {name} {value!r} must be a non-empty string")

    return check


@attrs.frozen(repr=False)
class Protocol:
    """A trial's eligibility: every inclusion must be MET and every exclusion NOT_MET.

    Criteria without an id get ``inclusion.N`` / ``exclusion.N`` in order.
    ``domains`` adds to (or overrides) the standard value domains.

    >>> from datetime import date
    >>> from trialrules import Age, Flag, Range, Record
    >>> trial = Protocol("T-1", "A trial", inclusion=[Range(Age(), 18, 60), Flag("consent")])
    >>> result = trial.evaluate(Record("P1", birth_date="1990-01-01"), date(2026, 6, 15))
    >>> result.determination, result.missing
    (Determination.NEEDS_REVIEW, ('flag consent',))
    """

    id: str = attrs.field(validator=_text("id"))
    title: str = attrs.field(validator=_text("title"))
    inclusion: tuple[Criterion, ...] = attrs.field(default=(), converter=_inclusion,
                                                   kw_only=True)
    exclusion: tuple[Criterion, ...] = attrs.field(default=(), converter=_exclusion,
                                                   kw_only=True)
    domains: FrozenMap = attrs.field(default=None, converter=_domains, kw_only=True)
    #: The protocol's observation and flag names mapped to the codes other formats
    #: (FHIR) use for them, so one protocol screens both kinds of input.
    vocabulary: FrozenMap = attrs.field(default=None, converter=_vocabulary, kw_only=True)

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for criterion in self.criteria:
            for node in criterion.walk():
                if node.id is None:
                    continue
                if node.id in seen:
                    raise InvalidCriterion(
                        f"protocol {self.id}: criterion id {node.id!r} is used twice")
                seen.add(node.id)

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """Inclusions then exclusions, in protocol order."""
        return self.inclusion + self.exclusion

    def criterion(self, criterion_id: str) -> Criterion:
        """The top-level criterion with this id."""
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def decide(self, record: Record, as_of: date) -> Determination:
        """The determination alone: the fast path for batch screening."""
        ctx = Context(record, as_of, self.domains, self.vocabulary)
        if record.death_date is not None:
            alive = alive_on(record, as_of)[0]
            if alive is not Outcome.MET:
                outcomes = [c._decide(ctx) for c in self.criteria]
                k = len(self.inclusion)
                return _mortal(Determination.from_outcomes(outcomes[:k], outcomes[k:]), alive)
        undecided = False
        for criterion in self.inclusion:
            outcome = criterion._decide(ctx)
            if outcome is Outcome.NOT_MET:
                return Determination.INELIGIBLE
            undecided = undecided or outcome is Outcome.UNKNOWN
        for criterion in self.exclusion:
            outcome = criterion._decide(ctx)
            if outcome is Outcome.MET:
                return Determination.INELIGIBLE
            undecided = undecided or outcome is Outcome.UNKNOWN
        return Determination.NEEDS_REVIEW if undecided else Determination.ELIGIBLE

    def outcomes(self, record: Record, as_of: date) -> dict[str, Outcome]:
        """Every top-level criterion's outcome by id, without explanations."""
        ctx = Context(record, as_of, self.domains, self.vocabulary)
        return {c.id or "": c._decide(ctx) for c in self.criteria}

    def evaluate(self, record: Record, as_of: date) -> ProtocolResult:
        """Evaluate every criterion and explain the determination."""
        ctx = Context(record, as_of, self.domains, self.vocabulary)
        inclusion = tuple([c._explain(ctx, c.id) for c in self.inclusion])
        exclusion = tuple([c._explain(ctx, c.id) for c in self.exclusion])
        determination = Determination.from_outcomes(
            [e.outcome for e in inclusion], [e.outcome for e in exclusion])
        if record.death_date is None:
            return ProtocolResult(self.id, record.id, as_of, determination, inclusion, exclusion)
        alive, death = alive_on(record, as_of)
        return ProtocolResult(self.id, record.id, as_of, _mortal(determination, alive),
                              inclusion, exclusion, death=death,
                              death_undecided=alive is Outcome.UNKNOWN)

    def to_dict(self) -> dict[str, Any]:
        """The protocol document as plain data, with its ``"trialrules"`` format version."""
        from ..formats.protocols import protocol_to_dict

        return protocol_to_dict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Protocol:
        """The protocol a document describes; errors name the JSON path (``protocol_from_dict``)."""
        from ..formats.protocols import protocol_from_dict

        return protocol_from_dict(data)

    def __repr__(self) -> str:
        args = [repr(self.id), repr(self.title), f"inclusion={list(self.inclusion)!r}",
                f"exclusion={list(self.exclusion)!r}"]
        extra = {k: v for k, v in self.domains.items() if STANDARD_DOMAINS.get(k) != v}
        if extra:
            args.append(f"domains={extra!r}")
        if self.vocabulary:
            args.append(f"vocabulary={dict(self.vocabulary)!r}")
        return f"Protocol({', '.join(args)})"


@attrs.frozen
class ProtocolResult:
    """A patient's determination under a protocol, with every criterion's explanation."""

    protocol: str
    patient: str
    as_of: date
    determination: Determination
    inclusion: tuple[Explanation, ...]
    exclusion: tuple[Explanation, ...]
    #: Why the patient is not taken as alive on as_of (None when they are): a patient
    #: who died on or before as_of is INELIGIBLE whatever the criteria say.
    death: str | None = attrs.field(default=None, kw_only=True)
    #: True when the death date's possible days straddle as_of (then never ELIGIBLE).
    death_undecided: bool = attrs.field(default=False, kw_only=True)

    @property
    def criteria(self) -> tuple[Explanation, ...]:
        """Inclusion then exclusion results, in protocol order."""
        return self.inclusion + self.exclusion

    @property
    def deciding(self) -> tuple[Explanation, ...]:
        """The criteria that made the patient ineligible (failed inclusions, met exclusions)."""
        return tuple(e for e in self.inclusion if e.outcome is Outcome.NOT_MET) + tuple(
            e for e in self.exclusion if e.outcome is Outcome.MET)

    @property
    def undecided(self) -> tuple[Explanation, ...]:
        """The criteria still UNKNOWN."""
        return tuple(e for e in self.criteria if e.outcome is Outcome.UNKNOWN)

    @property
    def missing(self) -> tuple[str, ...]:
        """Facts that would decide the undecided criteria, each once."""
        seen: dict[str, None] = {}
        for e in self.undecided:
            seen.update(dict.fromkeys(e.all_missing()))
        if self.death_undecided:
            seen["exact date of death"] = None
        return tuple(seen)

    def outcome(self, criterion_id: str) -> Outcome:
        """The outcome of one criterion (top-level or nested) by id."""
        for e in self.criteria:
            hit = e.find(criterion_id)
            if hit is not None:
                return hit.outcome
        raise KeyError(criterion_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data with stable keys."""
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "id": self.patient,
            "as_of": self.as_of.isoformat(),
            "determination": self.determination.value,
            "inclusion": [e.to_dict() for e in self.inclusion],
            "exclusion": [e.to_dict() for e in self.exclusion],
            "deciding": [e.id for e in self.deciding],
            "undecided": [e.id for e in self.undecided],
            "missing": list(self.missing),
        }
        if self.death is not None:
            out["death"] = self.death
        return out

    def __str__(self) -> str:
        head = (f"{self.patient}: {self.determination.value.upper().replace('_', ' ')} "
                f"for {self.protocol} as of {self.as_of.isoformat()}")
        parts = [head]
        if self.death is not None:
            parts.append(f"The {self.death}: never eligible as if alive.")
        parts.append("Inclusion criteria:")
        parts += [render(e, 1) for e in self.inclusion]
        parts.append("Exclusion criteria:")
        parts += [render(e, 1) for e in self.exclusion]
        if self.missing:
            parts.append("Facts that would decide the undecided criteria:")
            parts += [f"  - {m}" for m in self.missing]
        return "\n".join(parts)

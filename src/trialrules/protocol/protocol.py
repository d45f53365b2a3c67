"""A protocol: inclusion and exclusion criteria, and the determination they give."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from itertools import repeat
from operator import attrgetter, methodcaller
from typing import Any, Final

import attrs

from ..engine.context import Context, check_as_of
from ..engine.criterion import Criterion
from ..engine.explanations import Explanation, render
from ..engine.trace import Memo, explain
from ..values.checks import MAX_TEXT, key_segment
from ..values.domains import STANDARD_DOMAINS, Domain
from ..values.errors import InvalidCriterion
from ..values.outcomes import Determination, Outcome
from ..values.records import FrozenMap, Record
from ..values.text import escape, name_problem

__all__ = ["FORMAT_VERSION", "Batch", "Protocol", "ProtocolResult", "alive_on"]

#: The protocol document format this library writes and the newest it reads.
FORMAT_VERSION: Final = 1

#: The protocol document reader, installed by trialrules.formats.protocols (a higher layer).
_READER: Callable[[Any], Protocol] | None = None


def install_reader(reader: Callable[[Any], Protocol]) -> None:
    """Let ``Protocol.from_dict`` use the document reader of the formats layer."""
    global _READER
    _READER = reader


def alive_on(record: Record, as_of: date) -> tuple[Outcome, str | None]:
    """Whether the patient was alive on ``as_of``, with the reason when not surely so.

    MET when no death is recorded or it is surely after ``as_of``; NOT_MET when
    the patient surely died on or before ``as_of`` (the day of death counts as
    dead); UNKNOWN when the death date's possible days straddle ``as_of``.

    >>> alive_on(Record("P1", death_date="2009-05-03"), date(2026, 1, 5))
    (Outcome.NOT_MET, 'patient died on 2009-05-03, on or before the reference date 2026-01-05')
    """
    death = record.death_date
    if death is None or death.earliest > as_of:
        return _ALIVE
    if death.latest <= as_of:
        return Outcome.NOT_MET, f"patient died on {death}, on or before the reference date {as_of}"
    when = "on a day nobody recorded" if death.is_unknown else f"on {death}"
    return Outcome.UNKNOWN, f"patient died {when}, possibly on or before the reference date {as_of}"


#: An explanation's outcome.
_outcome: Final = attrgetter("outcome")

#: What alive_on says of a patient surely alive on as_of.
_ALIVE: Final = (Outcome.MET, None)


def _section(name: str, value: Iterable[Criterion]) -> tuple[Criterion, ...]:
    if isinstance(value, Criterion | str) or not isinstance(value, Iterable):
        raise InvalidCriterion(f"{name} must be a list of criteria, not {value!r}",
                               field=name, value=value, allowed="a list of criteria")
    out = []
    for i, item in enumerate(tuple(value), 1):
        if not isinstance(item, Criterion):
            raise InvalidCriterion(f"{name}[{i - 1}] = {item!r} is not a criterion",
                                   field=f"{name}[{i - 1}]", value=item, allowed="a criterion")
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
            raise InvalidCriterion(f"domains must map observation codes to Domain, not {value!r}",
                                   field="domains", value=value,
                                   allowed="a mapping of observation codes to Domain")
        for code, domain in value.items():
            if not isinstance(domain, Domain):
                raise InvalidCriterion(f"domains[{code!r}] = {domain!r} is not a Domain",
                                       field=f"domains.{key_segment(str(code))}", value=domain,
                                       allowed="a Domain")
            if not isinstance(code, str) or name_problem(code):
                problem = name_problem(code) if isinstance(code, str) else "a non-string name"
                raise InvalidCriterion(f"domains key {code!r} must not hold {problem}",
                                       field="domains", value=code,
                                       allowed=f"observation codes without {problem}")
            merged[code] = domain
    return FrozenMap(merged)


def _vocabulary(value: Mapping[str, Iterable[str]] | None) -> FrozenMap:
    if value is None:
        return FrozenMap()
    if not isinstance(value, Mapping):
        raise InvalidCriterion(f"vocabulary must map names to lists of codes, not {value!r}",
                               field="vocabulary", value=value,
                               allowed="a mapping of names to lists of codes")
    out = {}
    for name, codes in value.items():
        if not isinstance(name, str) or not name:
            raise InvalidCriterion(f"vocabulary name {name!r} must be a non-empty string",
                                   field="vocabulary", value=name,
                                   allowed="names as non-empty strings")
        if name_problem(name):
            raise InvalidCriterion(f"vocabulary name {name!r} must not hold {name_problem(name)}",
                                   field="vocabulary", value=name,
                                   allowed=f"names without {name_problem(name)}")
        where = f"vocabulary.{key_segment(name)}"
        if isinstance(codes, str) or not isinstance(codes, Iterable):
            raise InvalidCriterion(f"vocabulary[{name!r}] must be a list of SYSTEM:CODE codes",
                                   field=where, value=codes,
                                   allowed="a list of codes written SYSTEM:CODE")
        listed = list(codes)
        for i, code in enumerate(listed):  # in the order given: an error names the first
            if (not isinstance(code, str) or ":" not in code or len(code) > MAX_TEXT
                    or name_problem(code)):
                raise InvalidCriterion(
                    f"vocabulary[{name!r}] entry {code!r} must be a code written SYSTEM:CODE",
                    field=f"{where}[{i}]", value=code,
                    allowed="a code written SYSTEM:CODE, without control characters")
        out[name] = tuple(sorted(set(listed)))
    return FrozenMap(out)


def _text(name: str) -> Any:
    def check(_: Any, __: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            raise InvalidCriterion(f"protocol {name} {value!r} must be a non-empty string",
                                   field=name, value=value, allowed="a non-empty string")
        if name == "id" and name_problem(value):
            raise InvalidCriterion(f"protocol id {value!r} must not hold {name_problem(value)}",
                                   field=name, value=value,
                                   allowed=f"an id without {name_problem(value)}")

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
                        f"protocol {self.id}: criterion id {node.id!r} is used twice",
                        value=node.id, allowed="criterion ids each used once")
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

    def batch(self, as_of: date) -> Batch:
        """An evaluation of many records as of one date, sharing the work they have in common.

        >>> from datetime import date
        >>> from trialrules import Flag, Record
        >>> batch = Protocol("T-1", "A trial", inclusion=[Flag("consent")]).batch(date(2026, 1, 1))
        >>> [batch.decide(Record(p, flags={"consent": c})).value for p, c in (("A", True), ("B", False))]
        ['eligible', 'ineligible']
        """
        return Batch(self, as_of)

    def decide(self, record: Record, as_of: date) -> Determination:
        """The determination alone: every criterion judged with the tracing off."""
        return Batch(self, as_of).decide(record)

    def outcomes(self, record: Record, as_of: date) -> dict[str, Outcome]:
        """Every top-level criterion's outcome by id, without explanations."""
        return Batch(self, as_of).outcomes(record)

    def evaluate(self, record: Record, as_of: date) -> ProtocolResult:
        """Evaluate every criterion and explain the determination."""
        return Batch(self, as_of).evaluate(record)

    def to_dict(self) -> dict[str, Any]:
        """The protocol document as plain data, with its ``"trialrules"`` format version."""
        out: dict[str, Any] = {
            "trialrules": FORMAT_VERSION,
            "id": self.id,
            "title": self.title,
            "inclusion": [c.to_dict() for c in self.inclusion],
            "exclusion": [c.to_dict() for c in self.exclusion],
        }
        # Domains equal to the standard ones are left out; a reader adds them back.
        domains = {code: domain.to_dict() for code, domain in self.domains.items()
                   if STANDARD_DOMAINS.get(code) != domain}
        if domains:
            out["domains"] = domains
        if self.vocabulary:
            out["vocabulary"] = {name: list(codes) for name, codes in self.vocabulary.items()}
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Protocol:
        """The protocol a document describes; errors name the JSON path.

        (The reader is :func:`trialrules.formats.protocols.protocol_from_dict`,
        a layer above; this entry point forwards to the one registered there.)
        """
        if _READER is None:  # pragma: no cover - trialrules/__init__ imports the formats
            raise RuntimeError("import trialrules.formats.protocols to read protocol documents")
        return _READER(data)

    def __repr__(self) -> str:
        args = [repr(self.id), repr(self.title), f"inclusion={list(self.inclusion)!r}",
                f"exclusion={list(self.exclusion)!r}"]
        extra = {k: v for k, v in self.domains.items() if STANDARD_DOMAINS.get(k) != v}
        if extra:
            args.append(f"domains={extra!r}")
        if self.vocabulary:
            args.append(f"vocabulary={dict(self.vocabulary)!r}")
        return f"Protocol({', '.join(args)})"


class Batch:
    """One protocol evaluated as of one date, for one record or many.

    The work records share (window starts, phrases, explanation nodes that
    recur across patients) is kept here and goes away with the batch; nothing
    is kept between batches.
    """

    __slots__ = ("_ids", "as_of", "memo", "protocol")

    def __init__(self, protocol: Protocol, as_of: date) -> None:
        self.protocol = protocol
        self.as_of = check_as_of(as_of)
        self.memo = Memo()
        #: The node ids of the inclusion and the exclusion criteria, in order.
        self._ids = ([c.id for c in protocol.inclusion], [c.id for c in protocol.exclusion])

    def context(self, record: Record) -> Context:
        """The evaluation context of one record in this batch."""
        p = self.protocol
        return Context(record, self.as_of, p.domains, p.vocabulary, self.memo)

    def decide(self, record: Record) -> Determination:
        """The determination alone; stops at the first criterion that makes it ineligible."""
        ctx = self.context(record)
        p = self.protocol
        judged = methodcaller("judge", ctx, None)  # judged lazily: the rule stops early
        return Determination.from_outcomes(map(judged, p.inclusion), map(judged, p.exclusion),
                                           alive=alive_on(record, self.as_of)[0])

    def outcomes(self, record: Record) -> dict[str, Outcome]:
        """Every top-level criterion's outcome by id, without explanations."""
        return dict(zip([c.id or "" for c in self.protocol.criteria], self.judge_all(record),
                        strict=True))

    def judge_all(self, record: Record) -> tuple[Outcome, ...]:
        """Every top-level criterion's outcome, in protocol order, without explanations."""
        ctx = self.context(record)
        return tuple([c.judge(ctx, None) for c in self.protocol.criteria])

    def evaluate(self, record: Record) -> ProtocolResult:
        """Every criterion explained, and the determination."""
        ctx = self.context(record)
        p = self.protocol
        inclusion = tuple(map(explain, p.inclusion, repeat(ctx), self._ids[0]))
        exclusion = tuple(map(explain, p.exclusion, repeat(ctx), self._ids[1]))
        alive, death = alive_on(record, self.as_of)
        determination = Determination.from_outcomes(
            map(_outcome, inclusion), map(_outcome, exclusion), alive=alive)
        return ProtocolResult(p.id, record.id, self.as_of, determination, inclusion, exclusion,
                              death=death, death_undecided=alive is Outcome.UNKNOWN)


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
        parts = [escape(head)]
        if self.death is not None:
            parts.append(f"The {self.death}: never eligible as if alive.")
        parts.append("Inclusion criteria:")
        parts += [render(e, 1) for e in self.inclusion]
        parts.append("Exclusion criteria:")
        parts += [render(e, 1) for e in self.exclusion]
        if self.missing:
            parts.append("Facts that would decide the undecided criteria:")
            parts += [escape(f"  - {m}") for m in self.missing]
        return "\n".join(parts)

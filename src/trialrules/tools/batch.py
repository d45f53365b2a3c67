"""Batch screening: many records through one protocol, lazily, nothing lost."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any, Literal

import attrs

from ..engine.explanations import Explanation
from ..engine.trace import explain as explain_node
from ..formats.records import LoadError, LoadMemo, record_from_dict
from ..protocol.protocol import Protocol, ProtocolResult, alive_on
from ..values.errors import InvalidRecord, TrialRulesError, _short
from ..values.outcomes import Determination, Outcome
from ..values.records import Record

__all__ = ["Decision", "screen"]

Item = Record | Mapping[str, Any] | LoadError | tuple[int, Any]


@attrs.frozen
class Decision:
    """A light screening result: the determination and each top-level criterion's outcome.

    What ``screen(..., explain=False)`` yields: no explanation tree, no reason
    strings, so a population screens at the speed of :meth:`Protocol.decide`.
    ``criteria`` holds the criterion ids in protocol order (inclusions first),
    ``outcomes`` the matching outcomes.
    """

    protocol: str
    patient: str
    as_of: date
    determination: Determination
    criteria: tuple[str, ...]
    outcomes: tuple[Outcome, ...]
    inclusions: int = attrs.field(kw_only=True)
    #: Why the patient is not taken as alive on as_of (see ProtocolResult.death).
    death: str | None = attrs.field(default=None, kw_only=True)
    #: True when the death date's possible days straddle as_of (see ProtocolResult).
    death_undecided: bool = attrs.field(default=False, kw_only=True)
    #: With ``screen(..., explain="deciding")``: the explanations of the criteria that
    #: decide the determination, in protocol order: the failed inclusions and met exclusions
    #: of an INELIGIBLE patient, the undecided criteria of a NEEDS_REVIEW one; else empty.
    explained: tuple[Explanation, ...] = attrs.field(default=(), kw_only=True)

    def outcome(self, criterion_id: str) -> Outcome:
        """The outcome of one top-level criterion by id."""
        try:
            return self.outcomes[self.criteria.index(criterion_id)]
        except ValueError:
            raise KeyError(criterion_id) from None

    @property
    def deciding(self) -> tuple[str, ...]:
        """Ids of the criteria that made the patient ineligible."""
        k = self.inclusions
        return tuple(c for i, (c, o) in enumerate(zip(self.criteria, self.outcomes, strict=True))
                     if o is (Outcome.NOT_MET if i < k else Outcome.MET))

    @property
    def undecided(self) -> tuple[str, ...]:
        """Ids of the criteria still UNKNOWN."""
        return tuple(c for c, o in zip(self.criteria, self.outcomes, strict=True)
                     if o is Outcome.UNKNOWN)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data with stable keys."""
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "id": self.patient,
            "as_of": self.as_of.isoformat(),
            "determination": self.determination.value,
            "outcomes": {c: o.value for c, o in zip(self.criteria, self.outcomes, strict=True)},
            "deciding": list(self.deciding),
            "undecided": list(self.undecided),
        }
        if self.death is not None:
            out["death"] = self.death
        return out


def _ids(protocol: Protocol) -> tuple[str, ...]:
    return tuple(c.id or "" for c in protocol.criteria)


def screen(protocol: Protocol, records: Iterable[Item], as_of: date, *,
           explain: bool | Literal["deciding"] = True
           ) -> Iterator[ProtocolResult | Decision | LoadError]:
    """Screen records one at a time (constant memory); a bad one comes out as a LoadError.

    ``records`` may hold Records, parsed patient objects (dicts), LoadErrors
    from a reader, or ``(line, item)`` pairs as :func:`~trialrules.formats.records.read_jsonl`
    yields them; the stream never stops on a bad record. With ``explain=False``
    each result is a light :class:`Decision` instead of a full
    :class:`~trialrules.protocol.protocol.ProtocolResult`; with ``explain="deciding"``
    a :class:`Decision` that also holds the explanations of the criteria that decide it
    (``Decision.explained``), each the node a full evaluation gives, and no others.

    >>> from trialrules.protocols import get
    >>> [r.determination for r in screen(get("NCT06228781"), [{"id": "P1"}], date(2027, 1, 4),
    ...                                  explain=False)]
    [Determination.NEEDS_REVIEW]
    """
    batch = protocol.batch(as_of)  # one memo for every record of this screening
    loaded = LoadMemo()  # and one for what the loader has checked
    ids = _ids(protocol)
    k = len(protocol.inclusion)
    criteria = protocol.criteria
    deciding = explain == "deciding"
    full = bool(explain) and not deciding
    for position, item in enumerate(records, 1):
        line = position
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], int):
            line, item = item
        if isinstance(item, LoadError):
            yield item
            continue
        try:
            record = item if isinstance(item, Record) else record_from_dict(
                item, domains=protocol.domains, line=line, memo=loaded)
            if full:
                yield batch.evaluate(record)
            else:
                ctx = batch.context(record)
                outcomes = tuple([c.judge(ctx, None) for c in criteria])
                alive, death = alive_on(record, as_of)
                determination = Determination.from_outcomes(outcomes[:k], outcomes[k:],
                                                            alive=alive)
                explained: tuple[Explanation, ...] = ()
                if deciding and determination is not ELIGIBLE:
                    # The same nodes Batch.evaluate builds, on the same context: only those
                    # the determination rests on.
                    explained = tuple([
                        explain_node(c, ctx, c.id) for i, (c, o) in enumerate(zip(
                            criteria, outcomes, strict=True))
                        if (o is UNKNOWN if determination is NEEDS_REVIEW
                            else o is (NOT_MET if i < k else MET))])
                yield Decision(protocol.id, record.id, as_of, determination, ids, outcomes,
                               inclusions=k, death=death,
                               death_undecided=alive is UNKNOWN, explained=explained)
        except InvalidRecord as exc:
            yield LoadError(line, exc.patient, exc.field,
                            f"got {_short(exc.value)}; expected {exc.allowed}")
        except TrialRulesError as exc:
            yield LoadError(line, _item_id(item), None, str(exc))
        except RecursionError:
            yield LoadError(line, _item_id(item), None, "nested too deeply")


ELIGIBLE, NEEDS_REVIEW = Determination.ELIGIBLE, Determination.NEEDS_REVIEW
MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def _item_id(item: Any) -> str | None:
    pid = item.get("id") if isinstance(item, Mapping) else getattr(item, "id", None)
    return pid if isinstance(pid, str) else None

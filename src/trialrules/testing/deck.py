"""The case deck: labelled boundary cases of a protocol, reviewed once and committed.

A test that regenerates its expected outcomes from the protocol under test
proves nothing: a wrong protocol agrees with itself. A *deck* freezes the
cases and their expected outcomes in a file (JSON Lines, one case a line)
that a person reviews line by line in its table (markdown or CSV: the
registry text, what the case varies, the expected outcome) and commits. The
test then evaluates the protocol on the frozen deck and reports every case
whose outcome changed, with the signed-off explanation and today's.

The deck holds, for every top-level criterion and every requested reference
date, the criterion's boundary cases (:func:`trialrules.testing.boundary_cases`)
plus the cases that tell a protocol's details apart (docs/testing.md):

- code-set cases: each listed code and prefix, the codes just outside each
  prefix, a code of another system (:mod:`._codeset_cases`);
- recency cases: an old observation still counts when no window limits it
  (:mod:`._recency`);
- window edges on the reference dates that tell each span from its
  neighbours, "1 month" from "30 days" (:mod:`._refdates`).

Every label comes from the criterion's own numbers, never from the evaluator;
the generator then evaluates each case and refuses to write a deck on which
the library disagrees with its own labels (that is a bug to report).

>>> from datetime import date
>>> from trialrules import Protocol, Range
>>> trial = Protocol("T-1", "A trial", inclusion=[Range("edss", 3, 6, label="EDSS 3-6")])
>>> deck = make_deck(trial, date(2026, 11, 27))
>>> wrong = Protocol("T-1", "A trial", inclusion=[Range("edss", 3, 6, low_inclusive=False)])
>>> [str(change.case) for change in check_deck(wrong, deck)]
['inclusion.1 as of 2026-11-27: edss 3 (on the low bound, inclusive) -> MET']
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from ..engine.criterion import Criterion
from ..engine.explanations import Explanation, render
from ..formats.records import record_from_dict, record_to_dict
from ..protocol.protocol import Protocol
from ..values.errors import TrialRulesError
from ..values.outcomes import Outcome
from ..values.records import Record
from . import _leaves
from ._codeset_cases import codeset_cases
from ._facts import build
from ._recency import recency_cases
from ._refdates import reference_dates, window_spans
from .boundaries import Builder, _oracle

__all__ = ["ChangedCase", "Deck", "DeckCase", "DeckDifference", "assert_deck", "assert_deck_case",
           "check_deck", "diff_decks", "diff_summary", "load_deck", "make_deck", "report"]


@attrs.frozen
class DeckCase:
    """One reviewed case: a patient, a reference date, a criterion and its expected outcome.

    ``id`` is derived from the content (criterion, date and patient facts), so
    it is the same each time the case is generated; ``varies`` says in words
    what the case puts on which side of which boundary; ``text`` is the
    criterion's registry text; ``explanation`` is the explanation signed off
    with the outcome.
    """

    id: str
    target: str
    as_of: date
    expected: Outcome
    varies: str
    record: Record
    probe: str | None = None
    text: str = ""
    explanation: str = ""

    def __str__(self) -> str:
        return f"{self.target} as of {self.as_of}: {self.varies} -> {self.expected.name}"

    def to_dict(self) -> dict[str, Any]:
        """One JSON Lines object (keys sorted when written)."""
        return {"id": self.id, "target": self.target, "probe": self.probe,
                "as_of": self.as_of.isoformat(), "expected": self.expected.name,
                "varies": self.varies, "text": self.text, "explanation": self.explanation,
                "record": record_to_dict(self.record)}

    @classmethod
    def from_dict(cls, data: Any, protocol: Protocol | None = None, line: int | None = None
                  ) -> DeckCase:
        """The case :meth:`to_dict` wrote; the record is checked against the protocol's domains."""
        where = f"line {line}: " if line is not None else ""
        if not isinstance(data, dict):
            raise TrialRulesError(f"{where}a deck case must be a JSON object, got {data!r}")
        missing = [k for k in ("id", "target", "as_of", "expected", "record") if k not in data]
        if missing:
            raise TrialRulesError(f"{where}deck case lacks {', '.join(missing)}; regenerate the "
                                  "deck with `trialrules cases`")
        try:
            expected = Outcome[data["expected"]]
        except (KeyError, TypeError):
            raise TrialRulesError(f"{where}expected={data['expected']!r} is not MET, NOT_MET "
                                  "or UNKNOWN") from None
        try:
            as_of = date.fromisoformat(data["as_of"])
        except (TypeError, ValueError):
            raise TrialRulesError(f"{where}as_of={data['as_of']!r} is not a date "
                                  "YYYY-MM-DD") from None
        record = record_from_dict(data["record"],
                                  domains=None if protocol is None else protocol.domains,
                                  line=line)
        return cls(str(data["id"]), str(data["target"]), as_of, expected,
                   str(data.get("varies", "")), record, data.get("probe"),
                   str(data.get("text", "")), str(data.get("explanation", "")))


@attrs.frozen
class Deck:
    """A protocol's cases, sorted by criterion (protocol order), probed node, date and text."""

    protocol: str
    cases: tuple[DeckCase, ...]

    def __len__(self) -> int:
        return len(self.cases)

    def to_jsonl(self) -> str:
        """One case per line, keys sorted: the file to commit."""
        return "".join(json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
                       for c in self.cases)

    @classmethod
    def from_jsonl(cls, text: str, protocol: Protocol | None = None) -> Deck:
        """Read a deck; ``protocol`` supplies the value domains its records are checked with."""
        cases = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TrialRulesError(f"line {number}: not JSON ({exc.msg})") from None
            cases.append(DeckCase.from_dict(data, protocol, number))
        name = protocol.id if protocol is not None else ""
        return cls(name, tuple(cases))

    def to_markdown(self) -> str:
        """The review table: one section per criterion, one row per case."""
        lines = [f"# Case deck: {self.protocol}", "",
                 f"{len(self.cases)} cases. Review each row: does the patient described give "
                 "the expected outcome under the registry text? Commit the deck once every row "
                 "is right; `trialrules check` then reports any case whose outcome changes.",
                 ""]
        current: str | None = None
        for case in self.cases:
            if case.target != current:
                current = case.target
                lines += ["", f"## {case.target}: {_cell(case.text)}", "",
                          "| id | as of | probed | what the case varies | expected |",
                          "| --- | --- | --- | --- | --- |"]
            lines.append(f"| `{case.id}` | {case.as_of} | {case.probe or ''} | "
                         f"{_cell(case.varies)} | {case.expected.name} |")
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """The review table as CSV: id, target, registry text, probed node, date, varies, expected."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "target", "registry_text", "probe", "as_of", "varies", "expected"])
        for c in self.cases:
            writer.writerow([c.id, c.target, c.text, c.probe or "", c.as_of.isoformat(),
                             c.varies, c.expected.name])
        return out.getvalue()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def load_deck(path: str | Path, protocol: Protocol | None = None) -> Deck:
    """Read a committed deck file (JSON Lines)."""
    text = Path(path).read_text(encoding="utf-8")
    deck = Deck.from_jsonl(text, protocol)
    return deck if protocol is not None else attrs.evolve(deck, protocol=Path(path).stem)


# -- generation -----------------------------------------------------------------


class DeckBuilder(Builder):
    """Boundary cases plus code-set, recency and reference-date cases, on the requested dates."""

    def __init__(self, protocol: Protocol, requested: Iterable[date]) -> None:
        super().__init__(protocol.domains)
        self.requested = frozenset(requested)

    def _compute_leaf(self, leaf: Criterion, as_of: date) -> list[_leaves.LeafCase]:
        base = super()._compute_leaf(leaf, as_of)
        if as_of not in self.requested:
            return base  # a sibling realized on another case's reference date
        out = list(base)
        out += codeset_cases(leaf, as_of, base, _oracle)
        out += recency_cases(leaf, as_of, base)
        for day, why in reference_dates(window_spans(leaf), as_of):
            if day == as_of:
                continue
            out += [attrs.evolve(c, description=f"as of {day} ({why}): {c.description}")
                    for c in super()._compute_leaf(leaf, day) if c.as_of == day]
        return out


def _digest(target: str, as_of: date, record: Record) -> str:
    data = record_to_dict(record)
    data.pop("id", None)
    text = json.dumps({"target": target, "as_of": as_of.isoformat(), "record": data},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _alone(protocol: Protocol, criterion: Criterion) -> Protocol:
    """The protocol reduced to one criterion (same domains and vocabulary): evaluated
    through the public API only, so a deck outlives changes to the evaluator's insides."""
    return attrs.evolve(protocol, inclusion=[criterion], exclusion=[])


def _explain(protocol: Protocol, criterion: Criterion, record: Record, as_of: date) -> Explanation:
    return _alone(protocol, criterion).evaluate(record, as_of).inclusion[0]


def _decide(protocol: Protocol, criterion: Criterion, record: Record, as_of: date) -> Outcome:
    return _alone(protocol, criterion).outcomes(record, as_of)[criterion.id or ""]


def make_deck(protocol: Protocol, as_of: date | Sequence[date]) -> Deck:
    """Every case of every top-level criterion of ``protocol``, on each reference date.

    Raises ``TrialRulesError`` if the library's outcome differs from a label
    on any case (a bug in trialrules: please report it with the message).
    """
    if not isinstance(protocol, Protocol):
        raise TypeError(f"make_deck() takes a Protocol, got {type(protocol).__name__}")
    dates = [as_of] if isinstance(as_of, date) else list(dict.fromkeys(as_of))
    if not dates or not all(isinstance(d, date) for d in dates):
        raise TypeError("make_deck() needs one or more reference dates (datetime.date)")
    builder = DeckBuilder(protocol, dates)
    order = {c.id: i for i, c in enumerate(protocol.criteria)}
    cases: dict[str, DeckCase] = {}
    wrong: list[str] = []
    for criterion in protocol.criteria:
        target = criterion.id or ""
        text = criterion.label or criterion.describe(protocol.domains)
        for day in sorted(dates):
            for case in builder.cases(criterion, criterion.id, day):
                record = build(case.facts, domains=protocol.domains)
                digest = f"{target}-{_digest(target, case.as_of, record)}"
                if digest in cases:
                    continue  # the same patient probing two leaves: one test
                record = attrs.evolve(record, id=digest)
                if record_from_dict(record_to_dict(record), domains=protocol.domains) != record:
                    wrong.append(f"{digest}: {case.description}: the patient file form of the "
                                 f"record does not read back the same: {record_to_dict(record)}")
                explanation = _explain(protocol, criterion, record, case.as_of)
                if explanation.outcome is not case.outcome:
                    wrong.append(f"{digest} as of {case.as_of}: {case.description}: labelled "
                                 f"{case.outcome.name}, evaluated {explanation.outcome.name}\n"
                                 f"{render(explanation, 1)}")
                cases[digest] = DeckCase(digest, target, case.as_of, case.outcome,
                                         case.description, record, case.probe, text,
                                         render(explanation))
    if wrong:
        raise TrialRulesError(
            f"protocol {protocol.id}: {len(wrong)} case(s) evaluate differently from their "
            "labels; this is a bug in trialrules, please report it:\n" + "\n".join(wrong[:5]))
    ordered = sorted(cases.values(), key=lambda c: (order.get(c.target, len(order)),
                                                    c.probe or "", c.as_of, c.varies, c.id))
    return Deck(protocol.id, tuple(ordered))


# -- checking -------------------------------------------------------------------


@attrs.frozen
class ChangedCase:
    """A case whose outcome is no longer the signed-off one (``actual`` None: criterion gone)."""

    case: DeckCase
    actual: Outcome | None
    explanation: str

    def __str__(self) -> str:
        case = self.case
        now = "the criterion is no longer in the protocol" if self.actual is None \
            else self.actual.name
        lines = [f"CHANGED {case.id} ({case.target} as of {case.as_of})",
                 f"  case: {case.varies}",
                 f"  signed off: {case.expected.name}; now: {now}"]
        if case.explanation:
            lines.append("  signed-off explanation:")
            lines += [f"    {line}" for line in case.explanation.splitlines()]
        if self.explanation:
            lines.append("  explanation now:")
            lines += [f"    {line}" for line in self.explanation.splitlines()]
        return "\n".join(lines)


def check_deck(protocol: Protocol, deck: Deck | str | Path) -> list[ChangedCase]:
    """Every case of ``deck`` whose outcome under ``protocol`` differs from the signed-off one."""
    if not isinstance(deck, Deck):
        deck = load_deck(deck, protocol)
    # Each criterion alone, built once for this check.
    alone = {c.id: _alone(protocol, c) for c in protocol.criteria}
    changes = []
    for case in deck.cases:
        single = alone.get(case.target)
        if single is None:
            changes.append(ChangedCase(case, None, ""))
            continue
        if single.outcomes(case.record, case.as_of)[case.target] is case.expected:
            continue
        explanation = single.evaluate(case.record, case.as_of).inclusion[0]
        changes.append(ChangedCase(case, explanation.outcome, render(explanation)))
    return changes


def report(protocol: Protocol, deck: Deck, changes: Sequence[ChangedCase]) -> str:
    """The changes, each with both explanations, then a summary line."""
    parts = [str(c) for c in changes]
    if changes:
        parts.append(f"{protocol.id}: {len(changes)} of {len(deck)} cases changed outcome")
    else:
        parts.append(f"{protocol.id}: all {len(deck)} cases give their signed-off outcome")
    return "\n".join(parts)


def assert_deck(protocol: Protocol, deck: Deck | str | Path) -> None:
    """Fail listing every case whose outcome changed, with both explanations."""
    __tracebackhide__ = True
    if not isinstance(deck, Deck):
        deck = load_deck(deck, protocol)
    changes = check_deck(protocol, deck)
    if changes:
        raise AssertionError(report(protocol, deck, changes))


def assert_deck_case(protocol: Protocol, case: DeckCase) -> None:
    """Fail unless one deck case gives its signed-off outcome; the message has both explanations.

    For suites that parametrize over ``deck.cases``, one test per case.
    """
    __tracebackhide__ = True
    criterion = next((c for c in protocol.criteria if c.id == case.target), None)
    if criterion is None:
        raise AssertionError(str(ChangedCase(case, None, "")))
    if _decide(protocol, criterion, case.record, case.as_of) is case.expected:
        return
    explanation = _explain(protocol, criterion, case.record, case.as_of)
    raise AssertionError(str(ChangedCase(case, explanation.outcome, render(explanation))))


# -- reviewing a regenerated deck --------------------------------------------------


@attrs.frozen
class DeckDifference:
    """One line of a deck diff: a case added, removed, or with another expected outcome."""

    kind: str  # "changed", "added" or "removed"
    old: DeckCase | None
    new: DeckCase | None

    def __str__(self) -> str:
        case = self.old or self.new
        assert case is not None
        where = f"{case.id} ({case.target} as of {case.as_of}): {case.varies}"
        if self.kind == "changed":
            assert self.old is not None
            assert self.new is not None
            now = "" if self.new.varies == self.old.varies else f" (now: {self.new.varies})"
            return (f"changed  {where}: {self.old.expected.name} -> "
                    f"{self.new.expected.name}{now}")
        return f"{self.kind:<8} {where} -> {case.expected.name}"


def diff_decks(old: Deck, new: Deck) -> list[DeckDifference]:
    """Cases whose expected outcome changed, then cases added and removed (by case id)."""
    before = {c.id: c for c in old.cases}
    after = {c.id: c for c in new.cases}
    out = [DeckDifference("changed", before[c.id], c) for c in new.cases
           if c.id in before and before[c.id].expected is not c.expected]
    out += [DeckDifference("added", None, c) for c in new.cases if c.id not in before]
    out += [DeckDifference("removed", c, None) for c in old.cases if c.id not in after]
    return out


def diff_summary(differences: Sequence[DeckDifference]) -> str:
    counts = {k: sum(d.kind == k for d in differences) for k in ("changed", "added", "removed")}
    return (f"{counts['changed']} expected outcome(s) changed, {counts['added']} case(s) added, "
            f"{counts['removed']} removed")

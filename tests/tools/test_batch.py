"""Batch screening: lazy, constant memory, never stopped by a bad record; light Decisions."""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from _workload import load
from trialrules import Determination, Outcome, Record, Span
from trialrules.formats.records import LoadError, read_jsonl, record_from_dict
from trialrules.protocol.protocol import ProtocolResult
from trialrules.protocols import get
from trialrules.tools.batch import Decision, screen

PROTOCOL = get("NCT06228781")
AS_OF = date(2027, 3, 1)


def _sample(n: int = 150) -> list[dict[str, Any]]:
    return list(load().patients(n, seed=7))


def test_screen_is_lazy_on_an_endless_stream() -> None:
    endless: Iterator[dict[str, Any]] = ({"id": f"P{i}"} for i in itertools.count())
    first = list(itertools.islice(screen(PROTOCOL, endless, AS_OF, explain=False), 3))
    assert [r.patient for r in first if isinstance(r, Decision)] == ["P0", "P1", "P2"]


def test_bad_records_never_stop_the_stream() -> None:
    items: list[Any] = [
        {"id": "ok1"},
        {"id": "bad-edss", "observations": [{"code": "edss", "value": 6.3, "date": "2026-01-01"}]},
        42,
        LoadError(4, "from-reader", None, "not valid JSON"),
        Record("future", birth_date="2030-01-01"),  # born after as_of: fails on evaluation
        {"id": 5},
        (17, {"id": "paired", "sex": "robot"}),
        {"id": "ok2"},
    ]
    for explain in (True, False):
        out = list(screen(PROTOCOL, items, AS_OF, explain=explain))
        assert len(out) == len(items)
        errors = [o for o in out if isinstance(o, LoadError)]
        assert [(e.line, e.id, e.field) for e in errors] == [
            (2, "bad-edss", "observations[0].value"), (3, None, "$"),
            (4, "from-reader", None), (5, "future", "birth_date"), (6, None, "id"),
            (17, "paired", "sex")]
        assert [o.patient for o in out if not isinstance(o, LoadError)] == ["ok1", "ok2"]


def test_decisions_match_full_evaluation_on_the_workload() -> None:
    records = [record_from_dict(p) for p in _sample()]
    by_id = {r.id: r for r in records}
    full = list(screen(PROTOCOL, records, AS_OF))
    light = list(screen(PROTOCOL, records, AS_OF, explain=False))
    seen = set()
    for f, d in zip(full, light, strict=True):
        assert isinstance(f, ProtocolResult)
        assert isinstance(d, Decision)
        assert d.determination is f.determination is PROTOCOL.decide(by_id[f.patient], AS_OF)
        assert d.outcomes == tuple(e.outcome for e in f.criteria)
        assert d.deciding == tuple(e.id for e in f.deciding)
        assert d.undecided == tuple(e.id for e in f.undecided)
        seen.add(d.determination)
    assert seen == set(Determination)  # the sample exercises every determination


def test_decision_accessors_and_dict() -> None:
    (d,) = screen(PROTOCOL, [{"id": "P1", "birth_date": "2015-01-01"}], AS_OF, explain=False)
    assert isinstance(d, Decision)
    assert d.outcome("inclusion.1") is Outcome.NOT_MET
    assert d.deciding == ("inclusion.1",)
    with pytest.raises(KeyError):
        d.outcome("inclusion.99")
    data = d.to_dict()
    assert data["determination"] == "ineligible"
    assert data["outcomes"]["inclusion.1"] == "not_met"
    assert list(data["outcomes"]) == [c.id for c in PROTOCOL.criteria]
    assert pickle.loads(pickle.dumps(d)) == d


def test_line_numbers_come_from_the_reader() -> None:
    lines = [b'{"id": "A"}\n', b"\n", b"{oops\n", b'{"id": "B"}\n']
    out = list(screen(PROTOCOL, read_jsonl(lines), AS_OF, explain=False))
    assert [getattr(o, "line", None) for o in out] == [None, 3, None]
    assert isinstance(out[1], LoadError)


def test_as_of_must_be_a_date() -> None:
    from datetime import datetime

    from trialrules import InvalidRecord

    with pytest.raises(InvalidRecord, match="as_of"):
        list(screen(PROTOCOL, [], datetime(2027, 3, 1)))  # type: ignore[arg-type]


def test_fast_paths_agree_with_explanations_on_the_workload() -> None:
    """decide() (tracing off, shared scans, batch memo) gives what evaluate() explains."""
    from trialrules.engine.context import Context
    from trialrules.kinds.sources import Age, Latest

    sources = [Age(), Latest("edss"), Latest("edss_pyramidal"), Latest("edss_cerebellar"),
               Latest("edss", within=Span(months=6))]
    for data in _sample(300):
        record = record_from_dict(data)
        for as_of in (AS_OF, date(2026, 2, 28), date(2027, 3, 31)):
            explained = PROTOCOL.evaluate(record, as_of)
            assert PROTOCOL.decide(record, as_of) is explained.determination
            assert tuple(PROTOCOL.outcomes(record, as_of).values()) == tuple(
                e.outcome for e in explained.criteria)
            ctx = Context(record, as_of, PROTOCOL.domains)
            for source in sources:
                reading = source.read(ctx, True)
                quiet = source.read(ctx, False)
                assert (quiet.values, quiet.missing) == (reading.values, reading.missing)


def _deciding_cases() -> list[Any]:
    """The workload, plus deaths: surely before as_of, possibly (the month of as_of), after."""
    items: list[Any] = _sample(300)
    # An ELIGIBLE patient: dead, no criterion decides; possibly dead, none is undecided.
    base = next(p for p, r in zip(items, screen(PROTOCOL, items, AS_OF, explain=False),
                                  strict=True)
                if r.determination is Determination.ELIGIBLE)
    for pid, death in (("dead", "2020-05-01"), ("maybe", "2027-03"), ("later", "2027-04-02"),
                       ("maybe-open", "2027")):
        items.append({**base, "id": pid, "death_date": death})
    items.append({"id": "bare"})  # nothing recorded: needs review with many missing facts
    return items


def test_explain_deciding_gives_the_full_evaluations_deciding_nodes() -> None:
    items = _deciding_cases()
    full = list(screen(PROTOCOL, items, AS_OF))
    light = list(screen(PROTOCOL, items, AS_OF, explain="deciding"))
    seen = set()
    for r, d in zip(full, light, strict=True):
        assert isinstance(r, ProtocolResult)
        assert isinstance(d, Decision)
        assert d.determination is r.determination
        assert d.outcomes == tuple(e.outcome for e in r.criteria)
        assert d.death == r.death
        assert d.death_undecided is r.death_undecided
        if r.determination is Determination.INELIGIBLE:
            assert d.explained == r.deciding
        elif r.determination is Determination.NEEDS_REVIEW:
            assert d.explained == r.undecided
        else:
            assert d.explained == ()
        seen.add((r.determination, bool(d.explained), r.death_undecided))
    # Every branch was taken: explained or not for each determination, a possible death.
    assert {(Determination.INELIGIBLE, True, False), (Determination.NEEDS_REVIEW, True, False),
            (Determination.ELIGIBLE, False, False), (Determination.INELIGIBLE, False, False),
            (Determination.NEEDS_REVIEW, False, True)} <= seen


def test_explain_false_explains_nothing() -> None:
    for d in screen(PROTOCOL, _deciding_cases(), AS_OF, explain=False):
        assert isinstance(d, Decision)
        assert d.explained == ()

"""Explanation nodes shared across evaluations: same values as building them afresh."""

from __future__ import annotations

import pickle
from datetime import date

from trialrules import (
    AllOf,
    CodeSet,
    Exposure,
    Flag,
    Implies,
    Lookback,
    Not,
    Record,
    Span,
    Washout,
)

CYTO = CodeSet("cytotoxic agents", prefixes=["ATC:L01"])
AS_OF = date(2027, 3, 1)


def test_a_recorded_flag_gives_one_shared_node_per_value() -> None:
    flag = Flag("consent", id="i.1")
    yes1 = flag.evaluate(Record("P1", flags={"consent": True}), AS_OF)
    yes2 = flag.evaluate(Record("P2", flags={"consent": True}), AS_OF)
    no = flag.evaluate(Record("P3", flags={"consent": False}), AS_OF)
    assert yes1 is yes2
    assert no.outcome.value == "not_met"
    assert yes1.outcome.value == "met"
    assert no.reason == "flag consent is recorded as false (met when true)"


def test_shared_nodes_follow_the_node_id_and_the_criterion() -> None:
    a = Flag("consent", label="first")
    b = Flag("consent", label="second")
    record = Record("P1", flags={"consent": True})
    assert a.evaluate(record, AS_OF).label == "first"
    assert b.evaluate(record, AS_OF).label == "second"
    group = AllOf(a, b, id="g")
    node = group.evaluate(record, AS_OF)
    assert [c.id for c in node.children] == ["g.1", "g.2"]
    assert [c.label for c in node.children] == ["first", "second"]


def test_a_washout_with_nothing_in_its_window_depends_on_as_of_and_completeness() -> None:
    washout = Washout(CYTO, Span(months=1), id="e.2")
    complete = Record("P1", complete={"exposures": "2027-03-01"})
    stale = Record("P2", complete={"exposures": "2027-01-20"})
    first = washout.evaluate(complete, AS_OF)
    assert washout.evaluate(Record("P3", complete={"exposures": "2027-03-01"}), AS_OF) is first
    assert first.outcome.value == "met"
    assert "complete through 2027-03-01" in first.reason
    later = washout.evaluate(complete, date(2027, 3, 2))
    assert later.outcome.value == "unknown"
    assert "through 2027-03-02" in later.reason
    assert washout.evaluate(stale, AS_OF).outcome.value == "unknown"
    exposed = Record("P4", exposures=[Exposure("ATC:L01DB07", "2027-02-15")],
                     complete={"exposures": "2027-03-01"})
    assert washout.evaluate(exposed, AS_OF).outcome.value == "not_met"


def test_combinators_share_only_when_every_child_is_shared() -> None:
    rule = Implies(Lookback(CYTO, on="exposures"),
                   Flag("marrow_normal") & Flag("cytogenetics_normal"), id="i.6")
    plain = Record("P1", flags={"marrow_normal": True, "cytogenetics_normal": True},
                   complete={"exposures": "2027-03-01"})
    again = Record("P2", flags={"marrow_normal": True, "cytogenetics_normal": True},
                   complete={"exposures": "2027-03-01"})
    exposed = Record("P3", flags={"marrow_normal": True, "cytogenetics_normal": True},
                     exposures=[Exposure("ATC:L01DB07", "2020-05-01")],
                     complete={"exposures": "2027-03-01"})
    shared = rule.evaluate(plain, AS_OF)
    assert rule.evaluate(again, AS_OF) is shared
    fresh1, fresh2 = rule.evaluate(exposed, AS_OF), rule.evaluate(exposed, AS_OF)
    assert fresh1 == fresh2
    assert fresh1 is not fresh2
    assert fresh1.outcome.value == "met"
    assert "the condition applies" not in fresh1.reason
    negated = Not(Washout(CYTO, Span(months=1)), id="e.4")
    assert negated.evaluate(plain, AS_OF) is negated.evaluate(again, AS_OF)
    assert pickle.loads(pickle.dumps(shared)) == shared

"""Explanation nodes shared across the evaluations of one batch: same values as built afresh.

The sharing lives in the batch's memo (one per batch, never global): ``run``
below evaluates each record in the context of one memo, as ``Protocol.batch``
and ``screen`` do.
"""

from __future__ import annotations

import pickle
from datetime import date

from trialrules import (
    AllOf,
    CodeSet,
    Criterion,
    Evidence,
    Explanation,
    Exposure,
    Flag,
    Implies,
    Lookback,
    Not,
    Observation,
    OneOf,
    Outcome,
    Range,
    Record,
    ReferenceMultiple,
    Sex,
    Span,
    Threshold,
    Washout,
)
from trialrules.engine.context import Context
from trialrules.engine.trace import Memo, explain
from trialrules.kinds.sources import Latest


class _Batch:
    """A bare criterion evaluated on many records as of one date, sharing one memo."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self.memo = Memo()

    def evaluate(self, criterion: Criterion, record: Record) -> Explanation:
        return explain(criterion, Context(record, self.as_of, shared=self.memo), criterion.id)


CYTO = CodeSet("cytotoxic agents", prefixes=["ATC:L01"])
AS_OF = date(2027, 3, 1)


def test_a_recorded_flag_gives_one_shared_node_per_value() -> None:
    run = _Batch(AS_OF)
    flag = Flag("consent", id="i.1")
    yes1 = run.evaluate(flag, Record("P1", flags={"consent": True}))
    yes2 = run.evaluate(flag, Record("P2", flags={"consent": True}))
    no = run.evaluate(flag, Record("P3", flags={"consent": False}))
    assert yes1 is yes2
    assert no.outcome.value == "not_met"
    assert yes1.outcome.value == "met"
    assert no.reason == "flag consent is recorded as false (met when true)"


def test_shared_nodes_follow_the_node_id_and_the_criterion() -> None:
    run = _Batch(AS_OF)
    a = Flag("consent", label="first")
    b = Flag("consent", label="second")
    record = Record("P1", flags={"consent": True})
    assert run.evaluate(a, record).label == "first"
    assert run.evaluate(b, record).label == "second"
    group = AllOf(a, b, id="g")
    node = run.evaluate(group, record)
    assert [c.id for c in node.children] == ["g.1", "g.2"]
    assert [c.label for c in node.children] == ["first", "second"]


def test_a_washout_with_nothing_in_its_window_depends_on_as_of_and_completeness() -> None:
    run = _Batch(AS_OF)
    washout = Washout(CYTO, Span(months=1), id="e.2")
    complete = Record("P1", complete={"exposures": "2027-03-01"})
    stale = Record("P2", complete={"exposures": "2027-01-20"})
    first = run.evaluate(washout, complete)
    assert run.evaluate(washout, Record("P3", complete={"exposures": "2027-03-01"})) is first
    assert first.outcome.value == "met"
    assert "complete through 2027-03-01" in first.reason
    later = _Batch(date(2027, 3, 2)).evaluate(washout, complete)
    assert later.outcome.value == "unknown"
    assert "through 2027-03-02" in later.reason
    assert run.evaluate(washout, stale).outcome.value == "unknown"
    exposed = Record("P4", exposures=[Exposure("ATC:L01DB07", "2027-02-15")],
                     complete={"exposures": "2027-03-01"})
    assert run.evaluate(washout, exposed).outcome.value == "not_met"


def test_combinators_share_only_when_every_child_is_shared() -> None:
    run = _Batch(AS_OF)
    rule = Implies(Lookback(CYTO, on="exposures"),
                   Flag("marrow_normal") & Flag("cytogenetics_normal"), id="i.6")
    plain = Record("P1", flags={"marrow_normal": True, "cytogenetics_normal": True},
                   complete={"exposures": "2027-03-01"})
    again = Record("P2", flags={"marrow_normal": True, "cytogenetics_normal": True},
                   complete={"exposures": "2027-03-01"})
    exposed = Record("P3", flags={"marrow_normal": True, "cytogenetics_normal": True},
                     exposures=[Exposure("ATC:L01DB07", "2020-05-01")],
                     complete={"exposures": "2027-03-01"})
    shared = run.evaluate(rule, plain)
    assert run.evaluate(rule, again) is shared
    fresh1, fresh2 = run.evaluate(rule, exposed), run.evaluate(rule, exposed)
    assert fresh1 == fresh2
    assert fresh1 is not fresh2
    assert fresh1.outcome.value == "met"
    assert "the condition applies" not in fresh1.reason
    negated = Not(Washout(CYTO, Span(months=1)), id="e.4")
    assert run.evaluate(negated, plain) is run.evaluate(negated, again)
    assert pickle.loads(pickle.dumps(shared)) == shared


def test_one_memo_serves_contexts_with_another_as_of() -> None:
    """What a memo works out per criterion (window starts, plans) is keyed by as_of too:
    a context with another as_of through the same memo gets its own, never a stale one."""
    memo = Memo()
    within = Range(Latest("edss", within=Span(months=1)), 3, 6, id="i.3")
    record = Record("P1", observations=[Observation("edss", 4.5, "2027-02-01")])
    # The window is [as_of - 1 month, as_of]: 2027-02-01 opens the first, not the second.
    first = within.judge(Context(record, date(2027, 3, 1), shared=memo), None)
    second = within.judge(Context(record, date(2027, 3, 2), shared=memo), None)
    assert (first, second) == (Outcome.MET, Outcome.UNKNOWN)
    washout = Washout(CYTO, Span(months=1), id="e.2")
    exposed = Record("P2", exposures=[Exposure("ATC:L01DB07", "2027-02-01", "2027-02-01")],
                     complete={"exposures": "2027-03-31"})
    assert washout.judge(Context(exposed, date(2027, 3, 1), shared=memo), None) is Outcome.NOT_MET
    assert washout.judge(Context(exposed, date(2027, 3, 2), shared=memo), None) is Outcome.MET


def test_a_batch_memo_grows_with_the_criteria_not_with_the_records() -> None:
    """Per-criterion work is kept once per batch: 200 records leave as many plans as 2."""
    alt = Threshold(ReferenceMultiple("alt"), ">", 3, id="i.9")

    def plans(n: int) -> int:
        run = _Batch(AS_OF)
        for i in range(n):
            value = 100 + i
            record = Record(f"P{i}", observations=[Observation(
                "alt", value, "2027-02-01", unit="U/L", reference_range={"high": 40})])
            node = run.evaluate(alt, record)
            # 40 x 3 = 120: above it is MET (hand oracle), at or below NOT_MET.
            assert node.outcome is (Outcome.MET if value > 120 else Outcome.NOT_MET)
        memo = run.memo
        return len(memo.plans) + len(memo.derived) + len(memo.values) + len(memo.starts)

    assert plans(200) == plans(2)


def test_a_flag_not_recorded_with_a_fallback_is_explained_per_record() -> None:
    """A flag's node is shared by its recorded value (Flag.shared_key), but not when it is
    missing and a fallback decides: then the node rests on the fallback's facts."""
    run = _Batch(AS_OF)
    flag = Flag("pregnancy", assume_false_if=OneOf(Sex(), ["male"]), id="e.8")
    male = run.evaluate(flag, Record("P1", sex="male"))
    female = run.evaluate(flag, Record("P2", sex="female"))
    unknown = run.evaluate(flag, Record("P3"))
    recorded = run.evaluate(flag, Record("P4", sex="male", flags={"pregnancy": False}))
    assert [male.outcome, female.outcome, unknown.outcome, recorded.outcome] == [
        Outcome.NOT_MET, Outcome.UNKNOWN, Outcome.UNKNOWN, Outcome.NOT_MET]
    assert "taken as false because sex is male (sex male is male)" in male.reason
    assert male.evidence == (Evidence("sex", value="male"),)
    assert female.reason == unknown.reason == "flag pregnancy is not recorded (met when true)"
    assert recorded.reason == "flag pregnancy is recorded as false (met when true)"
    assert run.evaluate(flag, Record("P5", flags={"pregnancy": False})) is recorded


def test_a_group_is_shared_by_its_childrens_facts_only_when_each_child_has_them() -> None:
    """AllOf/AnyOf/Not/Implies are found before judging by their children's shared keys;
    a child without one (a missing flag decided by a fallback) makes the group per record."""
    run = _Batch(AS_OF)
    group = AllOf(Flag("consent"), Flag("pregnancy", assume_false_if=OneOf(Sex(), ["male"])),
                  id="g")
    male = run.evaluate(group, Record("P1", sex="male", flags={"consent": True}))
    female = run.evaluate(group, Record("P2", sex="female", flags={"consent": True}))
    assert (male.outcome, female.outcome) == (Outcome.NOT_MET, Outcome.UNKNOWN)
    assert "taken as false because sex is male" in male.reason
    assert female.reason == "undecided: flag pregnancy is not recorded (met when true)"
    both = Record("P3", flags={"consent": True, "pregnancy": True})
    first = run.evaluate(group, both)
    assert run.evaluate(group, Record("P4", sex="female",
                                      flags={"consent": True, "pregnancy": True})) is first
    assert first.outcome is Outcome.MET
    assert run.evaluate(group, Record("P5", flags={"consent": False, "pregnancy": False})
                        ).outcome is Outcome.NOT_MET

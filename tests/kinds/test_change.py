"""Change: the latest minus the earliest value in [as_of - span, as_of], exact at the bounds."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import MET, NOT_MET, UNKNOWN
from trialrules import Criterion, Domain, Observation, PartialDate, Range, Record, Span, Threshold
from trialrules.kinds.sources import Change

AS_OF = date(2027, 3, 31)              # 3 months back: 2026-12-31
WEIGHT = {"weight": Domain(0, 500, name="weight", unit="kg")}
STABLE = Range(Change("weight", Span(months=3), relative=True), -5, 5)


def weights(*pairs: tuple[float, str], unit: str = "kg") -> Record:
    return Record("P1", observations=[Observation("weight", v, d, unit=unit) for v, d in pairs])


@pytest.mark.parametrize(("later", "want"), [
    (63, MET), (57, MET), (63.01, NOT_MET), (56.99, NOT_MET), (60, MET)])
def test_five_percent_is_exact(later: float, want: object) -> None:
    # 60 -> 63 kg is exactly +5 %: "within 5 %" (inclusive) is MET, whatever floats say.
    record = weights((60, "2027-01-05"), (later, "2027-03-20"))
    assert STABLE.decide(record, AS_OF, domains=WEIGHT) is want


def test_window_edges() -> None:
    old = weights((50, "2026-12-30"), (60, "2027-01-05"), (63, "2027-03-20"))
    assert STABLE.decide(old, AS_OF, domains=WEIGHT) is MET          # 2026-12-30 is outside
    edge = weights((50, "2026-12-31"), (60, "2027-01-05"), (63, "2027-03-20"))
    assert STABLE.decide(edge, AS_OF, domains=WEIGHT) is NOT_MET     # the first day counts
    future = weights((60, "2027-01-05"), (63, "2027-03-20"), (90, "2027-04-01"))
    assert STABLE.decide(future, AS_OF, domains=WEIGHT) is MET       # after as_of: unseen


def test_fewer_than_two_values_is_unknown() -> None:
    one = STABLE.evaluate(weights((60, "2027-01-05")), AS_OF, domains=WEIGHT)
    assert one.outcome is UNKNOWN
    assert one.missing == ("two observations of weight in the 3 months before 2027-03-31 "
                           "(2026-12-31 to 2027-03-31)",)
    assert STABLE.decide(Record("P1"), AS_OF, domains=WEIGHT) is UNKNOWN


def test_units_are_converted_before_the_change() -> None:
    # 132.27735 lb is 60 kg exactly (0.45359237 kg per lb); 63 kg is +5 %.
    record = Record("P1", observations=[
        Observation("weight", 132.27735731092653, "2027-01-05", unit="[lb_av]"),
        Observation("weight", 63, "2027-03-20", unit="kg")])
    assert STABLE.decide(record, AS_OF, domains=WEIGHT) in (MET, NOT_MET)
    exact = Record("P1", observations=[Observation("weight", 60000, "2027-01-05", unit="g"),
                                       Observation("weight", 63, "2027-03-20", unit="kg")])
    assert STABLE.decide(exact, AS_OF, domains=WEIGHT) is MET


def test_absolute_change_and_reason() -> None:
    edss = Threshold(Change("edss", Span(months=12)), ">=", 1)
    record = Record("P1", observations=[Observation("edss", 3.5, "2026-05-01"),
                                        Observation("edss", 4.5, "2027-02-01")])
    result = edss.evaluate(record, AS_OF)
    assert result.outcome is MET
    assert result.reason == ("change in EDSS from 3.5 on 2026-05-01 to 4.5 on 2027-02-01 "
                             "(+1) is at least 1 (>= 1)")
    relative = STABLE.evaluate(weights((60, "2027-01-05"), (63, "2027-03-20")), AS_OF,
                               domains=WEIGHT)
    assert relative.reason == ("relative change in weight from 60 kg on 2027-01-05 to 63 kg on "
                               "2027-03-20 (+5 %) is between -5 and 5 % (both inclusive)")


def test_relative_change_from_zero_is_bad_input_free_unknown() -> None:
    record = Record("P1", observations=[Observation("x", 0, "2027-01-05"),
                                        Observation("x", 1, "2027-03-05")])
    assert Range(Change("x", Span(months=3), relative=True), -5, 5).decide(record, AS_OF) is UNKNOWN


def test_round_trip_and_words() -> None:
    assert Criterion.from_dict(STABLE.to_dict()) == STABLE
    assert STABLE.to_dict()["source"] == {"kind": "change", "code": "weight",
                                          "span": {"months": 3}, "relative": True}
    assert STABLE.describe(WEIGHT) == ("the relative change (%) in weight over the 3 months "
                                       "before the reference date is between -5 and 5 % "
                                       "(both inclusive)")


# -- possible worlds -------------------------------------------------------------------

DAY = timedelta(days=1)
SMALL_AS_OF = date(2027, 1, 25)
START = date(2027, 1, 10)


@st.composite
def observations(draw: st.DrawFn) -> Observation:
    first = draw(st.integers(5, 28))
    day = PartialDate.between(date(2027, 1, 1) + DAY * first,
                              date(2027, 1, 1) + DAY * (first + draw(st.integers(0, 2))))
    return Observation("x", draw(st.integers(-3, 6)), day)


@settings(max_examples=80)
@given(st.lists(observations(), max_size=4), st.booleans(), st.integers(-4, 4),
       st.sampled_from([">", ">=", "<", "<="]))
def test_outcome_agrees_with_every_possible_world(obs: list[Observation], relative: bool,
                                                  bound: int, op: str) -> None:
    def days(p: PartialDate) -> list[date]:
        return [p.earliest + DAY * k for k in range((p.latest - p.earliest).days + 1)]

    results: set[object] = set()
    for world in itertools.product(*(days(o.date) for o in obs)):
        inside = [k for k, d in enumerate(world) if START <= d <= SMALL_AS_OF]
        if len(inside) < 2:
            results.add(None)
            continue
        first = min(world[k] for k in inside)
        last = max(world[k] for k in inside)
        for i in inside:
            for j in inside:
                if i == j or world[i] != first or world[j] != last:
                    continue
                a, b = Fraction(obs[i].value), Fraction(obs[j].value)
                if relative:
                    results.add(None if a == 0 else (b - a) / a * 100)
                else:
                    results.add(b - a)
    test = {">": lambda v: v > bound, ">=": lambda v: v >= bound,
            "<": lambda v: v < bound, "<=": lambda v: v <= bound}[op]
    verdicts = {None if v is None else test(v) for v in results}
    want = MET if verdicts == {True} else NOT_MET if verdicts == {False} else UNKNOWN
    criterion = Threshold(Change("x", Span(days=15), relative=relative), op, bound)
    patient = Record("P1", observations=obs)
    assert criterion.decide(patient, SMALL_AS_OF) is want
    assert criterion.evaluate(patient, SMALL_AS_OF).outcome is want

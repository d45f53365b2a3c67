"""AnyObservation: some value in a window passes; the "nothing recorded" cases of Latest."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import MET, NOT_MET, UNKNOWN
from trialrules import Criterion, Observation, PartialDate, Range, Record, Span, Threshold
from trialrules.kinds.criteria import AnyObservation

AS_OF = date(2027, 3, 31)           # 3 months back: 2026-12-31
ACTIVE_MRI = AnyObservation(Threshold("gd_lesions", ">=", 1), Span(months=3))


def mri(*pairs: tuple[int, str], complete: str | None = None) -> Record:
    return Record("P1", observations=[Observation("gd_lesions", v, d) for v, d in pairs],
                  complete=None if complete is None else {"observations": complete})


def test_some_value_in_the_window_passes() -> None:
    assert ACTIVE_MRI.decide(mri((0, "2027-03-01"), (2, "2027-01-10")), AS_OF) is MET
    assert ACTIVE_MRI.decide(mri((2, "2026-12-31")), AS_OF) is MET        # first day counts
    assert ACTIVE_MRI.decide(mri((2, "2026-12-30")), AS_OF) is UNKNOWN    # outside, open world
    assert ACTIVE_MRI.decide(mri((2, "2026-12-30"), complete="2027-03-31"), AS_OF) is NOT_MET
    assert ACTIVE_MRI.decide(mri((0, "2027-03-01")), AS_OF) is UNKNOWN
    assert ACTIVE_MRI.decide(mri((0, "2027-03-01"), complete="2027-03-31"), AS_OF) is NOT_MET
    assert ACTIVE_MRI.decide(mri((0, "2027-03-01"), complete="2027-03-30"), AS_OF) is UNKNOWN
    assert ACTIVE_MRI.decide(mri((3, "2027-04-01")), AS_OF) is UNKNOWN    # after as_of: unseen


def test_reasons() -> None:
    met = ACTIVE_MRI.evaluate(mri((0, "2027-03-01"), (2, "2027-01-10")), AS_OF)
    assert met.reason == ("gd_lesions 2 on 2027-01-10 is at least 1 (>= 1), in the 3 months "
                          "before 2027-03-31 (2026-12-31 to 2027-03-31)")
    not_met = ACTIVE_MRI.evaluate(mri((0, "2027-03-01"), complete="2027-03-31"), AS_OF)
    assert not_met.reason == ("no gd_lesions in the 3 months before 2027-03-31 (2026-12-31 to "
                              "2027-03-31) is at least 1 (>= 1): 1 recorded; the observations "
                              "history is complete through 2027-03-31")
    unknown = ACTIVE_MRI.evaluate(mri(), AS_OF)
    assert "observations history complete through 2027-03-31 (complete.observations)" in \
        unknown.missing


def test_latest_with_nothing_recorded_follows_completeness() -> None:
    edss = Range("edss", 3, 6)
    assert edss.decide(Record("P1"), AS_OF) is UNKNOWN
    complete = Record("P1", complete={"observations": "2027-03-31"})
    assert edss.decide(complete, AS_OF) is NOT_MET
    result = edss.evaluate(complete, AS_OF)
    assert result.reason == ("no observation edss is recorded and the observations history is "
                             "complete through 2027-03-31, so it is not between 3 and 6 "
                             "(both inclusive)")


def test_round_trip() -> None:
    assert Criterion.from_dict(ACTIVE_MRI.to_dict()) == ACTIVE_MRI
    assert ACTIVE_MRI.describe() == ("some gd_lesions measured in the 3 months before the "
                                     "reference date is at least 1")


DAY = timedelta(days=1)
SMALL_AS_OF = date(2027, 1, 25)
START = date(2027, 1, 10)


@st.composite
def observations(draw: st.DrawFn) -> Observation:
    first = draw(st.integers(5, 28))
    day = PartialDate.between(date(2027, 1, 1) + DAY * first,
                              date(2027, 1, 1) + DAY * (first + draw(st.integers(0, 3))))
    return Observation("gd_lesions", draw(st.integers(0, 3)), day)


@settings(max_examples=80)
@given(st.lists(observations(), max_size=4), st.booleans(), st.integers(0, 3))
def test_outcome_agrees_with_every_possible_world(obs: list[Observation], complete: bool,
                                                  bound: int) -> None:
    def days(p: PartialDate) -> list[date]:
        return [p.earliest + DAY * k for k in range((p.latest - p.earliest).days + 1)]

    verdicts = set()
    for world in itertools.product(*(days(o.date) for o in obs)):
        found = any(START <= d <= SMALL_AS_OF and o.value >= bound
                    for d, o in zip(world, obs, strict=True))
        verdicts.add(True if found else (False if complete else None))
    want = MET if verdicts == {True} else NOT_MET if verdicts == {False} else UNKNOWN
    criterion = AnyObservation(Threshold("gd_lesions", ">=", bound), Span(days=15))
    patient = Record("P1", observations=obs,
                     complete={"observations": SMALL_AS_OF} if complete else None)
    assert criterion.decide(patient, SMALL_AS_OF) is want
    assert criterion.evaluate(patient, SMALL_AS_OF).outcome is want

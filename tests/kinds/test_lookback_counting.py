"""Lookback counting distinct codes, and events that start in the window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from helpers import MET, NOT_MET, UNKNOWN
from trialrules import CodeSet, Condition, Criterion, Exposure, Lookback, Record, Span

AS_OF = date(2027, 3, 31)
DMT = CodeSet("disease-modifying therapies", prefixes=["ATC:L04AA", "ATC:L03AB"])
TWO_DMTS = Lookback(DMT, on="exposures", at_least=2, count="codes")
RELAPSE = CodeSet("clinical MS relapse", codes=["SNOMED:58487002"])
NEW_RELAPSE = Lookback(RELAPSE, Span(months=12), starting=True)


def test_distinct_codes() -> None:
    same = Record("P1", exposures=[Exposure("ATC:L04AA27", "2020-01-01", "2020-06-01"),
                                   Exposure("ATC:L04AA27", "2022-01-01", "2022-06-01")],
                  complete={"exposures": "2027-03-31"})
    assert Lookback(DMT, on="exposures", at_least=2).decide(same, AS_OF) is MET   # 2 events
    assert TWO_DMTS.decide(same, AS_OF) is NOT_MET                               # 1 code
    two = Record("P1", exposures=[Exposure("ATC:L04AA27", "2020-01-01", "2020-06-01"),
                                  Exposure("ATC:L03AB07", "2022-01-01", "2022-06-01")])
    assert TWO_DMTS.decide(two, AS_OF) is MET
    result = TWO_DMTS.evaluate(two, AS_OF)
    assert result.reason.startswith("2 different codes of disease-modifying therapies")
    unknown = Record("P1", exposures=[Exposure("ATC:L04AA27", "2020-01-01", "2020-06-01")])
    assert TWO_DMTS.decide(unknown, AS_OF) is UNKNOWN


def test_events_that_start_in_the_window() -> None:
    old = Record("P1", conditions=[Condition("SNOMED:58487002", "2024-02-01", None)],
                 complete={"conditions": "2027-03-31"})
    assert Lookback(RELAPSE, Span(months=12)).decide(old, AS_OF) is MET   # overlaps (ongoing)
    assert NEW_RELAPSE.decide(old, AS_OF) is NOT_MET                      # began 3 years ago
    edge = Record("P1", conditions=[Condition("SNOMED:58487002", "2026-03-31", "2026-04-10")],
                  complete={"conditions": "2027-03-31"})
    assert NEW_RELAPSE.decide(edge, AS_OF) is MET                         # the first day
    before = Record("P1", conditions=[Condition("SNOMED:58487002", "2026-03-30", "2026-04-10")],
                    complete={"conditions": "2027-03-31"})
    assert NEW_RELAPSE.decide(before, AS_OF) is NOT_MET
    partial = Record("P1", conditions=[Condition("SNOMED:58487002", "2026-03", "2026-04-10")],
                     complete={"conditions": "2027-03-31"})
    assert NEW_RELAPSE.decide(partial, AS_OF) is UNKNOWN
    result = NEW_RELAPSE.evaluate(edge, AS_OF)
    assert result.reason.startswith("1 condition of clinical MS relapse starting in the 12 "
                                    "months before 2027-03-31")


def test_round_trip_and_words() -> None:
    for criterion in (TWO_DMTS, NEW_RELAPSE):
        assert Criterion.from_dict(criterion.to_dict()) == criterion
    assert TWO_DMTS.to_dict()["count"] == "codes"
    assert NEW_RELAPSE.to_dict()["starting"] is True
    assert "different" in TWO_DMTS.describe()
    assert "starting in the 12 months" in NEW_RELAPSE.describe()


def _starting_oracle(onset: str, end: str | None, as_of: date, span_start: date) -> object:
    """Possible worlds: every (onset day, end day) with onset <= end; MET/NOT_MET/UNKNOWN."""
    from trialrules import PartialDate
    first = PartialDate.parse(onset)
    days = [first.earliest + timedelta(days=k)
            for k in range((first.latest - first.earliest).days + 1)]
    last = None if end is None else PartialDate.parse(end)
    verdicts = set()
    for day in days:
        if last is not None and day > last.latest:
            continue  # an event cannot begin after it ended
        verdicts.add(span_start <= day <= as_of)
    return MET if verdicts == {True} else NOT_MET if verdicts == {False} else UNKNOWN


@pytest.mark.parametrize(("onset", "end"), [
    ("2027-03", "2027-03-10"),   # began by its end, the 10th: inside the window for sure
    ("2027-03", "2027-03-31"),   # could have begun after the 15th
    ("2027-03", None),           # ongoing: could begin after as_of
    ("2026-03", "2026-03-14"),   # ended the day before the window opens
    ("2026-03", "2026-03-15"),   # ended on the window's first day: may have begun that day
    ("2026-03", "2026-03-20"),
    ("2026", "2026-02-01"),
])
def test_starting_caps_a_partial_onset_by_its_known_end(onset: str, end: str | None) -> None:
    as_of, span_start = date(2027, 3, 15), date(2026, 3, 15)
    record = Record("P1", conditions=[Condition("SNOMED:58487002", onset, end)],
                    complete={"conditions": "2027-03-31"})
    want = _starting_oracle(onset, end, as_of, span_start)
    assert NEW_RELAPSE.decide(record, as_of) is want
    assert NEW_RELAPSE.evaluate(record, as_of).outcome is want

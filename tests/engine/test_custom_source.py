"""A value source defined outside the package, with the testing toolkit's two hooks
(``missing_facts``, ``value_facts``): value criteria on it get boundary cases, a deck and
records like the built-in sources. Each case is checked against an independent oracle (the
count worked out here from the record), and a source without the hooks says what it lacks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialrules import Observation, Outcome, Protocol, Range, Record, Threshold, TrialRulesError
from trialrules.engine import Context, Reads, meta, register, unregister
from trialrules.engine.codec import Text
from trialrules.engine.source import Reading, Source
from trialrules.formats.protocols import dump_protocol, parse_protocol
from trialrules.testing import boundary_cases, make_deck, records_for
from trialrules.testing.facts import obs_key

AS_OF = date(2024, 2, 29)
MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


@attrs.frozen(repr=False)
class ObsCount(Source):
    """How many observations of ``code`` are dated for certain on or before as_of."""

    kind = "obs_count_test_only"
    example = '{"kind": "obs_count_test_only", "code": "edss"}'
    what = "an observation-count source"
    code: str = attrs.field(metadata=meta(Text("an observation code", empty=False)))

    def read(self, ctx: Context, explain: bool = True) -> Reading:
        n = sum(1 for o in ctx.record.observations
                if o.code == self.code and o.date.latest <= ctx.as_of)
        return Reading((n,), (f"{n} observations of {self.code}",) if explain else (),
                       numbers=True)

    def describe(self, domains: Mapping[str, Any] | None = None) -> str:
        return f"number of {self.code} observations"

    def reads(self) -> Reads:
        return Reads(observations={self.code})

    def missing_facts(self) -> None:
        return None  # a count reads 0 from a record without any: never missing

    def value_facts(self, value: Any, as_of: date) -> dict[Any, Any] | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return None
        days = (as_of - timedelta(days=i) for i in range(value))
        return {obs_key(self.code): tuple(Observation(self.code, 2, d) for d in days)}


@attrs.frozen(repr=False)
class Bare(Source):
    kind = "bare_test_only"
    example = '{"kind": "bare_test_only"}'
    what = "a source without the toolkit's hooks"

    def describe(self, domains: Mapping[str, Any] | None = None) -> str:
        return "bare"


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    register(ObsCount)
    yield
    unregister(ObsCount)


def count(record: Record, code: str, as_of: date) -> int:
    """The oracle: observations of ``code`` dated on or before ``as_of``."""
    return len([o for o in record.observations if o.code == code and o.date.latest <= as_of])


@pytest.mark.parametrize(("rule", "passes", "bounds"), [
    (Threshold(ObsCount("edss"), ">=", 3), lambda n: n >= 3, [3]),
    (Threshold(ObsCount("edss"), "<", 2), lambda n: n < 2, [2]),
    (Range(ObsCount("edss"), 2, 4, low_inclusive=False), lambda n: 2 < n <= 4, [2, 4]),
    (Threshold(ObsCount("edss"), "<=", 0), lambda n: n <= 0, [0]),  # no observation at all
])
def test_boundary_cases_agree_with_the_oracle(rule: Any, passes: Any, bounds: list[int]) -> None:
    cases = boundary_cases(rule, AS_OF)
    counts = {count(c.record, "edss", c.as_of) for c in cases}
    assert {c.expected for c in cases} == {MET, NOT_MET}  # a count is never missing
    for case in cases:
        n = count(case.record, "edss", case.as_of)
        assert case.expected is (MET if passes(n) else NOT_MET), case.description
        assert rule.decide(case.record, case.as_of) is case.expected
    for bound in bounds:  # each bound, one below (when a count can be) and one above
        assert {max(bound - 1, 0), bound, bound + 1} <= counts


def test_json_deck_and_records() -> None:
    rule = Threshold(ObsCount("edss"), ">=", 3)
    trial = Protocol("T-1", "A trial", inclusion=[rule])
    assert parse_protocol(dump_protocol(trial)) == trial
    assert make_deck(trial, AS_OF).cases


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_records_for_each_outcome(data: st.DataObject) -> None:
    rule = Threshold(ObsCount("edss"), ">=", 3)
    wanted = data.draw(st.sampled_from([MET, NOT_MET]))
    record = data.draw(records_for(rule, wanted, AS_OF))
    assert (count(record, "edss", AS_OF) >= 3) is (wanted is MET)


def test_a_source_without_the_hooks_says_what_it_lacks() -> None:
    with pytest.raises(NotImplementedError, match=r"Bare does not implement value_facts"):
        boundary_cases(Threshold(Bare(), ">=", 3), AS_OF)


def test_a_source_that_takes_no_boundary_value_says_so() -> None:
    """A bound written 2.0 gives values on a grid of 0.1 (floats); a count that takes whole
    numbers only would leave the criterion without one value case: an error, never an empty
    deck."""
    with pytest.raises(TrialRulesError, match=r"ObsCount\.value_facts\(value, as_of\) gave no facts for "
                                        r"any boundary value tried \(2\.2, 1\.8, 2\.0, 1\.9, 2\.1\)"):
        boundary_cases(Threshold(ObsCount("edss"), ">=", 2.0), AS_OF)

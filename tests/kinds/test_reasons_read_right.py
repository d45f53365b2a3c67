"""Explanations that read right (issue 13, item 9): plural counts listing every event,
dates instead of the word as_of, a flag's text, the completeness a NOT_MET rests on."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings

from helpers import AS_OF, MET, NOT_MET, UNKNOWN
from strategies import criteria, scenarios
from trialrules import CodeSet, Condition, Explanation, Flag, Latest, Lookback, Range, Record, Span

RELAPSE = CodeSet("clinical MS relapse", codes=["SNOMED:58487002"])


def _walk(node: Explanation) -> list[Explanation]:
    return [node, *(n for child in node.children for n in _walk(child))]


def test_an_event_count_is_plural_and_lists_every_counted_event() -> None:
    record = Record("P1", conditions=[
        Condition("SNOMED:58487002", "2026-02-11", "2026-02-20"),
        Condition("SNOMED:58487002", "2025-01-05", "2025-01-12"),   # before the window
        Condition("SNOMED:58487002", "2026-06-02", "2026-06-02"),
        Condition("SNOMED:58487002", "2025-12-01", "2025-12-09"),
    ])
    result = Lookback(RELAPSE, Span(months=12), at_least=2).evaluate(record, AS_OF)
    assert result.outcome is MET
    assert result.reason == (
        "3 conditions of clinical MS relapse in the 12 months before 2026-11-27 (2025-11-27 to "
        "2026-11-27) (at least 2 needed): SNOMED:58487002 from 2025-12-01 to 2025-12-09, "
        "from 2026-02-11 to 2026-02-20, on 2026-06-02")
    one = Record("P1", conditions=[Condition("SNOMED:58487002", "2026-06-02", "2026-06-02")])
    assert Lookback(RELAPSE, Span(months=12)).evaluate(one, AS_OF).reason.startswith(
        "1 condition of clinical MS relapse in the 12 months")


def test_a_not_met_lookback_cites_the_completeness_that_decides_it() -> None:
    record = Record("P1", complete={"conditions": "2026-12-01"})
    result = Lookback(RELAPSE, Span(months=12)).evaluate(record, AS_OF)
    assert result.outcome is NOT_MET
    assert result.reason.startswith("no conditions of clinical MS relapse in the 12 months")
    assert result.reason.endswith("the conditions history is complete through 2026-12-01")
    assert [(e.path, e.date) for e in result.evidence] == [("complete.conditions", "2026-12-01")]


def test_a_flag_reason_uses_its_text() -> None:
    flag = Flag("bone_marrow_normal", text="bone marrow morphology is normal")
    yes = flag.evaluate(Record("P1", flags={"bone_marrow_normal": True}), AS_OF)
    no = flag.evaluate(Record("P1", flags={"bone_marrow_normal": False}), AS_OF)
    unknown = flag.evaluate(Record("P1"), AS_OF)
    assert (yes.outcome, no.outcome, unknown.outcome) == (MET, NOT_MET, UNKNOWN)
    assert yes.reason == ("bone marrow morphology is normal (flag bone_marrow_normal is "
                          "recorded as true; met when true)")
    assert no.reason.startswith("it is not the case that bone marrow morphology is normal (")
    assert unknown.reason == ("flag bone_marrow_normal (whether bone marrow morphology is "
                              "normal) is not recorded (met when true)")
    plain = Flag("consent").evaluate(Record("P1", flags={"consent": True}), AS_OF)
    assert plain.reason == "flag consent is recorded as true (met when true)"


def test_a_missing_recent_observation_names_the_dates() -> None:
    result = Range(Latest("edss", within=Span(months=3)), 3, 6).evaluate(Record("P1"),
                                                                        date(2027, 3, 31))
    assert result.missing == ("observation edss in the 3 months before 2027-03-31 "
                              "(2026-12-31 to 2027-03-31)",)


@settings(max_examples=60)
@given(criteria(), scenarios())
def test_no_reason_shows_the_word_as_of(criterion: object, scenario: tuple[Record, date]) -> None:
    record, as_of = scenario
    for node in _walk(criterion.evaluate(record, as_of)):  # type: ignore[attr-defined]
        assert "as_of" not in node.reason
        assert not any("as_of" in need for need in node.missing)

"""lint's range-gap finding against a brute-force oracle over the domain's grid."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from trialrules import Domain, Protocol, Range, Threshold
from trialrules.kinds.criteria import OPERATORS
from trialrules.tools.lint import lint

HALVES = Domain(0, 10, step=0.5, name="score")
GRID = [Fraction(k, 2) for k in range(21)]


def _gaps(protocol: Protocol) -> list[str]:
    return [f.message for f in lint(protocol) if f.code == "range-gap"]


def test_the_tutorial_glucose_pattern_leaves_199_to_200() -> None:
    two_hour = Range("g", 140, 199) | Threshold("g", ">", 200)
    protocol = Protocol("X", "x", inclusion=[two_hour], domains={"g": Domain(0, 1000)})
    (message,) = _gaps(protocol)
    assert "leave (199, 200] uncovered" in message


def test_no_gap_on_a_whole_number_scale_between_2_and_3() -> None:
    fs = Domain(0, 6, step=1)
    protocol = Protocol("X", "x", inclusion=[Range("fs", 0, 2) | Range("fs", 3, 6)],
                        domains={"fs": fs})
    assert _gaps(protocol) == []
    halves = Protocol("X", "x", inclusion=[Range("fs", 0, 2) | Range("fs", 3, 6)],
                      domains={"fs": HALVES})
    assert [m for m in _gaps(halves) if "(2, 3)" in m]


def test_touching_ends_and_a_missing_point() -> None:
    below, at_least = Threshold("k", "<", 5), Threshold("k", ">=", 5)
    assert _gaps(Protocol("X", "x", inclusion=[below | at_least])) == []
    (message,) = _gaps(Protocol("X", "x", inclusion=[below | Threshold("k", ">", 5)]))
    assert "leave 5 uncovered" in message


def _piece(draw: st.DrawFn) -> Range | Threshold:
    if draw(st.booleans()):
        low, high = sorted(draw(st.lists(st.integers(0, 20), min_size=2, max_size=2)))
        return Range("s", low / 2, high / 2, low_inclusive=draw(st.booleans()),
                     high_inclusive=draw(st.booleans()))
    return Threshold("s", draw(st.sampled_from(list(OPERATORS))), draw(st.integers(0, 20)) / 2)


@st.composite
def pieces(draw: st.DrawFn) -> list[Range | Threshold]:
    return [_piece(draw) for _ in range(draw(st.integers(2, 4)))]


@settings(max_examples=60)
@given(pieces())
def test_a_gap_is_reported_exactly_when_a_grid_value_between_ranges_meets_none(
        parts: list[Range | Threshold]) -> None:
    def meets(part: Range | Threshold, v: Fraction) -> bool:
        return part.test(v)

    covered = [v for v in GRID if any(meets(p, v) for p in parts)]
    holes = [v for v in GRID if covered and covered[0] < v < covered[-1]
             and not any(meets(p, v) for p in parts)]
    criterion = parts[0]
    for part in parts[1:]:
        criterion = criterion | part
    protocol = Protocol("X", "x", inclusion=[criterion], domains={"s": HALVES})
    assert bool(_gaps(protocol)) == bool(holes)


def test_an_exposure_days_source_over_an_empty_code_set_is_an_error() -> None:
    from trialrules import CodeSet, ExposureDays, Span

    empty = Threshold(ExposureDays(CodeSet("nothing"), Span(months=6)), ">", 28)
    findings = lint(Protocol("X", "x", exclusion=[empty]))
    assert [(f.code, f.severity) for f in findings] == [("empty-code-set", "error")]

"""Value domains: bounds and grids, checked exactly (no float rounding)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialrules import STANDARD_DOMAINS, Domain, InvalidRecord

EDSS = STANDARD_DOMAINS["edss"]


@pytest.mark.parametrize(("value", "inside"), [
    (0, True), (0.5, True), (3, True), (6.5, True), (10, True), (10.0, True),
    (-0.5, False), (10.5, False), (6.3, False), (6.25, False), (True, False), ("6", False),
    (float("nan"), False), (float("inf"), False), (None, False),
])
def test_edss_domain(value: object, inside: bool) -> None:
    assert EDSS.contains(value) is inside


@given(st.integers(0, 20))
def test_every_half_step_is_on_the_grid(n: int) -> None:
    assert EDSS.contains(n / 2)
    assert not EDSS.contains(n / 2 + 0.1)


def test_fs_scores_are_whole() -> None:
    pyramidal = STANDARD_DOMAINS["edss_pyramidal"]
    assert pyramidal.contains(3)
    assert pyramidal.contains(3.0)
    assert not pyramidal.contains(3.5)
    assert pyramidal.describe() == "a whole number from 0 to 6"
    assert EDSS.describe() == "a number from 0 to 10 in steps of 0.5"


def test_decimal_grid_is_exact() -> None:
    domain = Domain(0.1, 1.1, step=0.2)
    assert domain.contains(0.3)
    assert domain.contains(0.7)
    assert not domain.contains(0.4)


def test_check_names_the_field() -> None:
    with pytest.raises(InvalidRecord, match=r"patient 'P1': observations\[3\]\.value = 6\.3"):
        EDSS.check(6.3, "observations[3].value", patient="P1")


def test_domain_values() -> None:
    assert eval(repr(EDSS)) == EDSS
    assert repr(EDSS) == "Domain(0, 10, step=0.5, name='EDSS')"
    assert Domain(0, 25, unit="g/dL").to_dict() == {"low": 0, "high": 25, "unit": "g/dL"}

"""The pytest plugin (entry point ``pytest11``): trialrules assertions as fixtures.

Loaded by pytest wherever trialrules is installed, so it imports nothing
beyond trialrules itself: hypothesis stays optional.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .assertions import assert_case, assert_determination, assert_outcome
from .deck import assert_deck, assert_deck_case

__all__ = ["assert_case", "assert_deck", "assert_deck_case", "assert_determination",
           "assert_outcome"]


@pytest.fixture(name="assert_outcome")
def assert_outcome_fixture() -> Callable[..., Any]:
    """``trialrules.testing.assert_outcome``, for suites that prefer fixtures to imports."""
    return assert_outcome


@pytest.fixture(name="assert_determination")
def assert_determination_fixture() -> Callable[..., Any]:
    """``trialrules.testing.assert_determination`` as a fixture."""
    return assert_determination


@pytest.fixture(name="assert_case")
def assert_case_fixture() -> Callable[..., Any]:
    """``trialrules.testing.assert_case`` as a fixture."""
    return assert_case


@pytest.fixture(name="assert_deck")
def assert_deck_fixture() -> Callable[..., Any]:
    """``trialrules.testing.assert_deck``: every case of a committed deck, changes listed."""
    return assert_deck


@pytest.fixture(name="assert_deck_case")
def assert_deck_case_fixture() -> Callable[..., Any]:
    """``trialrules.testing.assert_deck_case``: one deck case (for parametrized suites)."""
    return assert_deck_case

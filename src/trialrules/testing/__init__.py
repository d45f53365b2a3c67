"""Testing toolkit: the case deck, boundary cases, mutants, strategies and assertions.

A downstream suite generates a protocol's case deck once (``make_deck`` or
``trialrules cases``), has it reviewed, commits it, and tests against it
(``assert_deck``): never regenerating its labels inside the test.

``boundary_cases`` and the assertions need nothing beyond trialrules; the
strategies ``records`` and ``records_for`` need hypothesis
(``pip install trialrules[testing]``) and import it only when first used.

>>> from datetime import date
>>> from trialrules import Threshold
>>> from trialrules.testing import boundary_cases
>>> for case in boundary_cases(Threshold("edss_pyramidal", ">=", 3), date(2026, 11, 27))[2:5]:
...     print(case.description, "->", case.expected.name)
edss_pyramidal 3 (on the bound, inclusive) -> MET
edss_pyramidal 2 (one step below the bound) -> NOT_MET
edss_pyramidal 4 (one step above the bound) -> MET
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._refdates import reference_dates, span_neighbours
from .assertions import assert_case, assert_determination, assert_outcome
from .boundaries import BoundaryCase, boundary_cases
from .deck import (
    ChangedCase,
    Deck,
    DeckCase,
    DeckDifference,
    assert_deck,
    assert_deck_case,
    check_deck,
    diff_decks,
    load_deck,
    make_deck,
)
from .mutants import Mutant, MutationScore, mutants, mutation_score

if TYPE_CHECKING:
    from .strategies import records, records_for

__all__ = [
    "BoundaryCase",
    "ChangedCase",
    "Deck",
    "DeckCase",
    "DeckDifference",
    "Mutant",
    "MutationScore",
    "assert_case",
    "assert_deck",
    "assert_deck_case",
    "assert_determination",
    "assert_outcome",
    "boundary_cases",
    "check_deck",
    "diff_decks",
    "load_deck",
    "make_deck",
    "mutants",
    "mutation_score",
    "records",
    "records_for",
    "reference_dates",
    "span_neighbours",
]

_LAZY = frozenset({"records", "records_for"})


def __getattr__(name: str) -> Any:
    # The strategies import hypothesis; load them only on first use so that
    # ``import trialrules.testing`` (and the pytest plugin) work without it.
    if name in _LAZY:
        try:
            from . import strategies
        except ModuleNotFoundError as exc:  # pragma: no cover - exercised without hypothesis
            if (exc.name or "").split(".")[0] != "hypothesis":
                raise
            raise ModuleNotFoundError(
                f"trialrules.testing.{name} needs hypothesis; "
                "install it with: pip install 'trialrules[testing]'", name="hypothesis"
            ) from exc
        return getattr(strategies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

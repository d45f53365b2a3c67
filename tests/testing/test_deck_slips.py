"""The 29 held-back slips: the committed deck and the documented downstream suite catch each."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import load_script
from nct_slips import SLIPS
from trialrules.protocols.nct06228781 import PROTOCOL
from trialrules.testing import check_deck, load_deck, mutants

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
DECK = load_deck(EXAMPLES / "NCT06228781.cases.jsonl", PROTOCOL)


def test_there_are_29_distinct_slips() -> None:
    assert len(SLIPS) == 29
    protocols = [make(PROTOCOL) for _, make in SLIPS]
    assert len(set(protocols)) == 29
    assert PROTOCOL not in protocols


def test_most_slips_are_not_in_the_generated_mutant_list() -> None:
    # Held back: the deck is not tuned to the generator's list of slips.
    def shape(protocol: object) -> tuple[object, ...]:
        return tuple(c.anonymous() for c in protocol.criteria)  # type: ignore[attr-defined]

    generated = {shape(m.protocol) for m in mutants(PROTOCOL)}
    novel = [name for name, make in SLIPS if shape(make(PROTOCOL)) not in generated]
    assert len(novel) >= 15, novel
    doc = " ".join((ROOT / "docs" / "testing.md").read_text(encoding="utf-8").split())
    assert f"29 slips by hand, {len(novel)} of them outside what the generator makes" in doc


@pytest.mark.parametrize(("name", "make"), SLIPS, ids=[name for name, _ in SLIPS])
def test_the_committed_deck_catches_the_slip(name: str, make: object) -> None:
    changes = check_deck(make(PROTOCOL), DECK)  # type: ignore[operator]
    assert changes, f"the deck missed: {name}"


@pytest.fixture(scope="module")
def example() -> object:
    return load_script(EXAMPLES / "test_downstream_example.py", "downstream_example_slips")


def _suite_fails(module: object) -> bool:
    """Run the example's deck test on every case, as pytest would; True if any fails."""
    for case in module.DECK.cases:  # type: ignore[attr-defined]
        try:
            module.test_signed_off_case(case)  # type: ignore[attr-defined]
        except AssertionError:
            return True
    return False


def test_the_downstream_example_passes_on_the_bundled_protocol(example: object) -> None:
    assert not _suite_fails(example)


@pytest.mark.parametrize(("name", "make"), SLIPS, ids=[name for name, _ in SLIPS])
def test_the_downstream_example_fails_on_the_slip(name: str, make: object, example: object,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(example, "PROTOCOL", make(PROTOCOL))  # type: ignore[operator]
    assert _suite_fails(example), f"the documented downstream suite missed: {name}"

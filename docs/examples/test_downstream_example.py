"""A downstream test suite: a screening service tests its encoding of NCT06228781.

Needs only ``pip install 'trialrules[testing]' pytest``. The service encodes
the trial itself (here it takes trialrules' bundled encoding; yours is your
own module or protocol JSON file), and ``eligible_ids`` stands for its
integration code around trialrules.

The expected outcomes come from the case deck committed beside this file,
``NCT06228781.cases.jsonl``: generated once with

    trialrules cases NCT06228781 --as-of 2026-11-27 -o NCT06228781.cases.jsonl

reviewed line by line in ``NCT06228781.cases.md``, and committed. The suite
never regenerates labels from the protocol it tests: a wrong protocol would
agree with itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialrules import Determination, Outcome, Record
from trialrules.protocols import get
from trialrules.testing import assert_deck_case, assert_determination, load_deck, records, records_for
from trialrules.tools.batch import screen

PROTOCOL = get("NCT06228781")  # the encoding under test
AS_OF = date(2026, 11, 27)

#: The signed-off deck: every case, its patient, reference date and expected outcome.
DECK = load_deck(Path(__file__).with_name("NCT06228781.cases.jsonl"), PROTOCOL)


def eligible_ids(records: Iterable[Record], as_of: date) -> list[str]:
    """The service's own code: ids of the eligible patients, in input order."""
    return [result.patient for result in screen(PROTOCOL, records, as_of)
            if not isinstance(result, Exception)
            and getattr(result, "determination", None) is Determination.ELIGIBLE]


@pytest.mark.parametrize("case", DECK.cases, ids=[case.id for case in DECK.cases])
def test_signed_off_case(case):
    # One test per reviewed case: on a bound, a grid step either side, window edges
    # on the dates that tell "1 month" from "30 days", every code of every code set,
    # an old observation, missing facts. A failure shows both explanations.
    assert_deck_case(PROTOCOL, case)


def test_the_deck_covers_every_criterion():
    assert {case.target for case in DECK.cases} == {c.id for c in PROTOCOL.criteria}


def test_the_edss_bounds_are_signed_off():
    # The reviewed rows for EDSS 3-6 inclusive, read from the deck, not recomputed.
    rows = {case.varies: case.expected for case in DECK.cases if case.target == "inclusion.3"}
    assert rows["edss 6 (on the high bound, inclusive)"] is Outcome.MET
    assert rows["edss 6.5 (one step above the high bound)"] is Outcome.NOT_MET


# The strategies test the service's integration, not the encoding: they draw
# records the protocol itself labels, so they cannot catch a wrong protocol.
@given(records_for(PROTOCOL, Determination.ELIGIBLE, AS_OF))
def test_eligible_patients_are_listed(record):
    assert_determination(PROTOCOL, record, AS_OF, Determination.ELIGIBLE)
    assert eligible_ids([record], AS_OF) == [record.id]


@given(st.one_of(records_for(PROTOCOL, Determination.INELIGIBLE, AS_OF),
                 records_for(PROTOCOL, Determination.NEEDS_REVIEW, AS_OF)))
def test_other_patients_are_not_listed(record):
    assert eligible_ids([record], AS_OF) == []


@given(records(AS_OF))
def test_any_valid_record_is_screened(record):
    # Arbitrary valid records never crash the integration.
    assert eligible_ids([record], AS_OF) in ([], [record.id])


def test_plugin_fixture(assert_deck):
    # The pytest plugin also offers the assertions as fixtures: the whole deck at once.
    assert_deck(PROTOCOL, DECK)

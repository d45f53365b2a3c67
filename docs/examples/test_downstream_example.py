"""A downstream test suite: a screening service tests its own protocol with trialrules.testing.

Needs only ``pip install 'trialrules[testing]' pytest``. The protocol below is
the service's own (an invented relapsing-MS trial); ``eligible_ids`` stands for
the service's integration code around trialrules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialrules import (
    Age,
    CodeSet,
    Determination,
    Domain,
    Flag,
    Lookback,
    OneOf,
    Outcome,
    Protocol,
    Range,
    Record,
    Sex,
    Span,
    Threshold,
    Washout,
)
from trialrules.testing import (
    assert_case,
    assert_determination,
    boundary_cases,
    records,
    records_for,
)
from trialrules.tools.batch import screen

AS_OF = date(2027, 3, 31)  # a month end: one month back is 28 February

ANTI_CD20 = CodeSet("anti-CD20 antibodies", codes=["ATC:L04AG08", "ATC:L01FA01", "ATC:L04AG12"])

PROTOCOL = Protocol(
    "EXAMPLE-RMS-01",
    "An invented relapsing multiple sclerosis trial",
    inclusion=[
        Range(Age(), 18, 55, label="Aged 18 to 55"),
        Range("edss", 0, 5.5, label="EDSS 0 to 5.5"),
        Lookback(CodeSet("MS relapse", codes=["ICD10:G35"]), Span(years=2),
                 label="A relapse in the last two years"),
        Threshold("lymphocytes", ">=", 0.8, label="Lymphocytes at least 0.8 x 10^9/L"),
    ],
    exclusion=[
        ~Washout(ANTI_CD20, Span(months=6)).with_label("Anti-CD20 therapy in the last 6 months"),
        Flag("pregnant", assume_false_if=OneOf(Sex(), ["male"]), label="Pregnant"),
    ],
    domains={"lymphocytes": Domain(0, 20, step=0.1, name="lymphocyte count", unit="10^9/L")},
)


def eligible_ids(records: Iterable[Record], as_of: date) -> list[str]:
    """The service's own code: ids of the eligible patients, in input order."""
    return [result.patient for result in screen(PROTOCOL, records, as_of)
            if not isinstance(result, Exception)
            and getattr(result, "determination", None) is Determination.ELIGIBLE]


CASES = [(criterion, case) for criterion in PROTOCOL.criteria
         for case in boundary_cases(criterion, AS_OF, domains=PROTOCOL.domains)]


@pytest.mark.parametrize(("criterion", "case"), CASES,
                         ids=[f"{c.id}-{case.record.id}" for c, case in CASES])
def test_every_boundary_case(criterion, case):
    # Each case sits on one side of one boundary of our encoding: on the bound,
    # a grid step either side, window edges, 29 February, missing facts.
    assert_case(criterion, case, domains=PROTOCOL.domains)


def test_the_edss_bound_is_inclusive():
    cases = boundary_cases(PROTOCOL.criterion("inclusion.2"), AS_OF, domains=PROTOCOL.domains)
    labels = {case.description: case.expected for case in cases}
    assert labels["edss 5.5 (on the high bound, inclusive)"] is Outcome.MET
    assert labels["edss 6 (one step above the high bound)"] is Outcome.NOT_MET


@given(records_for(PROTOCOL, Determination.ELIGIBLE, AS_OF))
def test_eligible_patients_are_listed(record):
    assert_determination(PROTOCOL, record, AS_OF, Determination.ELIGIBLE)
    assert eligible_ids([record], AS_OF) == [record.id]


@given(st.sampled_from([Determination.INELIGIBLE, Determination.NEEDS_REVIEW]).flatmap(
    lambda d: records_for(PROTOCOL, d, AS_OF)))
def test_other_patients_are_not_listed(record):
    assert eligible_ids([record], AS_OF) == []


@given(records(AS_OF))
def test_any_valid_record_is_screened(record):
    # Arbitrary valid records never crash the integration.
    assert eligible_ids([record], AS_OF) in ([], [record.id])


def test_plugin_fixture(assert_outcome):
    # The pytest plugin also offers the assertions as fixtures.
    assert_outcome(PROTOCOL.criterion("exclusion.2"), Record("P1", sex="male"), AS_OF,
                   Outcome.NOT_MET)

"""The pytest plugin and the assertions: failure messages print the explanation tree."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from helpers import AS_OF
from trialrules import Determination, Outcome, Range, Record
from trialrules.protocols.nct06228781 import PROTOCOL
from trialrules.testing import (
    assert_case,
    assert_determination,
    assert_outcome,
    boundary_cases,
)

pytest_plugins = ["pytester"]

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "test_downstream_example.py"
EDSS = Range("edss", 3, 6, id="inclusion.3", label="EDSS score of 3-6")


def test_assert_outcome_returns_the_explanation() -> None:
    record = Record("P1", observations=[])
    explanation = assert_outcome(EDSS, record, AS_OF, Outcome.UNKNOWN)
    assert explanation.missing == ("observation edss",)


def test_assert_outcome_failure_prints_the_tree() -> None:
    from trialrules import Observation

    record = Record("P7", observations=[Observation("edss", 6.5, "2026-10-02")])
    with pytest.raises(AssertionError) as info:
        assert_outcome(EDSS, record, AS_OF, Outcome.MET)
    message = str(info.value)
    assert message.splitlines()[0] == (
        "inclusion.3 for patient P7 as of 2026-11-27: expected MET, got NOT_MET")
    assert "[NOT MET] inclusion.3 EDSS score of 3-6" in message
    assert "EDSS 6.5 on 2026-10-02 is not between 3 and 6 (both inclusive)" in message


def test_assert_determination_failure_prints_every_criterion() -> None:
    with pytest.raises(AssertionError) as info:
        assert_determination(PROTOCOL, Record("P0"), AS_OF, Determination.ELIGIBLE)
    message = str(info.value)
    assert message.startswith("protocol NCT06228781 for patient P0 as of 2026-11-27: "
                              "expected ELIGIBLE, got NEEDS_REVIEW")
    assert "Inclusion criteria:" in message
    assert "missing: birth date" in message
    result = assert_determination(PROTOCOL, Record("P0"), AS_OF, Determination.NEEDS_REVIEW)
    assert result.patient == "P0"


def test_assert_case_names_the_case() -> None:
    case = next(c for c in boundary_cases(EDSS, AS_OF) if c.description.startswith("edss 3 "))
    assert_case(EDSS, case)
    wrong = Range("edss", 3, 6, low_inclusive=False, id="inclusion.3")
    with pytest.raises(AssertionError, match=r"boundary case inclusion.3: edss 3 \(on the low"):
        assert_case(wrong, case)


def test_expected_values_are_checked() -> None:
    with pytest.raises(TypeError, match="must be an Outcome"):
        assert_outcome(EDSS, Record("P1"), AS_OF, "met")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a Determination"):
        assert_determination(PROTOCOL, Record("P1"), AS_OF, Outcome.MET)  # type: ignore[arg-type]


def test_plugin_fixtures_and_failure_output(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_downstream=textwrap.dedent("""
        from datetime import date
        from trialrules import Observation, Outcome, Range, Record

        EDSS = Range("edss", 3, 6, id="inclusion.3")

        def test_fixture_passes(assert_outcome):
            record = Record("P1", observations=[Observation("edss", 3, "2026-10-02")])
            assert_outcome(EDSS, record, date(2026, 11, 27), Outcome.MET)

        def test_fixture_fails(assert_outcome):
            record = Record("P2", observations=[Observation("edss", 2.5, "2026-10-02")])
            assert_outcome(EDSS, record, date(2026, 11, 27), Outcome.MET)
    """))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*inclusion.3 for patient P2 as of 2026-11-27: expected MET, got NOT_MET*",
        "*[[]NOT MET[]] inclusion.3*",
        "*EDSS 2.5 on 2026-10-02 is not between 3 and 6 (both inclusive)*",
    ])


def test_the_documented_downstream_suite_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_downstream_example=EXAMPLE.read_text(encoding="utf-8"))
    # The example's signed-off deck sits beside it, as it would in a downstream repository.
    for deck in EXAMPLE.parent.glob("NCT06228781.cases.*"):
        (pytester.path / deck.name).write_bytes(deck.read_bytes())
    # Run as a downstream suite would, with a small hypothesis profile for speed;
    # the in-process run loads it globally, so restore ours afterwards.
    settings.register_profile("toolkit-example", max_examples=25, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    before = settings.get_current_profile_name()
    try:
        result = pytester.runpytest("-p", "no:cacheprovider", "-q",
                                    "--hypothesis-profile=toolkit-example")
    finally:
        settings.load_profile(before)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()
    assert outcomes.get("errors", 0) == 0, result.stdout.str()
    assert outcomes["passed"] > 700  # one test per signed-off case, and the rest


def test_the_plugin_loads_without_hypothesis(tmp_path: Path) -> None:
    # A downstream suite without hypothesis: the plugin, boundary_cases and the
    # assertions work; records() says how to get hypothesis.
    (tmp_path / "test_plain.py").write_text(textwrap.dedent("""
        from datetime import date
        import pytest
        import trialrules.testing as t
        from trialrules import Outcome, Range

        def test_plain(assert_outcome):
            edss = Range("edss", 3, 6)
            for case in t.boundary_cases(edss, date(2026, 11, 27)):
                assert_outcome(edss, case.record, case.as_of, case.expected)

        def test_strategies_explain_the_extra():
            with pytest.raises(ModuleNotFoundError, match=r"trialrules\\[testing\\]"):
                t.records
    """))
    code = textwrap.dedent("""
        import sys

        class NoHypothesis:  # as if hypothesis were not installed
            def find_spec(self, name, path=None, target=None):
                top = name.split(".")[0]
                if top in ("hypothesis", "_hypothesis_pytestplugin"):
                    raise ModuleNotFoundError(f"No module named {top!r}", name=top)
                return None

        sys.meta_path.insert(0, NoHypothesis())
        import pytest
        sys.exit(pytest.main(["-q", "-p", "no:hypothesispytest", "-p", "no:cacheprovider",
                              "-W", "error", sys.argv[1]]))
    """)
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "test_plain.py")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_unknown_public_names_raise_attribute_error() -> None:
    import trialrules.testing

    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        trialrules.testing.nothing  # noqa: B018
    assert set(trialrules.testing.__all__) == {
        "BoundaryCase", "assert_case", "assert_determination", "assert_outcome",
        "boundary_cases", "records", "records_for",
        # The case deck and the mutation check (issue 16).
        "ChangedCase", "Deck", "DeckCase", "DeckDifference", "Mutant", "MutationScore",
        "assert_deck", "assert_deck_case", "check_deck", "diff_decks", "load_deck", "make_deck",
        "mutants", "mutation_score", "reference_dates", "span_neighbours"}

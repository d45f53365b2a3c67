"""``show`` names where each code set came from; lint checks code sets against an input."""

from __future__ import annotations

from trialrules import CodeSet, Lookback, Protocol, Record, Span, Washout
from trialrules.protocols import get
from trialrules.tools.describe import code_sets, describe_protocol
from trialrules.tools.lint import lint
from trialrules.values.records import Condition, Exposure

SNOMED_CANCER = CodeSet("cancer", codes=["SNOMED:93761005"], source="FHIR ValueSet v (expansion)")
ATC_AGENTS = CodeSet("agents", prefixes=["ATC:L01"])
PROTOCOL = Protocol("P", "T", exclusion=[
    Lookback(SNOMED_CANCER, Span(years=5), id="exclusion.1"),
    Washout(ATC_AGENTS, Span(months=1), id="exclusion.2"),
    Lookback(SNOMED_CANCER, Span(years=1), id="exclusion.3"),
])


def test_show_lists_each_code_set_once_with_its_size_and_source() -> None:
    assert code_sets(PROTOCOL) == [SNOMED_CANCER, ATC_AGENTS]
    text = describe_protocol(PROTOCOL)
    assert text.endswith(
        "\nCode sets\n"
        "  cancer: 1 code (SNOMED); from FHIR ValueSet v (expansion)\n"
        "  agents: 1 prefix and 0 codes (ATC); from the protocol itself\n")
    md = describe_protocol(PROTOCOL, "markdown")
    assert "| cancer | 1 code | SNOMED | FHIR ValueSet v (expansion) |" in md


def test_show_of_the_bundled_protocol_names_its_value_set_files() -> None:
    text = describe_protocol(get("NCT06228781"))
    section = text.split("\nCode sets\n")[1]
    assert section.count("\n") == 3  # cytotoxic, infections, malignancy


def test_lint_with_input_reports_a_code_set_whose_system_never_appears() -> None:
    records = [Record("a", conditions=[Condition("ICD10:C18.9", "2020-01-01")],
                      exposures=[Exposure("ATC:L01AA01", "2020-01-01")]),
               Record("b")]
    findings = [f for f in lint(PROTOCOL, records) if f.code == "code-system-absent"]
    assert len(findings) == 1
    assert findings[0].criteria == ("exclusion.1", "exclusion.3")
    assert "holds SNOMED codes, but the conditions of the 2 input records use ICD10" in str(
        findings[0])
    # one SNOMED condition anywhere in the input silences it
    records.append(Record("c", conditions=[Condition("SNOMED:1", "2020-01-01")]))
    assert not [f for f in lint(PROTOCOL, records) if f.code == "code-system-absent"]
    # without input, no such check
    assert not [f for f in lint(PROTOCOL) if f.code == "code-system-absent"]


def test_lint_checks_the_history_each_criterion_reads() -> None:
    # SNOMED only among exposures: the lookback on conditions still finds nothing
    records = [Record("a", exposures=[Exposure("SNOMED:1", "2020-01-01"),
                                      Exposure("ATC:L01", "2020-01-01")])]
    found = [f for f in lint(PROTOCOL, records) if f.code == "code-system-absent"]
    assert [f.criteria for f in found] == [("exclusion.1", "exclusion.3")]
    assert "use no codes at all" in str(found[0])


def test_lint_checks_code_sets_inside_sources_and_nested_criteria() -> None:
    # an ATC-only set counted by exposure_days inside a threshold, and one under a Not,
    # over RxNorm-coded exposures: both can match nothing
    from trialrules import ExposureDays, Not, Threshold

    protocol = Protocol("P", "T", exclusion=[
        Threshold(ExposureDays(ATC_AGENTS, Span(days=90)), ">", 28, id="exclusion.1"),
        Not(Washout(CodeSet("steroids", prefixes=["ATC:H02"]), Span(months=1)),
            id="exclusion.2"),
    ])
    records = [Record("a", exposures=[Exposure("RXNORM:3002", "2020-01-01")])]
    found = [f for f in lint(protocol, records) if f.code == "code-system-absent"]
    assert [f.criteria for f in found] == [("exclusion.1",), ("exclusion.2.1",)]
    assert "'agents' holds ATC codes, but the exposures of the 1 input record use RXNORM" in \
        str(found[0])
    records.append(Record("b", exposures=[Exposure("ATC:A01", "2020-01-01")]))
    assert not [f for f in lint(protocol, records) if f.code == "code-system-absent"]

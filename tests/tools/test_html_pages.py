"""The HTML pages: numbers equal the JSON report's, timelines hold the right dates, input is escaped."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest

from html_testing import HOSTILE, Element, hostile_protocol, hostile_records, parse
from trialrules import (
    CodeSet,
    Condition,
    Exposure,
    Flag,
    Lookback,
    Observation,
    PartialDate,
    Protocol,
    Range,
    Record,
    Span,
    Washout,
)
from trialrules.cli import main
from trialrules.protocols import get
from trialrules.tools.html import INSTALL, HtmlUnavailable, patients_html, report_html, visible
from trialrules.tools.html._timeline import timeline
from trialrules.tools.report import FeasibilityReport
from trialrules.values.records import NOT_KNOWN_IF_ENDED

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "patients.jsonl"
FHIR = ROOT / "tests" / "data" / "fhir"
AS_OF = "2027-03-31"


def run(*args: str) -> int:
    return main([*args])


def fields(el: Element) -> dict[str, str]:
    """``data-field`` -> text of the cells below ``el``."""
    return {c.attrs["data-field"]: c.text.strip() for c in el.iter() if "data-field" in c.attrs}


# ----------------------------------------------------------------- the report equals the JSON

@pytest.fixture(scope="module")
def example_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Element, Element]:
    tmp = tmp_path_factory.mktemp("report")
    assert run("screen", str(EXAMPLES), "--as-of", AS_OF, "--report", str(tmp / "r.json")) == 0
    assert run("screen", str(EXAMPLES), "--as-of", AS_OF, "--report", str(tmp / "r.html")) == 0
    data = json.loads((tmp / "r.json").read_text(encoding="utf-8"))
    page = parse((tmp / "r.html").read_text(encoding="utf-8"))
    examples = parse((tmp / "r.patients.html").read_text(encoding="utf-8"))
    return data, page, examples


def test_report_numbers_equal_the_json_report(example_report: tuple[dict, Element, Element]) -> None:
    data, page, _ = example_report
    summary = fields(page.find_all(id="summary")[0])
    assert summary == {"protocol": data["protocol"], "as_of": data["as_of"],
                       "source": str(EXAMPLES), "screened": str(data["screened"]),
                       "bad_records": str(data["bad_records"])}
    table = fields(page.find_all(id="determinations-table")[0])
    assert table == {f"determinations.{k}": str(v) for k, v in data["determinations"].items()}
    bars = {g.attrs["data-determination"]: int(g.attrs["data-count"])
            for g in page.find_all("g", class_="determination-bar")}
    assert bars == data["determinations"]
    rows = page.find_all(id="criteria-table")[0].find_all("tr")[1:]
    assert [r.attrs["data-criterion"] for r in rows] == [c["id"] for c in data["criteria"]]
    for row, counts in zip(rows, data["criteria"], strict=True):
        assert fields(row) == {k: str(v) for k, v in counts.items() if k not in ("id", "section")}
    steps = page.find_all("g", class_="funnel-step")
    assert [(s.attrs["data-criterion"], int(s.attrs["data-remaining"]), int(s.attrs["data-certain"]))
            for s in steps] == [("", data["screened"], data["screened"])] + [
        (f["after"], f["remaining"], f["certain"]) for f in data["funnel"]]
    funnel_rows = page.find_all(id="funnel-table")[0].find_all("tr")[2:]
    assert [(r.attrs["data-criterion"], fields(r)) for r in funnel_rows] == [
        (f["after"], {"remaining": str(f["remaining"]), "certain": str(f["certain"])})
        for f in data["funnel"]]
    # The undecided criteria come from the same counts, most unknown first.
    ranked = [(r.attrs["data-criterion"], int(fields(r)["unknown"]))
              for r in page.find_all(id="undecided-table")[0].find_all("tr")[1:]]
    expected = sorted(((c["id"], c["unknown"]) for c in data["criteria"] if c["unknown"]),
                      key=lambda p: -p[1])[:5]
    assert ranked == expected


def test_report_names_protocol_date_and_input_at_the_top(
        example_report: tuple[dict, Element, Element]) -> None:
    _, page, _ = example_report
    h1 = page.find_all("h1")
    assert len(h1) == 1
    assert h1[0].text == "Feasibility of NCT06228781 as of 2027-03-31"
    assert [h.text for h in page.find_all("h2")] == [
        "Determinations", "Attrition funnel", "Per criterion",
        "Criteria that leave most patients undecided"]


def test_report_counts_link_to_patients_with_that_outcome(
        example_report: tuple[dict, Element, Element]) -> None:
    data, page, examples = example_report
    links = [a for a in page.find_all("a") if "#cell-" in a.attrs.get("href", "")]
    assert len(links) >= 16  # every criterion has patients with some outcome
    sections = {s.attrs["id"]: s for s in examples.find_all("section", class_="patient")}
    ids = [c["id"] for c in data["criteria"]]
    for link in links:
        page_name, anchor = link.attrs["href"].split("#")
        assert page_name == "r.patients.html"
        _, index, outcome = anchor.split("-")
        cell = examples.find_all(id=anchor)[0]
        patients = [a.attrs["href"][1:] for a in cell.find_all("a")]
        assert 1 <= len(patients) <= 3
        for target in patients:
            nodes = sections[target].find_all("li", data_node=ids[int(index)])
            assert nodes[0].attrs["data-outcome"] == outcome


def test_examples_list_the_facts_that_would_decide(example_report: tuple[dict, Element, Element]) -> None:
    _, page, _ = example_report
    row = page.find_all(id="undecided-table")[0].find_all("tr", data_criterion="inclusion.6")[0]
    assert "flag bone_marrow_normal" in row.text
    assert "flag cytogenetics_normal" in row.text


# ------------------------------------------------------------------------- timeline geometry

CYTO = CodeSet("cytotoxic agents", prefixes=["ATC:L01"])
TUMOURS = CodeSet("malignant tumours", prefixes=["ICD10:C"])


def test_timeline_draws_partial_dates_as_ranges_and_ongoing_to_the_reference_date() -> None:
    protocol = Protocol("T-1", "timeline", inclusion=[Washout(CYTO, Span(months=1), id="inc.1")],
                        exclusion=[Lookback(TUMOURS, Span(years=5), id="exc.1")])
    record = Record("P1", exposures=[Exposure("ATC:L01AA01", "2027-02", "2027-03-10"),
                                     Exposure("ATC:L01XX", "2027-03-01")],
                    conditions=[Condition("ICD10:C50.9", "2020", "2021-06")],
                    observations=[Observation("edss", 4.5, "2027-02-15"),
                                  Observation("edss", 5, "2026-12")])
    as_of = date(2027, 3, 31)
    t = timeline(protocol, record, protocol.evaluate(record, as_of))
    rows = {r.ref: r for r in t.rows}
    # "2027-02" to 2027-03-10: any day of February may be the start; the 28th on, it is certain.
    assert [(s.first, s.last, s.certain) for s in rows["exposures[0]"].segments] == [
        (date(2027, 2, 1), date(2027, 2, 27), False), (date(2027, 2, 28), date(2027, 3, 10), True)]
    assert [(s.first, s.last, s.certain) for s in rows["exposures[1]"].segments] == [
        (date(2027, 3, 1), date(2027, 3, 31), True)]
    assert rows["exposures[1]"].note == "ongoing"
    assert [(s.first, s.last, s.certain) for s in rows["conditions[0]"].segments] == [
        (date(2020, 1, 1), date(2020, 12, 30), False), (date(2020, 12, 31), date(2021, 6, 1), True),
        (date(2021, 6, 2), date(2021, 6, 30), False)]
    obs = rows["observations[0, 1]"]
    assert [(m.first, m.last, m.value) for m in obs.marks] == [
        (date(2026, 12, 1), date(2026, 12, 31), "5"), (date(2027, 2, 15), date(2027, 2, 15), "4.5")]
    # One month before 31 March is 28 February (2027 is not a leap year); both ends inclusive.
    assert (rows["inc.1"].first, rows["inc.1"].last, rows["inc.1"].outcome) == (
        date(2027, 2, 28), date(2027, 3, 31), "not_met")
    assert (rows["exc.1"].first, rows["exc.1"].last, rows["exc.1"].outcome) == (
        date(2022, 3, 31), date(2027, 3, 31), "unknown")  # the history is not declared complete
    # Every bar lies on the axis, left to right in date order.
    bars = rows["exposures[0]"].segments
    assert bars[0].x < bars[1].x < t.as_of_x
    assert t.first <= date(2020, 1, 1)
    assert t.last >= as_of


def test_timeline_of_a_fact_with_an_unknown_end_and_start() -> None:
    protocol = Protocol("T-2", "timeline", inclusion=[Flag("consent", id="inc.1")])
    record = Record("P1", exposures=[Exposure("ATC:L01AA01", "2026-05-04", end="2026-05-04"),
                                     Exposure("ATC:L01BB", PartialDate())],
                    conditions=[Condition("ICD10:C50.9", "2024-01-10", PartialDate()),
                                Condition("ICD10:G35", "2019", NOT_KNOWN_IF_ENDED)])
    t = timeline(protocol, record, protocol.evaluate(record, date(2027, 3, 31)))
    rows = {r.ref: r for r in t.rows}
    one_day = rows["exposures[0]"].segments
    assert [(s.first, s.last, s.certain) for s in one_day] == [
        (date(2026, 5, 4), date(2026, 5, 4), True)]
    assert one_day[0].width >= 3  # a single day is still visible
    assert rows["exposures[1]"].note == "start unknown, ongoing"
    assert all(not s.certain for s in rows["exposures[1]"].segments)
    assert rows["conditions[0]"].note == "ended, date unknown"
    assert rows["conditions[1]"].note == "not known whether it ended"
    assert [(s.first, s.certain) for s in rows["conditions[1]"].segments] == [
        (date(2019, 1, 1), False)]
    assert t.windows == ()


def test_windows_of_the_bundled_protocol_on_the_patient_page(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run("explain", str(EXAMPLES), "--id", "P24", "--as-of", AS_OF, "--format", "html") == 0
    page = parse(capsys.readouterr().out)
    windows = {g.attrs["data-criterion"]: (g.attrs["data-first"], g.attrs["data-last"],
                                           g.attrs["data-outcome"])
               for g in page.find_all("g", class_="window")}
    # Hand-computed from the registry text: one month and five years before 2027-03-31,
    # infections current on the day, cytotoxic exposure ever (inclusion 6's condition).
    assert windows == {
        "inclusion.6.1": ("", "2027-03-31", "met"),
        "exclusion.2.1": ("2027-02-28", "2027-03-31", "met"),
        "exclusion.3": ("2027-03-31", "2027-03-31", "not_met"),
        "exclusion.4.1": ("2027-02-28", "2027-03-31", "met"),
        "exclusion.5": ("2022-03-31", "2027-03-31", "not_met"),
    }
    fact = page.find_all("g", data_fact="exposures[0]")[0]
    assert (fact.attrs["data-first"], fact.attrs["data-last"]) == ("2024-05-10", "2024-11-10")
    needs = page.find_all("li", data_criterion="inclusion.6")[0]
    assert [li.text for li in needs.find_all("li")[1:]] == ["flag bone_marrow_normal",
                                                        "flag cytogenetics_normal"]
    # The tree is there beside it, and every chart has its table.
    assert len(page.find_all("svg", class_="timeline")) == 1
    assert len(page.find_all("table", class_="timeline-table")) == 1
    assert page.find_all("section", class_="patient")[0].attrs["data-determination"] == "needs_review"


# ----------------------------------------------------------------------------- hostile input

def _assert_inert(page: str) -> None:
    for raw in ("\x1b", "\r", "\u202e", "<script", "<img"):
        assert raw not in page
    dom = parse(page)
    assert not dom.find_all("script")
    assert not dom.find_all("img")
    for el in dom.iter():
        assert not any(k.startswith("on") for k in el.attrs), el
        assert not el.attrs.get("href", "").lower().startswith(("javascript:", "http"))
    text = dom.text
    assert "\\x1b[31mred" in text
    assert "P1\\r\\nP2" in text
    assert "P\\u202egnp.exe" in text
    assert "<script>alert(1)</script>" in text
    assert '"><img src=x onerror=alert(1)>' in text
    assert '=HYPERLINK("http://evil.example","click")' in text


def test_hostile_ids_and_labels_are_shown_as_text_on_both_pages() -> None:
    protocol = hostile_protocol()
    as_of = date(2027, 3, 31)
    pairs = [(r, protocol.evaluate(r, as_of)) for r in hostile_records()]
    from trialrules.tools.html import ReportDetails

    details = ReportDetails(protocol, as_of)
    for record, result in pairs:
        details.add(record, result)
    report = FeasibilityReport.of(protocol, as_of, [r for _, r in pairs])
    _assert_inert(report_html(report, protocol, source=HOSTILE[4], details=details,
                              patients_href="x.html"))
    _assert_inert(patients_html(protocol, as_of, pairs, source=HOSTILE[1], details=details,
                                title=HOSTILE[3]))


def test_visible_shows_every_unprintable_character() -> None:
    assert visible("a\x1bb\u202ec\r\n\u2066") == "a\\x1bb\\u202ec\\r\\n\\u2066"
    assert visible("Älter ≥ 18") == "Älter ≥ 18"
    assert visible(3) == 3


# ------------------------------------------------------------------ self-contained, repeatable

def test_pages_load_nothing_and_run_nothing(example_report: tuple[dict, Element, Element]) -> None:
    _, page, examples = example_report
    for dom in (page, examples):
        csp = [m for m in dom.find_all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
        assert csp
        assert csp[0].attrs["content"].startswith("default-src 'none'")
        assert not dom.find_all("script")
        assert not dom.find_all("link")
        assert not dom.find_all("img")
        for el in dom.iter():
            for key in ("src", "href"):
                value = el.attrs.get(key, "")
                assert not value or value.startswith("#") or value.startswith("r.patients.html#")


def test_the_same_input_gives_the_same_bytes() -> None:
    protocol = get("NCT06228781")
    as_of = date(2027, 3, 31)
    records = [Record("P1", exposures=[Exposure("ATC:L01AA01", "2027-03")])]
    pages = {patients_html(protocol, as_of, [(r, protocol.evaluate(r, as_of)) for r in records],
                           source="x") for _ in range(2)}
    assert len(pages) == 1


# ---------------------------------------------------------------------------- no Jinja2 extra

def test_without_jinja2_the_error_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    protocol = get("NCT06228781")
    with pytest.raises(HtmlUnavailable, match=r"pip install 'trialrules\[html\]'"):
        report_html(FeasibilityReport.of(protocol, date(2027, 3, 31), []), protocol, source="x")
    assert INSTALL == "pip install 'trialrules[html]'"
    capsys.readouterr()
    assert run("screen", str(EXAMPLES), "--as-of", AS_OF, "--report", str(tmp_path / "r.html")) == 2
    assert run("explain", str(EXAMPLES), "--id", "P24", "--format", "html") == 2
    err = capsys.readouterr()
    assert err.out == ""  # refused before screening: nothing written
    assert err.err.count("pip install 'trialrules[html]'") == 2
    assert not (tmp_path / "r.html").exists()


def test_crowded_values_are_not_overprinted() -> None:
    protocol = Protocol("T-3", "timeline", inclusion=[Range("edss", 3, 6, id="inc.1")])
    record = Record("P1", observations=[Observation("edss", 4.5, "2020-01-01"),
                                        Observation("edss", 5, "2020-01-02"),
                                        Observation("edss", 5.5, "2027-03-01")])
    t = timeline(protocol, record, protocol.evaluate(record, date(2027, 3, 31)))
    # Seven years on about 550 units: the day after is under the same dot; years later is not.
    assert [(m.value, m.labelled) for m in t.facts[0].marks] == [
        ("4.5", True), ("5", False), ("5.5", True)]

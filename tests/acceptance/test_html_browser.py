"""The HTML pages in a real browser: headless Chromium renders them with no console error.

Each test opens one page in its own browser (DevTools protocol over a pipe, see
tests/chromium.py), reads the funnel's and the timeline's numbers and dates
from the live DOM, checks headings, chart tables and text contrast, and saves
a screenshot under the test's temporary folder. Chromium is Debian's
``chromium`` package; .ci/run installs it. Without it these tests skip.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chromium import Page, executable
from html_testing import HOSTILE, hostile_protocol, hostile_records
from trialrules.cli import main

pytestmark = pytest.mark.skipif(
    executable() is None,
    reason="headless Chromium is not installed (Debian: apt-get install chromium; .ci/run does it)")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "patients.jsonl"
AS_OF = "2027-03-31"

#: WCAG 2 contrast of every element that holds text, against the first opaque background
#: behind it (SVG text: its fill against the white page).
CONTRAST = """(() => {
  const rgba = c => { const p = c.match(/[\\d.]+/g).map(Number);
                      return p.length === 4 ? p : [...p, 1]; };
  const lum = ([r, g, b]) => {
    const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const behind = el => { for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0) return c; }
    return [255, 255, 255, 1]; };
  const low = []; let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some(t => t.nodeType === 3 && t.textContent.trim())) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || el.closest('.skip')) continue;
    const svg = el instanceof SVGElement;
    const a = lum(rgba(svg ? style.fill : style.color)), b = lum(svg ? [255, 255, 255] : behind(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    checked++;
    if (ratio < 4.5) low.push([el.tagName, el.textContent.trim().slice(0, 40), ratio]);
  }
  return {checked, low};
})()"""

#: Headings, and a table saying the same as each chart.
STRUCTURE = """(() => ({
  h1: [...document.querySelectorAll('h1')].map(h => h.textContent),
  h2: document.querySelectorAll('h2').length,
  charts: [...document.querySelectorAll('figure > svg[role=img]')].map(svg => ({
    title: svg.querySelector('title') ? svg.querySelector('title').textContent : null,
    table: (() => { let e = svg.closest('figure').nextElementSibling;
                    return e !== null && e.tagName === 'TABLE' && e.querySelector('caption') !== null; })(),
  })),
  lang: document.documentElement.lang,
}))()"""


def _checked(page: Page, shot: Path) -> dict[str, Any]:
    """What every page must satisfy; returns the page's structure."""
    assert page.problems() == []
    assert page.requests() == [page.url]  # nothing but the page itself: no network, no CDN
    structure = page.evaluate(STRUCTURE)
    assert len(structure["h1"]) == 1
    assert structure["h2"] >= 1
    assert structure["lang"] == "en"
    assert structure["charts"], "a page without a chart"
    for chart in structure["charts"]:
        assert chart["title"], chart
        assert chart["table"], chart
    contrast = page.evaluate(CONTRAST)
    assert contrast["checked"] > 20
    assert contrast["low"] == []
    page.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return structure  # type: ignore[no-any-return]


def test_report_renders_with_the_json_numbers(tmp_path: Path) -> None:
    assert main(["screen", str(EXAMPLES), "--as-of", AS_OF, "--report", str(tmp_path / "r.json")]) == 0
    assert main(["screen", str(EXAMPLES), "--as-of", AS_OF, "--report", str(tmp_path / "r.html")]) == 0
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    with Page(tmp_path / "r.html") as page:
        _checked(page, tmp_path / "report.png")
        # It prints: the print stylesheet applies and the PDF has the report's pages.
        assert page.pdf(tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"
        assert page.problems() == []
        steps = page.evaluate("""[...document.querySelectorAll('g.funnel-step')].map(g => [
            g.dataset.criterion, +g.dataset.remaining, +g.dataset.certain,
            g.querySelector('rect.funnel-remaining').getBBox().width])""")
        counts = page.evaluate("""Object.fromEntries([...document.querySelectorAll(
            '#criteria-table tbody tr')].map(tr => [tr.dataset.criterion, Object.fromEntries(
            [...tr.querySelectorAll('[data-field]')].map(td => [td.dataset.field, +td.textContent]))]))""")
    assert [s[:3] for s in steps] == [["", data["screened"], data["screened"]]] + [
        [f["after"], f["remaining"], f["certain"]] for f in data["funnel"]]
    # The bars are drawn to scale: widths in proportion to the remaining counts.
    assert steps[0][3] == pytest.approx(500, abs=0.5)
    for _, remaining, _, width in steps:
        assert width == pytest.approx(500 * remaining / data["screened"], abs=0.5)
    assert counts == {c["id"]: {k: v for k, v in c.items() if k not in ("id", "section")}
                      for c in data["criteria"]}


def test_patient_timeline_renders_its_windows(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(EXAMPLES), "--id", "P24", "--as-of", AS_OF, "--format", "html"]) == 0
    (tmp_path / "p24.html").write_text(capsys.readouterr().out, encoding="utf-8")
    with Page(tmp_path / "p24.html") as page:
        _checked(page, tmp_path / "p24.png")
        assert page.pdf(tmp_path / "p24.pdf").read_bytes()[:5] == b"%PDF-"
        windows = page.evaluate("""[...document.querySelectorAll('g.window')].map(g => [
            g.dataset.criterion, g.dataset.first, g.dataset.last, g.dataset.outcome,
            g.querySelector('rect').getBBox().width])""")
        exposure = page.evaluate("""(() => { const g = document.querySelector('g[data-fact="exposures[0]"]');
            return [g.dataset.first, g.dataset.last, g.querySelectorAll('rect.certain').length]; })()""")
        as_of = page.evaluate("document.querySelector('svg.timeline').dataset.asOf")
    assert [w[:4] for w in windows] == [
        ["inclusion.6.1", "", "2027-03-31", "met"],
        ["exclusion.2.1", "2027-02-28", "2027-03-31", "met"],
        ["exclusion.3", "2027-03-31", "2027-03-31", "not_met"],
        ["exclusion.4.1", "2027-02-28", "2027-03-31", "met"],
        ["exclusion.5", "2022-03-31", "2027-03-31", "not_met"],
    ]
    # Five years is drawn wider than one month, one month wider than one day.
    widths = {w[0]: w[4] for w in windows}
    assert widths["exclusion.5"] > widths["exclusion.2.1"] > widths["exclusion.3"] > 0
    assert exposure == ["2024-05-10", "2024-11-10", 1]
    assert as_of == AS_OF


def test_many_patients_and_report_examples_render(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(EXAMPLES), "--as-of", AS_OF, "--format", "html", "--limit", "4"]) == 0
    (tmp_path / "four.html").write_text(capsys.readouterr().out, encoding="utf-8")
    with Page(tmp_path / "four.html") as page:
        _checked(page, tmp_path / "four.png")
        patients = page.evaluate(
            "[...document.querySelectorAll('section.patient')].map(s => s.dataset.patient)")
        timelines = page.evaluate("document.querySelectorAll('svg.timeline').length")
    assert patients == ["P01", "P02", "P03", "P04"]
    assert timelines == 4


def test_hostile_input_renders_inert(tmp_path: Path) -> None:
    from trialrules.tools.html import ReportDetails, patients_html, report_html
    from trialrules.tools.report import FeasibilityReport

    protocol, as_of = hostile_protocol(), date(2027, 3, 31)
    pairs = [(r, protocol.evaluate(r, as_of)) for r in hostile_records()]
    details = ReportDetails(protocol, as_of)
    for record, result in pairs:
        details.add(record, result)
    report = FeasibilityReport.of(protocol, as_of, [r for _, r in pairs])
    (tmp_path / "hostile-report.html").write_text(report_html(
        report, protocol, source=HOSTILE[4], details=details,
        patients_href="hostile-patients.html"), encoding="utf-8")
    (tmp_path / "hostile-patients.html").write_text(patients_html(
        protocol, as_of, pairs, source=HOSTILE[1], details=details, title=HOSTILE[3]),
        encoding="utf-8")
    with Page(tmp_path / "hostile-report.html") as page:  # one browser, both pages in turn
        for name in ("hostile-report", "hostile-patients"):
            page.goto(tmp_path / f"{name}.html")
            assert page.problems() == []
            assert page.requests() == [page.url]
            assert page.evaluate(
                "document.querySelectorAll('script, img, iframe, object').length") == 0
            assert page.evaluate("document.title").startswith(("Feasibility of <script>", "<script>"))
            page.screenshot(tmp_path / f"{name}.png", max_height=3000)


def test_pages_from_fhir_and_omop_render(tmp_path: Path) -> None:
    """The report and its example patients' page from the FHIR and the OMOP fixtures."""
    sources = [("fhir", ROOT / "tests" / "data" / "fhir" / "synthea_Carroll471_OHara248.json",
                AS_OF)]
    try:
        import duckdb  # noqa: F401
    except ImportError:  # pragma: no cover - the dev extra installs it
        pass
    else:
        sources.append(("omop", ROOT / "tests" / "data" / "omop" / "synthea27nj", "2022-06-01"))
    pages = []
    for kind, source, as_of in sources:
        report = tmp_path / f"{kind}.html"
        assert main(["screen", str(source), "--input-format", kind, "--as-of", as_of,
                     "--limit", "2", "--report", str(report)]) == 0
        pages += [report, tmp_path / f"{kind}.patients.html"]
    with Page(pages[0]) as page:  # one browser, each page loaded in turn
        for page_path in pages:
            page.goto(page_path)
            assert page.problems() == []
            assert page.requests() == [page.url]
            assert page.evaluate("document.querySelectorAll('h1').length") == 1
            page.screenshot(tmp_path / f"{page_path.stem}.png", max_height=2500)
            if page_path.name.endswith(".patients.html"):
                assert page.evaluate("document.querySelectorAll('svg.timeline').length") >= 1

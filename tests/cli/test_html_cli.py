"""The command line's HTML pages: selection (--id, --limit), FHIR input, what is written where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from html_testing import parse
from trialrules.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "patients.jsonl"
SYNTHEA = ROOT / "tests" / "data" / "fhir" / "synthea_Carroll471_OHara248.json"
SYNTHEA_ID = "274f5452-2a39-44c4-a7cb-f36de467762e"
AS_OF = "2027-03-31"


def patients_on(page: str) -> list[tuple[str, str]]:
    return [(s.attrs["data-patient"], s.attrs["data-determination"])
            for s in parse(page).find_all("section", class_="patient")]


def test_screen_html_with_ids_in_input_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(EXAMPLES), "--as-of", AS_OF, "--format", "html",
                 "--id", "P24", "--id", "P05"]) == 0
    # P05 comes before P24 in the file; determinations as the pinned text output says.
    assert patients_on(capsys.readouterr().out) == [("P05", "ineligible"), ("P24", "needs_review")]


def test_screen_limit_screens_the_first_records(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(EXAMPLES), "--as-of", AS_OF, "--format", "html", "--limit", "2"]) == 0
    assert [p for p, _ in patients_on(capsys.readouterr().out)] == ["P01", "P02"]
    assert main(["screen", str(EXAMPLES), "--as-of", AS_OF, "--format", "csv", "--limit", "3"]) == 0
    assert capsys.readouterr().out.count("\n") == 4  # header and three patients


def test_an_id_not_in_the_input_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(EXAMPLES), "--as-of", AS_OF, "--id", "P01", "--id", "P99"]) == 0
    captured = capsys.readouterr()
    assert "no patient with id 'P99' in the input" in captured.err
    assert "1 records read: 1 screened" in captured.err


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "html"], "choose the patients with --id ID (repeatable) or --limit N"),
    (["--limit", "0"], "'0' is not a whole number >= 1"),
    (["--limit", "x"], "'x' is not a whole number >= 1"),
])
def test_usage_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(EXAMPLES), "--as-of", AS_OF, *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_html_report_is_written_alone_with_its_examples(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(EXAMPLES), "--as-of", AS_OF, "--format", "json",
                 "--report", str(tmp_path / "feasibility.html")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feasibility.html",
                                                         "feasibility.patients.html"]
    # stdout is the usual JSON lines, one per patient.
    assert len([json.loads(line) for line in capsys.readouterr().out.splitlines()]) == 40


def test_pages_from_fhir_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(SYNTHEA), "--input-format", "fhir", "--as-of", AS_OF,
                 "--report", str(tmp_path / "fhir.json")]) == 0
    assert main(["screen", str(SYNTHEA), "--input-format", "fhir", "--as-of", AS_OF,
                 "--report", str(tmp_path / "fhir.html")]) == 0
    data = json.loads((tmp_path / "fhir.json").read_text(encoding="utf-8"))
    report = parse((tmp_path / "fhir.html").read_text(encoding="utf-8"))
    assert report.find_all(data_field="screened")[0].text == str(data["screened"]) == "1"
    assert main(["explain", str(SYNTHEA), "--input-format", "fhir", "--id", SYNTHEA_ID,
                 "--as-of", AS_OF, "--format", "html"]) == 0
    capsys.readouterr()
    assert main(["screen", str(SYNTHEA), "--input-format", "fhir", "--as-of", AS_OF,
                 "--format", "html", "--limit", "1"]) == 0
    page = parse(capsys.readouterr().out)
    (section,) = page.find_all("section", class_="patient")
    assert section.attrs["data-patient"] == SYNTHEA_ID
    # Synthea's conditions and medications are drawn as bars; the windows are there too.
    assert page.find_all("g", class_="condition")
    assert page.find_all("g", class_="window")
    examples = parse((tmp_path / "fhir.patients.html").read_text(encoding="utf-8"))
    assert [s.attrs["data-patient"] for s in examples.find_all("section", class_="patient")] == [
        SYNTHEA_ID]


def test_explain_text_output_is_unchanged_by_the_input_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(EXAMPLES), "--id", "P24", "--as-of", AS_OF]) == 0
    default = capsys.readouterr().out
    assert main(["explain", str(EXAMPLES), "--id", "P24", "--as-of", AS_OF,
                 "--input-format", "jsonl"]) == 0
    assert capsys.readouterr().out == default


CDM = ROOT / "tests" / "data" / "omop" / "synthea27nj"


def test_pages_from_omop_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("duckdb", reason="OMOP input needs trialrules[omop] (duckdb)")
    common = ["--input-format", "omop", "--as-of", "2022-06-01"]
    assert main(["screen", str(CDM), *common, "--format", "json",
                 "--report", str(tmp_path / "omop.html")]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    report = parse((tmp_path / "omop.html").read_text(encoding="utf-8"))
    assert report.find_all(data_field="screened")[0].text == str(len(lines)) == "28"
    # Every per-criterion count equals the count of the patients' own outcomes.
    for row in report.find_all(id="criteria-table")[0].find_all("tr")[1:]:
        cells = {c.attrs["data-field"]: c.text for c in row.iter() if "data-field" in c.attrs}
        for outcome in ("met", "not_met", "unknown"):
            n = sum(1 for line in lines for c in line["criteria"]
                    if c["id"] == row.attrs["data-criterion"] and c["outcome"] == outcome)
            assert cells[outcome] == str(n), (row.attrs["data-criterion"], outcome)
    assert main(["explain", str(CDM), *common, "--id", "1", "--format", "html"]) == 0
    page = parse(capsys.readouterr().out)
    assert page.find_all("section", class_="patient")[0].attrs["data-patient"] == "1"
    assert page.find_all("g", class_="window")
    assert page.find_all("g", class_="condition")

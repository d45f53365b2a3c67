"""The command line end to end, in a subprocess: formats, bad lines, exit codes, --as-of."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_examples import AS_OF as EXAMPLES_AS_OF
from test_examples import EXPECTED

from nct_records import CRITERIA
from trialrules import __version__

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = str(ROOT / "examples" / "patients.jsonl")
AS_OF = EXAMPLES_AS_OF.isoformat()


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trialrules.cli", *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", check=False,
                          timeout=60)


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Two good patients around four bad lines (and a blank line)."""
    good = Path(EXAMPLES).read_text(encoding="utf-8").splitlines()
    bad_edss = json.loads(good[0])
    bad_edss["id"] = "B2"
    bad_edss["observations"].append({"code": "edss", "value": 6.3, "date": "2027-02-16"})
    lines = [
        good[0],                                   # 1: P01, eligible
        json.dumps(bad_edss),                      # 2: edss off grid at observations[3]
        '{"id": "B3", "sex": "F"}',                # 3: unknown sex
        "",                                        # 4: blank, skipped
        '{"id": "B5", "birth_date": "1980-02-30"}',  # 5: bad date
        '{"id": "B6", "age": 40}',                 # 6: unknown key
        "{not json",                               # 7: not JSON
        good[4],                                   # 8: P05, ineligible
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- --version and --help ------------------------------------------------------------------

def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"trialrules {__version__}"


@pytest.mark.parametrize(("args", "words"), [
    ((), ["screen", "explain"]),
    (("screen",), ["--as-of", "--protocol", "--format", "text,json,csv", "Exit status"]),
    (("explain",), ["--id", "--as-of", "--protocol", "--format"]),
])
def test_help_for_every_command(args: tuple[str, ...], words: list[str]) -> None:
    done = run(*args, "--help")
    assert done.returncode == 0
    assert done.stdout.startswith("usage: trialrules")
    for word in words:
        assert word in done.stdout


# --- screen: the three formats ---------------------------------------------------------------

def test_screen_text() -> None:
    done = run("screen", EXAMPLES, "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Screening against NCT06228781 as of {AS_OF} (given by --as-of)"
    rows = [line.split("\t") for line in lines[1:] if "\t" in line]
    assert {r[0]: r[1] for r in rows} == {
        pid: d.value.upper().replace("_", " ") for pid, (d, _) in EXPECTED.items()}
    by_id = {r[0]: r[2] for r in rows}
    assert by_id["P03"].startswith("inclusion.1: age 17 (born 2009-04-01)")
    assert by_id["P20"].startswith("exclusion.2, exclusion.4: exposure to cytotoxic agents")
    assert by_id["P07"] == "undecided inclusion.1; needs exact birth date (birth_date)"
    assert by_id["P01"] == "every inclusion met, no exclusion met"
    summary = done.stdout.split("\nSummary\n", 1)[1]
    counts = {d: sum(1 for e, _ in EXPECTED.values() if e.value == d)
              for d in ("eligible", "ineligible", "needs_review")}
    assert f"patients screened: {len(EXPECTED)}; bad lines: 0" in summary
    for name, n in counts.items():
        assert f"  {name}: {n}\n" in summary
    assert "    inclusion.1: 2 / 1\n" in summary  # P03, P05 excluded; P07 undecided
    assert "    exclusion.8: 1 / 1\n" in summary  # P35 excluded; P37 undecided
    assert done.stderr == (f"trialrules: screening against NCT06228781 as of {AS_OF} "
                           f"(given by --as-of)\ntrialrules: {len(EXPECTED)} records read: "
                           f"{len(EXPECTED)} screened, 0 bad\n")


def test_screen_json() -> None:
    done = run("screen", EXAMPLES, "--as-of", AS_OF, "--format", "json")
    assert done.returncode == 0, done.stderr
    objects = [json.loads(line) for line in done.stdout.splitlines()]
    assert {o["id"]: o["determination"] for o in objects} == {
        pid: d.value for pid, (d, _) in EXPECTED.items()}
    for o in objects:
        assert list(o) == ["id", "determination", "criteria"]
        assert [c["id"] for c in o["criteria"]] == list(CRITERIA)
        for c in o["criteria"]:
            assert list(c) == ["id", "outcome", "reason", "missing"]
            assert c["outcome"] in {"met", "not_met", "unknown"}
            assert isinstance(c["reason"], str)
            assert c["reason"]
            assert (c["missing"] != []) == (c["outcome"] == "unknown")
    p07 = next(o for o in objects if o["id"] == "P07")
    assert p07["criteria"][0]["missing"] == ["exact birth date (birth_date)"]


def test_screen_csv() -> None:
    done = run("screen", EXAMPLES, "--as-of", AS_OF, "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == ["id", "determination", *CRITERIA, "error"]
    assert {r["id"]: r["determination"] for r in rows} == {
        pid: d.value for pid, (d, _) in EXPECTED.items()}
    p20 = next(r for r in rows if r["id"] == "P20")
    assert (p20["exclusion.2"], p20["exclusion.4"], p20["inclusion.6"]) == ("met", "met", "met")
    assert all(r["error"] == "" for r in rows)


def test_screen_reads_stdin() -> None:
    first = Path(EXAMPLES).read_text(encoding="utf-8").splitlines()[0]
    done = run("screen", "-", "--as-of", AS_OF, "--format", "csv", stdin=first + "\n")
    assert done.returncode == 0
    assert done.stdout.splitlines()[1].startswith("P01,eligible,")


# --- bad lines ----------------------------------------------------------------------------

BAD = [(2, "B2", "observations[3].value", "steps of 0.5"),
       (3, "B3", "sex", "one of female, male, other, unknown"),
       (5, "B5", "birth_date", "a real calendar date"),
       (6, "B6", "age", "one of the fields"),
       (7, None, None, "not valid JSON")]


def test_bad_lines_on_stderr_and_the_rest_screened_json(mixed: Path) -> None:
    done = run("screen", str(mixed), "--as-of", AS_OF, "--format", "json")
    assert done.returncode == 1
    objects = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["id"] for o in objects] == ["P01", "B2", "B3", "B5", "B6", None, "P05"]
    assert [o["determination"] for o in objects if "determination" in o] == [
        "eligible", "ineligible"]
    errors = [o for o in objects if "error" in o]
    assert [(o["line"], o["id"], o["field"]) for o in errors] == [b[:3] for b in BAD]
    for o, (_, _, _, words) in zip(errors, BAD, strict=True):
        assert set(o) == {"id", "line", "field", "error"}
        assert words in o["error"]
    stderr = done.stderr.splitlines()
    assert stderr[0].startswith("trialrules: screening against NCT06228781 as of 2027-03-31")
    assert stderr[1:] == [
        "trialrules: line 2, patient 'B2': observations[3].value: got 6.3; expected a number "
        "from 0 to 10 in steps of 0.5 (for edss)",
        "trialrules: line 3, patient 'B3': sex: got 'F'; expected one of female, male, other, "
        "unknown",
        "trialrules: line 5, patient 'B5': birth_date: got '1980-02-30'; expected a real "
        "calendar date (a day from 01 to 29 in 1980-02)",
        "trialrules: line 6, patient 'B6': age: got 40; expected one of the fields birth_date, "
        "complete, conditions, dates, death_date, exposures, flags, id, observations, sex",
        "trialrules: line 7, patient ?: not valid JSON (Expecting property name enclosed in "
        "double quotes at column 2)",
        "trialrules: 7 records read: 2 screened, 5 bad",
    ]


def test_bad_lines_text(mixed: Path) -> None:
    done = run("screen", str(mixed), "--as-of", AS_OF)
    assert done.returncode == 1
    assert "B3\tERROR\tline 3: sex: got 'F'; expected one of female, male, other, unknown" \
        in done.stdout.splitlines()
    assert "?\tERROR\tline 7: not valid JSON" in done.stdout
    assert "patients screened: 2; bad lines: 5" in done.stdout


def test_bad_lines_csv(mixed: Path) -> None:
    done = run("screen", str(mixed), "--as-of", AS_OF, "--format", "csv")
    assert done.returncode == 1
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["id"], r["determination"]) for r in rows] == [
        ("P01", "eligible"), ("B2", "error"), ("B3", "error"), ("B5", "error"), ("B6", "error"),
        ("", "error"), ("P05", "ineligible")]
    assert rows[1]["error"].startswith("line 2: observations[3].value: got 6.3")
    assert rows[1]["inclusion.1"] == ""


# --- exit status 2 --------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (("screen", EXAMPLES, "--as-of", AS_OF, "--protocol", "NCT00000000"),
     "no bundled protocol 'NCT00000000'"),
    (("screen", "no/such/file.jsonl", "--as-of", AS_OF), "cannot read 'no/such/file.jsonl'"),
    (("screen", EXAMPLES, "--as-of", "2027-3-31"), "is not a date YYYY-MM-DD"),
    (("screen", EXAMPLES, "--as-of", "2027-02-29"), "is not a date YYYY-MM-DD"),
    (("screen", EXAMPLES, "--format", "xml"), "invalid choice: 'xml'"),
    (("screen",), "the following arguments are required: PATIENTS.jsonl"),
    (("explain", EXAMPLES, "--as-of", AS_OF), "the following arguments are required: --id"),
    (("explain", EXAMPLES, "--id", "P99", "--as-of", AS_OF), "no patient with id 'P99'"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    ((), "the following arguments are required: COMMAND"),
])
def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    done = run(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""


# --- --as-of defaults to today only here, and says so -------------------------------------

def test_as_of_defaults_to_today_and_says_so() -> None:
    done = run("screen", EXAMPLES)
    assert done.returncode == 0
    header = re.fullmatch(r"Screening against NCT06228781 as of (\d{4}-\d{2}-\d{2}) "
                          r"\(today, as --as-of was not given\)", done.stdout.splitlines()[0])
    assert header is not None, done.stdout.splitlines()[0]
    assert f"as of {header.group(1)} (today, as --as-of was not given)" in done.stderr


def test_json_output_says_the_date_on_stderr() -> None:
    done = run("screen", EXAMPLES, "--format", "json")
    assert "(today, as --as-of was not given)" in done.stderr


# --- explain --------------------------------------------------------------------------------

def test_explain_prints_the_tree_for_one_patient() -> None:
    done = run("explain", EXAMPLES, "--id", "P24", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith(f"(as of {AS_OF}: given by --as-of)\nP24: NEEDS REVIEW for "
                          f"NCT06228781 as of {AS_OF}\n")
    for cid in CRITERIA:
        assert f"] {cid} " in out
    assert "[UNKNOWN] inclusion.6 If a patient has previously received a cytotoxic agent" in out
    assert "inclusion.6.1" in out  # the tree goes below the top-level criteria
    assert "  - flag bone_marrow_normal" in out


def test_explain_json() -> None:
    done = run("explain", EXAMPLES, "--id", "P05", "--as-of", AS_OF, "--format", "json")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert (data["id"], data["determination"], data["deciding"]) == (
        "P05", "ineligible", ["inclusion.1"])
    assert data["as_of"] == AS_OF


def test_explain_a_bad_line_exits_1(mixed: Path) -> None:
    done = run("explain", str(mixed), "--id", "B3", "--as-of", AS_OF)
    assert done.returncode == 1
    assert "line 3, patient 'B3': sex" in done.stderr

"""Startup (issue 17): the package root imports its public names on first use and the command
line registers only the command that runs; neither changes what a user sees."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import trialrules
from trialrules.cli import COMMANDS, build_parser

#: Every public name and the module that defines it, written out here (not read from the
#: package's own table), so a name that resolves to the wrong object fails.
_HOMES = {
    "Criterion": "trialrules.engine.criterion", "Evidence": "trialrules.engine.explanations",
    "Explanation": "trialrules.engine.explanations", "Protocol": "trialrules.protocol.protocol",
    "Record": "trialrules.values.records", "screen": "trialrules.tools.batch",
    "diff": "trialrules.tools.diff", "lint": "trialrules.tools.lint",
    "FeasibilityReport": "trialrules.tools.report", "Range": "trialrules.kinds.range",
    "AllOf": "trialrules.kinds.combinators.all_of", "Outcome": "trialrules.values.outcomes",
}


def test_every_public_name_resolves_and_is_listed() -> None:
    for name in trialrules.__all__:
        assert getattr(trialrules, name) is not None
        assert name in dir(trialrules)
    for name, module in _HOMES.items():
        assert getattr(trialrules, name).__module__ == module


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Frobnicate'"):
        trialrules.Frobnicate  # noqa: B018
    with pytest.raises(ImportError):
        from trialrules import Frobnicate  # noqa: F401


def _in_fresh_interpreter(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    return done.stdout.strip()


def test_import_leaves_unused_tools_unimported_but_reads_documents() -> None:
    # The package imports the kinds and the document reader (Protocol.from_dict works from a
    # bare import of the protocol module), not the diff, lint or report tools.
    out = _in_fresh_interpreter(
        "import sys\n"
        "from trialrules.protocol.protocol import Protocol\n"
        "p = Protocol.from_dict({'trialrules': 1, 'id': 'T', 'title': 't', 'inclusion': "
        "[{'kind': 'washout', 'codes': {'name': 'c', 'prefixes': ['ATC:L01']}, 'span': "
        "{'months': 1}, 'id': 'i1'}], "
        "'exclusion': []})\n"
        "print(type(p.inclusion[0]).__name__, "
        "sorted(m for m in ('trialrules.tools.diff', 'trialrules.tools.report', "
        "'trialrules.tools.lint') if m in sys.modules))")
    assert out == "Washout []"


def test_only_the_command_that_runs_is_registered() -> None:
    def commands(parser: object) -> list[str]:
        sub = next(a for a in parser._actions if a.dest == "command")  # type: ignore[attr-defined]
        return list(sub.choices)

    assert commands(build_parser("screen")) == ["screen"]
    assert commands(build_parser("import-ctgov")) == ["import-ctgov"]
    every = [name.replace("_", "-") for name in COMMANDS]
    # An unknown name (a module's spelling included), no command, or an option: all of them.
    for first in ("import_ctgov", "frobnicate", "--help", None):
        assert commands(build_parser(first)) == every


@pytest.mark.parametrize("args", [["import_ctgov"], ["frobnicate"]])
def test_an_unknown_command_still_lists_every_command(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "trialrules.cli", *args], capture_output=True,
                          text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert ("choose from 'screen', 'explain', 'import-ctgov', 'show', 'lint', 'validate', "
            "'diff', 'cases', 'check'") in done.stderr


def test_a_command_started_alone_does_not_import_the_testing_toolkit() -> None:
    out = _in_fresh_interpreter(
        "import sys, io, contextlib\n"
        "from trialrules.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['show', 'NCT06228781'])\n"
        "print('trialrules.testing' in sys.modules)")
    assert out == "False"


def test_text_lines_of_dead_and_possibly_dead_patients(tmp_path: object) -> None:
    # The text format explains only the criteria a line shows; the death lines are written
    # out by hand (a death alone is the reason; no empty list of undecided criteria).
    from pathlib import Path

    folder = Path(str(tmp_path))
    protocol = folder / "p.json"
    protocol.write_text(json.dumps({
        "trialrules": 1, "id": "T-1", "title": "Adults who consented",
        "inclusion": [{"kind": "range", "source": {"kind": "age"}, "low": 18, "high": 60,
                       "id": "in.1"},
                      {"kind": "flag", "name": "consent", "id": "in.2"}],
        "exclusion": []}))
    lines = [{"id": "A", "birth_date": "1990-06-01", "flags": {"consent": True}},
             {"id": "B", "birth_date": "1990-06-01", "flags": {"consent": True},
              "death_date": "2009-05-03"},
             {"id": "C", "birth_date": "1990-06-01", "flags": {"consent": True},
              "death_date": "2027-03"},
             {"id": "D", "birth_date": "1990-06-01", "death_date": "2027-03"},
             {"id": "E", "birth_date": "2015-06-01", "death_date": "2027-03"}]
    patients = folder / "p.jsonl"
    patients.write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = subprocess.run([sys.executable, "-m", "trialrules.cli", "screen", str(patients),
                           "--protocol", str(protocol), "--as-of", "2027-03-10"],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:6] == [
        "A\tELIGIBLE\tevery inclusion met, no exclusion met",
        "B\tINELIGIBLE\tpatient died on 2009-05-03, on or before the reference date 2027-03-10",
        "C\tNEEDS REVIEW\tneeds exact date of death",
        "D\tNEEDS REVIEW\tundecided in.2; needs flag consent; exact date of death",
        "E\tINELIGIBLE\tin.1: age 11 (born 2015-06-01, died 2027-03) is not between 18 and 60 "
        "(both inclusive)",
    ]

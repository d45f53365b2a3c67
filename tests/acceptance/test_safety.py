"""Safety: input is data, never code; error messages name a value but never dump a record.

* No eval/exec/compile/__import__, no pickle/marshal/shelve of input, no YAML
  loader that builds objects: checked on the syntax tree of every module in src/.
* Messages about a bad record name the patient id, the field and the value, cut
  short; the other fields' values (health data) never appear.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import AS_OF, AS_OF_TEXT
from trialrules.formats.records import LoadError, read_jsonl, record_from_dict
from trialrules.protocols import get
from trialrules.tools.batch import screen
from trialrules.values.errors import InvalidRecord

SRC = Path(__file__).resolve().parents[2] / "src" / "trialrules"

# ---------------------------------------------------------------- no code from data

_BANNED_CALLS = {"eval", "exec", "compile", "__import__", "execfile", "input"}
_BANNED_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle",
                   "jsonpickle", "subprocess"}
_YAML_UNSAFE = {"load_all", "full_load", "full_load_all", "unsafe_load", "unsafe_load_all",
                "FullLoader", "UnsafeLoader", "Loader"}
#: Imports by a computed name allowed, by file: the CLI imports its own command modules, the
#: package its public names on first use, and _moved.py the new homes of 0.1.0's module paths
#: (each named in a constant table). A literal name (``import_module("x.y")``) is always fine.
_IMPORT_MODULE_ALLOWED = {"cli/__init__.py", "__init__.py", "_moved.py"}


def _findings(source: str, name: str) -> list[str]:
    """Every dangerous construct in one module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _BANNED_CALLS:
                found.append(f"{where} calls {func.id}()")
            if isinstance(func, ast.Attribute):
                owner = func.value.id if isinstance(func.value, ast.Name) else ""
                if owner == "yaml" and func.attr == "load":
                    loader = {k.arg: k.value for k in node.keywords}.get("Loader")
                    safe = isinstance(loader, ast.Attribute) and loader.attr in (
                        "SafeLoader", "CSafeLoader")
                    if not safe:
                        found.append(f"{where} calls yaml.load() without SafeLoader")
                if owner == "yaml" and func.attr in _YAML_UNSAFE:
                    found.append(f"{where} uses yaml.{func.attr}")
                if (owner == "os" and func.attr in ("system", "popen")) or (func.attr.startswith(
                        "exec") and owner == "os"):
                    found.append(f"{where} calls os.{func.attr}()")
                literal = bool(node.args) and isinstance(node.args[0], ast.Constant)
                if func.attr == "import_module" and not literal and (
                        name not in _IMPORT_MODULE_ALLOWED):
                    found.append(f"{where} imports a module named by a variable")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and (
                node.value.id == "yaml" and node.attr in _YAML_UNSAFE):
            found.append(f"{where} uses yaml.{node.attr}")
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""])
            for module in modules:
                if module.split(".")[0] in _BANNED_MODULES:
                    found.append(f"{where} imports {module}")
    return found


def test_no_module_in_src_runs_or_unpickles_data() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 10
    found = [f for path in files
             for f in _findings(path.read_text(encoding="utf-8"),
                                path.relative_to(SRC).as_posix())]
    assert found == []


@pytest.mark.parametrize("snippet", [
    "eval(text)", "exec(code)", "compile(s, 'f', 'exec')", "__import__(name)",
    "import pickle", "from pickle import loads", "import marshal", "import shelve",
    "yaml.load(stream)", "yaml.load(stream, Loader=yaml.FullLoader)", "yaml.full_load(s)",
    "yaml.unsafe_load(s)", "os.system(cmd)", "importlib.import_module(name)",
    "import subprocess",
])
def test_the_scan_finds_what_it_looks_for(snippet: str) -> None:
    assert _findings(snippet, "some/module.py")


@pytest.mark.parametrize("snippet", ["yaml.load(s, Loader=yaml.SafeLoader)", "re.compile('x')",
                                     "json.loads(text)", "yaml.safe_load(s)",
                                     "importlib.import_module('trialrules.formats.protocols')"])
def test_the_scan_lets_safe_code_be(snippet: str) -> None:
    assert _findings(snippet, "some/module.py") == []


# ---------------------------------------------------------------- short, private messages

SECRETS = ["HIV-POSITIVE-SECRET", "ICD10:B20.SECRET", "Mrs Secret Surname", "secret-note-42"]
LIMIT = 300


def _long_record(bad: dict[str, object] | None = None) -> dict[str, object]:
    """A patient with a hundred facts, some holding the strings that must never leak."""
    observations: list[dict[str, object]] = [
        {"code": f"lab{i}", "value": SECRETS[0] if i == 7 else i, "date": "2026-01-01"}
        for i in range(100)]
    data: dict[str, object] = {
        "id": "P-LONG", "birth_date": "1980-01-01", "sex": "female",
        "observations": observations,
        "conditions": [{"code": SECRETS[1], "onset": "2020", "note": SECRETS[2]}],
        "exposures": [{"code": "ATC:L01DB07", "start": "2021", "end": "2021",
                       "note": SECRETS[3]}],
        "flags": {f"flag_{i}": bool(i % 2) for i in range(50)},
    }
    data.update(bad or {})
    return data


BAD_FIELDS = {
    "late observation value": ({"observations": [
        *_long_record()["observations"][:99],  # type: ignore[index]
        {"code": "edss", "value": 6.3, "date": "2026"}]}, "observations[99].value", "6.3"),
    "flag": ({"flags": {"pregnant": "yes"}}, "flags.pregnant", "'yes'"),
    "huge value": ({"sex": "x" * 1_000_000}, "sex", "'xxxx"),
    "whole record as a value": ({"complete": {"exposures": _long_record()}},
                                "complete.exposures", "{"),
}


@pytest.mark.parametrize("case", sorted(BAD_FIELDS))
def test_a_bad_field_is_named_without_dumping_the_record(case: str) -> None:
    bad, field, shown = BAD_FIELDS[case]
    with pytest.raises(InvalidRecord) as info:
        record_from_dict(_long_record(bad))
    message = str(info.value)
    assert len(message) <= LIMIT
    assert info.value.field == field
    assert "'P-LONG'" in message
    assert field in message
    assert shown in message
    for secret in SECRETS:
        assert secret not in message


@pytest.mark.parametrize("case", sorted(BAD_FIELDS))
def test_load_errors_and_cli_output_stay_short_and_private(case: str, tmp_path: Path) -> None:
    bad, field, _ = BAD_FIELDS[case]
    line = json.dumps(_long_record(bad))
    ((_, item),) = read_jsonl([line])
    assert isinstance(item, LoadError)
    assert (item.id, item.field) == ("P-LONG", field)
    assert len(str(item)) <= LIMIT
    path = tmp_path / "one.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from trialrules.cli import main; sys.exit(main())",
         "screen", str(path), "--format", "json", "--as-of", AS_OF_TEXT],
        capture_output=True, check=False)
    assert done.returncode == 1
    for stream in (done.stdout.decode(), done.stderr.decode()):
        for text in stream.splitlines():
            assert len(text) <= LIMIT
        for secret in SECRETS:
            assert secret not in stream


def test_an_error_found_at_evaluation_is_short_and_private() -> None:
    record = record_from_dict(_long_record({"birth_date": "2030-05-01"}))
    (item,) = screen(get("NCT06228781"), [(3, record)], AS_OF)
    assert isinstance(item, LoadError)
    assert (item.line, item.id, item.field) == (3, "P-LONG", "birth_date")
    assert len(str(item)) <= LIMIT
    for secret in SECRETS:
        assert secret not in str(item)


def test_a_line_that_is_not_json_names_only_its_id(tmp_path: Path) -> None:
    line = json.dumps(_long_record())[:-5]  # truncated
    ((_, item),) = read_jsonl([line])
    assert isinstance(item, LoadError)
    assert item.id == "P-LONG"
    for secret in SECRETS:
        assert secret not in str(item)

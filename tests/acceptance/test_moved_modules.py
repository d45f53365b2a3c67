"""0.1.0's module paths (taught by its docs) still import, with a DeprecationWarning naming
the new path; each gives the module it became. Run in a fresh interpreter: importing an old
path changes what the package holds under that name for the rest of the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

#: The imports 0.1.0's documentation used, and where each name lives now (by hand).
OLD = {
    "from trialrules.io.records import record_from_dict, read_jsonl": "trialrules.formats.records",
    "from trialrules.io.protocols import dump_protocol, parse_protocol": "trialrules.formats.protocols",
    "from trialrules.batch import screen": "trialrules.tools.batch",
    "from trialrules.ctgov import protocol_from_study": "trialrules.formats.ctgov",
    "from trialrules.schemas import patient_schema": "trialrules.formats.schemas",
    "from trialrules.report import Tally": "trialrules.tools.report",
    "from trialrules.fhir import record_from_bundle, read_fhir": "trialrules.formats.fhir",
    "from trialrules.lint import lint": "trialrules.tools.lint",
    "from trialrules.diff import diff": "trialrules.tools.diff",
    "from trialrules.records import Record": "trialrules.values.records",
    "from trialrules.criteria import Range": "trialrules.kinds.criteria",
}

PROGRAM = textwrap.dedent('''
    import importlib, sys, warnings
    line, new = sys.argv[1], sys.argv[2]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        namespace = {}
        exec(line, namespace)
    old = line.split()[1]
    assert any(issubclass(w.category, DeprecationWarning) and f"{old} is {new}" in str(w.message)
               for w in caught), [str(w.message) for w in caught]
    module = importlib.import_module(new)
    for name in line.split(" import ")[1].split(", "):
        assert namespace[name] is getattr(module, name), name
    print("ok")
''')


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, "-c", *args], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_each_old_path_imports_with_a_warning() -> None:
    for line, new in OLD.items():
        assert _run(PROGRAM, line, new) == "ok", line


def test_lint_and_diff_stay_callable_after_their_old_modules_are_imported() -> None:
    program = textwrap.dedent('''
        import warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        import trialrules.lint, trialrules.diff
        import trialrules
        from trialrules.protocols import get
        p = get("NCT06228781")
        print(len(trialrules.lint(p)), len(trialrules.lint.lint(p)), trialrules.diff(p, p).changed)
    ''')
    assert _run(program) == "1 1 ()"


def test_new_paths_give_no_warning() -> None:
    program = ("import warnings; warnings.simplefilter('error'); "
               "import trialrules.formats.records, trialrules.tools.batch; "
               "from trialrules import lint, diff; print('ok')")
    assert _run(program) == "ok"


def test_an_old_path_leaves_the_new_module_whole() -> None:
    """The new module keeps its own spec: package data (the schemas) and reload still work."""
    program = textwrap.dedent('''
        import importlib, importlib.resources, warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        import trialrules.io, trialrules.io.protocols, trialrules.schemas
        from trialrules.schemas import patient_schema, protocol_schema
        import trialrules.formats, trialrules.formats.schemas
        assert protocol_schema()["$defs"]["span"] and patient_schema()["type"] == "object"
        assert trialrules.formats.__spec__.name == "trialrules.formats"
        assert trialrules.formats.protocols.__spec__.name == "trialrules.formats.protocols"
        names = {p.name for p in importlib.resources.files("trialrules.formats").iterdir()}
        assert {"records.py", "schemas"} <= names, names
        assert trialrules.schemas is trialrules.formats.schemas
        importlib.reload(trialrules.io.protocols)
        print("ok")
    ''')
    assert _run(program) == "ok"

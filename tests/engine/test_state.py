"""No module-level state (issue 12, docs/design.md): memoization lives in an object that dies
with its evaluation or batch, so screening leaves every module exactly as it found it."""

from __future__ import annotations

import importlib
import io
import pkgutil
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import trialrules
from trialrules import Determination, Protocol, Record
from trialrules.cli import main
from trialrules.formats.records import iter_jsonl
from trialrules.protocols import get
from trialrules.testing import boundary_cases

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "patients.jsonl"
TUTORIAL = ROOT / "docs" / "examples" / "nct00763412.json"
AS_OF = date(2027, 3, 31)
_MUTABLE = (dict, list, set, bytearray)


def _modules() -> Iterator[ModuleType]:
    yield trialrules
    for info in pkgutil.walk_packages(trialrules.__path__, "trialrules."):
        if info.name.endswith("__main__"):
            continue
        yield importlib.import_module(info.name)


def _state() -> dict[str, tuple[int, int]]:
    """Every module-level mutable container (and lru_cache) by name: its identity and size."""
    out: dict[str, tuple[int, int]] = {}
    for module in _modules():
        for name, value in vars(module).items():
            if name.startswith("__"):
                continue
            key = f"{module.__name__}.{name}"
            if isinstance(value, _MUTABLE):
                out[key] = (id(value), len(value))
            info = getattr(value, "cache_info", None)
            if callable(info) and getattr(value, "__module__", None) == module.__name__:
                out[key] = (id(value), info().currsize)
    return out


def _work() -> None:
    sink = io.StringIO()
    with redirect_stdout(sink), redirect_stderr(sink):
        main(["screen", str(EXAMPLES), "--as-of", str(AS_OF), "--format", "json"])
        main(["screen", str(EXAMPLES), "--as-of", str(AS_OF), "--format", "text"])
        main(["explain", str(EXAMPLES), "--as-of", str(AS_OF), "--id", "P01"])
        main(["screen", str(EXAMPLES), "--as-of", str(AS_OF), "--protocol", str(TUTORIAL)])
    protocol: Protocol = get("NCT06228781")
    records = [r for r in iter_jsonl(EXAMPLES.read_text().splitlines(), domains=protocol.domains)
               if isinstance(r, Record)]
    batch = protocol.batch(AS_OF)
    seen: set[Any] = set()
    for record in records:
        seen.add(batch.evaluate(record).determination)
        protocol.evaluate(record, AS_OF)
    assert seen == set(Determination)  # the examples reach every determination
    assert boundary_cases(protocol, AS_OF)


def test_screening_leaves_no_module_state_behind() -> None:
    _work()  # first use may fill constant tables built lazily on import
    before = _state()
    _work()
    after = _state()
    grown = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
    assert not grown, f"module-level state changed while screening: {grown}"


def test_the_check_sees_a_module_cache() -> None:
    # The check above must be able to fail: a module-level memo filled by work is caught.
    import trialrules.values.codes as codes
    before = _state()
    codes._probe_cache = {}  # type: ignore[attr-defined]
    try:
        middle = _state()
        codes._probe_cache["x"] = 1  # type: ignore[attr-defined]
        after = _state()
    finally:
        del codes._probe_cache  # type: ignore[attr-defined]
    assert "trialrules.values.codes._probe_cache" not in before
    assert middle["trialrules.values.codes._probe_cache"] != after[
        "trialrules.values.codes._probe_cache"]

"""Issue 15, items 3 and 9: ``diff`` on an age-unit change, and diff time linear in criteria.

0.1.0's diff exited 3 with a traceback when an age source changed unit (it
tried to read ``{"kind": "age", "unit": "months"}`` as a criterion), and
matched criteria by scanning lists (40,000 criteria: 18 s; 100,000: over a
minute). Criteria are now matched through an index by id.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from trialrules import Age, Protocol, Range, diff
from trialrules.formats.protocols import protocol_to_dict


def _ages(unit: str) -> Protocol:
    return Protocol("T-1", "Ages", inclusion=[Range(Age(unit=unit), 18, 60)])


def test_diff_names_an_age_unit_change() -> None:
    changes = diff(_ages("years"), _ages("months"))
    assert [str(c) for c in changes.changed] == ["inclusion.1: source age -> age in months"]
    assert "source age -> age in months" in str(changes)
    json.dumps(changes.to_dict())


def test_diff_command_on_an_age_unit_change_exits_1_without_a_traceback(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(protocol_to_dict(_ages("years"))))
    new.write_text(json.dumps(protocol_to_dict(_ages("weeks"))))
    done = subprocess.run([sys.executable, "-m", "trialrules.cli", "diff", str(old), str(new)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 1), done.stderr
    assert "age in weeks" in done.stdout


def _protocol(n: int, high: int) -> Protocol:
    return Protocol("T", "Many", inclusion=[
        Range(Age(), 18, high if i % 2 else 60, id=f"c{i}") for i in range(n)])


def _lines_run(n: int) -> int:
    """Python lines executed by diff() and its text form on protocols of ``n`` criteria (half
    changed): a count of work that does not depend on the machine's speed or load."""
    old, new = _protocol(n, 60), _protocol(n, 61)
    count = 0

    def tracer(frame: object, event: str, arg: object) -> object:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    threading.settrace(tracer)  # type: ignore[arg-type]
    try:
        result = diff(old, new)
        str(result)
    finally:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]
    assert len(result.changed) == n // 2
    return count


def test_diff_work_grows_linearly_with_the_number_of_criteria() -> None:
    """8 times the criteria: linear work is about 8 times as many lines; 0.1.0 did ~50 times."""
    small, large = _lines_run(150), _lines_run(1200)
    assert large / small < 12, (small, large)

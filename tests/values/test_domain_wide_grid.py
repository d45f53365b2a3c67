"""Issue 15, item 2: a wide domain with a step never crashes the loader or the batch.

0.1.0 tested "on the grid" with Decimal's ``%``, which raises
``decimal.InvalidOperation`` once the quotient has more than 28 digits: a domain
``low 0, high 1e30, step 1`` and a value of 1e29 made ``screen`` exit 3 and drop
every later line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import AS_OF_TEXT
from trialrules import Domain
from trialrules.formats.records import read_jsonl


@pytest.mark.parametrize(("domain", "value", "inside"), [
    (Domain(0, 1e30, step=1), 1e29, True),          # 10**29 is a whole number
    (Domain(0, 1e30, step=1), 1e29 + 2**45, True),  # a whole float near 1e29
    (Domain(0, 1e30, step=0.3), 1e29, False),       # 1e29 / 0.3 is not whole
    (Domain(0, 1e30, step=0.3), 3e28, True),
    (Domain(-1e300, 1e300, step=1e-300), 1e299, True),
    (Domain(0, 10, step=0.5), 6.5, True),           # the ordinary case is unchanged
    (Domain(0, 10, step=0.5), 6.3, False),
])
def test_wide_grid_membership_is_exact_and_never_raises(domain: Domain, value: float,
                                                        inside: bool) -> None:
    assert domain.contains(value) is inside


def test_loader_and_batch_go_on_past_a_value_on_a_wide_grid(tmp_path: Path) -> None:
    protocol = {"trialrules": 1, "id": "T-1", "title": "Wide",
                "inclusion": [{"kind": "threshold", "source": {"kind": "latest", "code": "x"},
                               "operator": ">=", "bound": 0}],
                "domains": {"x": {"low": 0, "high": 1e30, "step": 1}}}
    lines = [{"id": f"P{i}", "observations": [{"code": "x", "value": value, "date": "2026-01-01"}]}
             for i, value in enumerate([1e29, 1.5, 7, 1e29 + 0.0])]
    (tmp_path / "t.json").write_text(json.dumps(protocol))
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = subprocess.run([sys.executable, "-m", "trialrules.cli", "screen",
                           str(tmp_path / "p.jsonl"), "--protocol", str(tmp_path / "t.json"),
                           "--as-of", AS_OF_TEXT, "--format", "json"],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 1, done.stderr  # P1's 1.5 is off the grid: one bad line
    assert "Traceback" not in done.stderr
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["P0", "P1", "P2", "P3"]
    assert "4 records read: 3 screened, 1 bad" in done.stderr
    items = [item for _, item in read_jsonl([json.dumps(line) for line in lines],
                                            domains={"x": Domain(0, 1e30, step=1)})]
    assert [type(i).__name__ for i in items] == ["Record", "LoadError", "Record", "Record"]

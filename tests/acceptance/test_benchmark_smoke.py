"""The benchmark runs at small size (a smoke test: figures are not checked, agreement is)."""

from __future__ import annotations

import subprocess
import sys

from _workload import ROOT, load


def test_benchmark_quick_run_prints_its_table() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    for row in ("hand-written plain Python", "Protocol.batch(as_of).decide",
                "Protocol.batch(as_of).evaluate (full tree)",
                "CLI end to end", "CLI peak RSS", "where a line's time goes",
                "decode (the loader's JSON decoder)", "sum for --format json"):
        assert row in out
    assert "agree on every criterion of every patient" in out


def test_dask_scaling_quick_run_prints_its_ratios() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "dask_scaling.py"), "--quick",
                           "--patients", "80", "--files", "2"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    for explain in ("False", "True"):
        assert f"explain={explain}" in done.stdout
    assert done.stdout.count("results and report equal to one process") == 2


def test_handwritten_function_agrees_with_the_library() -> None:
    from datetime import date

    from trialrules.formats.records import record_from_dict
    from trialrules.protocols import get
    from trialrules.values.outcomes import Outcome

    hand_mod = load("handwritten")
    workload = load()
    as_of = date(2027, 3, 1)
    hand = hand_mod.Handwritten(as_of)
    protocol = get("NCT06228781")
    value = {Outcome.MET: True, Outcome.NOT_MET: False, Outcome.UNKNOWN: None}
    for data in workload.patients(300, seed=99):
        record = record_from_dict(data)
        assert hand.outcomes(record) == [value[o] for o in protocol.outcomes(record, as_of).values()]
        assert hand.decide(record) == protocol.decide(record, as_of).value

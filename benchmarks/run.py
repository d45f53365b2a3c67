"""Benchmark: NCT06228781 on generated patients, against hand-written Python and two rule engines.

Run ``python benchmarks/run.py`` (a few minutes) or ``python benchmarks/run.py --quick``
(seconds; what CI runs as a smoke test). Prints one table; the figures of the
latest full run are in docs/performance.md. Targets are reported, not enforced
(``--strict`` makes a missed target exit 1).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from handwritten import Handwritten  # noqa: E402  (after the path above)
from peers import flatten, json_logic, rule_engine  # noqa: E402
from workload import AS_OF, lines, patients  # noqa: E402

from trialrules.formats.records import record_from_dict  # noqa: E402
from trialrules.protocols import get  # noqa: E402
from trialrules.tools.batch import screen  # noqa: E402
from trialrules.values.outcomes import Outcome  # noqa: E402

_OUTCOME = {Outcome.MET: True, Outcome.NOT_MET: False, Outcome.UNKNOWN: None}


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    """The fastest of ``repeats`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _each(fn: Callable[[Any], Any], records: Sequence[Any]) -> list[Any]:
    return [fn(r) for r in records]


def check_agreement(protocol: Any, hand: Handwritten, records: Sequence[Any]) -> dict[str, int]:
    """Assert the hand-written function and the library agree on every record and criterion."""
    counts: dict[str, int] = {}
    for r in records:
        ours = [_OUTCOME[o] for o in protocol.outcomes(r, AS_OF).values()]
        theirs = hand.outcomes(r)
        assert ours == theirs, f"{r.id}: library {ours} != hand-written {theirs}"
        verdict = protocol.decide(r, AS_OF).value
        assert verdict == hand.decide(r), f"{r.id}: {verdict} != {hand.decide(r)}"
        counts[verdict] = counts.get(verdict, 0) + 1
    return counts


#: Runs the command line, then writes the process's own peak resident memory (VmHWM, which
#: a fresh exec starts from zero, unlike ru_maxrss) to the file named by TRIALRULES_BENCH_HWM.
_CHILD = """
import os, sys
from trialrules.cli import main
status = main()
with open('/proc/self/status') as f:
    hwm = next((line.split()[1] for line in f if line.startswith('VmHWM:')), '0')
with open(os.environ['TRIALRULES_BENCH_HWM'], 'w') as out:
    out.write(hwm)
sys.exit(status)
"""


def cli(n: int, *, repeat_block: int = 1, report: bool = False,
        workdir: Path) -> tuple[float, float]:
    """Run ``trialrules screen - --format json`` on ``n * repeat_block`` generated patients
    streamed through a pipe; returns (seconds, peak resident memory in MB) of that process."""
    block = "".join(lines(n)).encode()
    cmd = [sys.executable, "-c", _CHILD, "screen", "-", "--as-of", AS_OF.isoformat(),
           "--format", "json", "--no-progress"]
    if report:
        cmd += ["--report", str(workdir / "report.json")]
    hwm = workdir / "hwm"
    env = {**os.environ, "TRIALRULES_BENCH_HWM": str(hwm)}
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=sink,
                                 stderr=subprocess.DEVNULL, env=env)
        assert child.stdin is not None
        try:
            for _ in range(repeat_block):
                child.stdin.write(block)
        finally:
            child.stdin.close()
        child.wait()
        elapsed = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"trialrules screen exited {child.returncode}")
    kb = int(hwm.read_text() or 0) if hwm.exists() else 0
    return elapsed, kb / 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--patients", type=int, metavar="N",
                        help="patients for the in-process timings (default 20000; quick 200)")
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line runs")
    parser.add_argument("--memory-patients", type=int, metavar="N",
                        help="patients for the large peak-memory run (default 200000, which "
                             "keeps the run under 5 minutes; docs/performance.md also records "
                             "a 1000000 run)")
    args = parser.parse_args(argv)
    if args.quick:
        n, repeats, e2e_n, mem_small, mem_blocks = 200, 1, 500, 200, 5
    else:
        n, repeats, e2e_n, mem_small, mem_blocks = 20_000, 5, 50_000, 10_000, 20
    n = args.patients or n
    if args.memory_patients:
        mem_blocks = max(2, args.memory_patients // mem_small)
    protocol = get("NCT06228781")
    hand = Handwritten(AS_OF)
    records = [record_from_dict(p, domains=protocol.domains) for p in patients(n)]
    determinations = check_agreement(protocol, hand, records)
    flat = [flatten(r, AS_OF) for r in records]
    rows: list[tuple[str, float, str, bool | None]] = []

    def timed(fn: Callable[[], Any]) -> float:
        return best_of(repeats, fn) / len(records) * 1e6

    base = timed(lambda: [hand.decide(r) for r in records])
    rows.append(("hand-written plain Python (decision)", base, "", None))
    # One batch per run over all patients, as screen() and the command line use: the work
    # patients share (window starts, recurring explanation nodes) lives in it and dies with it.
    decide = timed(lambda: _each(protocol.batch(AS_OF).decide, records))
    rows.append(("trialrules Protocol.batch(as_of).decide", decide, "<= 3x", decide <= 3 * base))
    alone = timed(lambda: [protocol.decide(r, AS_OF) for r in records])
    rows.append(("trialrules Protocol.decide, a new batch per patient", alone, "", None))
    light = timed(lambda: list(screen(protocol, records, AS_OF, explain=False)))
    rows.append(("trialrules screen(explain=False)", light, "", None))
    full = timed(lambda: _each(protocol.batch(AS_OF).evaluate, records))
    rows.append(("trialrules Protocol.batch(as_of).evaluate (full tree)", full, "<= 15x",
                 full <= 15 * base))
    full_alone = timed(lambda: [protocol.evaluate(r, AS_OF) for r in records])
    rows.append(("trialrules Protocol.evaluate, a new batch per patient", full_alone, "", None))
    peers_ok = True
    peer_agree = {}
    for name, make in (("json-logic-qubit", json_logic), ("rule-engine", rule_engine)):
        fn = make()
        if fn is None:
            rows.append((f"{name}: not installed (pip install -e '.[bench]')", float("nan"), "",
                         None))
            continue
        eligible = [fn(f) for f in flat]
        ours = [protocol.decide(r, AS_OF).value == "eligible" for r in records]
        peer_agree[name] = sum(a == b for a, b in zip(eligible, ours, strict=True)) / len(ours)
        both = timed(lambda fn=fn: [fn(flatten(r, AS_OF)) for r in records])
        rule_only = timed(lambda fn=fn: [fn(f) for f in flat])
        peers_ok = peers_ok and full < both
        rows.append((f"{name}: flatten + flat rule", both, "> full tree", full < both))
        rows.append((f"{name}: flat rule on pre-flattened dicts", rule_only, "(info)", None))

    if args.no_cli:
        e2e_n, mem_small, mem_blocks = 100, 100, 2
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        seconds, _ = cli(e2e_n, workdir=workdir)
        rate = e2e_n / seconds
        _small_s, small_rss = cli(mem_small, report=True, workdir=workdir)
        big_s, big_rss = cli(mem_small, repeat_block=mem_blocks, report=True, workdir=workdir)
    big_n = mem_small * mem_blocks

    width = 52
    print(f"trialrules benchmark: NCT06228781 as of {AS_OF}, {n:,} generated patients "
          f"({', '.join(f'{k} {v}' for k, v in sorted(determinations.items()))}); "
          f"Python {platform.python_version()} on {platform.machine()}; best of {repeats}")
    print(f"{'measure':<{width}}{'us/patient':>12}{'x hand':>9}  {'target':<13}result")
    for name, us, target, ok in rows:
        mark = "" if ok is None else ("met" if ok else "MISSED")
        print(f"{name:<{width}}{us:>12.1f}{us / base:>9.1f}  {target:<13}{mark}")
    e2e_ok = rate >= 20_000
    print(f"{'CLI end to end, JSONL in, JSON lines out':<{width}}{1e6 / rate:>12.1f}"
          f"{(1e6 / rate) / base:>9.1f}  {'>= 20000/s':<13}{'met' if e2e_ok else 'MISSED'}"
          f" ({rate:,.0f} patients/s, {e2e_n:,} patients, one process)")
    flat_ok = big_rss <= small_rss * 1.25 + 5
    print(f"{'CLI peak RSS, ' + f'{mem_small:,} vs {big_n:,} patients':<{width}}"
          f"{small_rss:>9.1f} MB{big_rss:>9.1f} MB  {'flat':<10}{'met' if flat_ok else 'MISSED'}"
          f" ({big_n / big_s:,.0f} patients/s with --report)")
    for name, share in peer_agree.items():
        print(f"  {name}: agrees with trialrules on ELIGIBLE for {share:.1%} of patients")
    print("hand-written and trialrules agree on every criterion of every patient")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "rows": [{"measure": r[0], "us_per_patient": r[1], "ratio": r[1] / base}
                     for r in rows],
            "cli_patients_per_second": rate, "rss_mb": [small_rss, big_rss]}, indent=2))
    missed = not (all(ok is not False for *_, ok in rows) and e2e_ok and flat_ok and peers_ok)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())

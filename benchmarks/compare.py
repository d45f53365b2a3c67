"""Compare the library's speed before and after a change, in the same run on the same machine.

``python benchmarks/compare.py REF`` checks REF (a commit, e.g. the one before a change) out
into a temporary worktree and times both trees in interleaved rounds, each round in fresh
child processes alternating which tree goes first. Every figure is a ratio to the
hand-written rules (benchmarks/handwritten.py) timed in the same child, so a busy machine
moves both sides together; the table gives the median of the rounds with min..max, and
after/before. Only the public API both trees share is used (load a JSON line, decide,
evaluate with the full explanation), through the batch where a tree has one, one pass each in
a fresh process (as one command-line run makes them). With ``--cli N`` each round also runs
both trees' ``trialrules screen`` (``--format json`` and ``text``) on N workload patients,
each as a ratio to the JSON floor command line (benchmarks/run.py) run in the same round.

With ``--shared-core`` both trees run *at the same time on one CPU* (the same core for both
processes, ``os.sched_setaffinity``), one pair of processes per measure and round, and each
figure is the CPU seconds a process ran. Whatever else slows the machine (other tenants, a
busy sibling thread, the clock) slows both alike, so after/before is read per round: on the
machine of docs/performance.md two runs of the same tree agree within ±0.5 % this way, where
separate runs vary by ±10 %. The two processes share the core's caches, which costs a tree
with the larger working set a little more than running alone would.

With ``--instructions`` (needs valgrind) it counts instructions instead of timing: each measure
is the difference between two runs of a child under ``valgrind --tool=cachegrind`` (one that
stops before the measure and one that stops after it), so the figures do not depend on what
else the machine is doing; each is a ratio to the hand-written rules' count in the same tree.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import _FLOOR_CLI  # noqa: E402
from timing import load, show  # noqa: E402
from workload import AS_OF, lines  # noqa: E402

#: What every child runs first: one tree's src/ first on sys.path, and the names both trees
#: share (the reader moved from trialrules.io to trialrules.formats).
_SETUP = r'''sys.path[:0] = [SRC, BENCH]
import trialrules
assert trialrules.__file__.startswith(SRC), trialrules.__file__
from handwritten import Handwritten
from workload import AS_OF, lines
from trialrules.protocols import get
try:
    from trialrules.formats.records import iter_jsonl
except ImportError:
    from trialrules.io.records import iter_jsonl
'''

#: Run in a child with one tree's src/ first on sys.path: prints the seconds of each measure.
_CHILD = r'''
import gc, json, sys, time
''' + _SETUP + r'''protocol = get("NCT06228781")
texts = list(lines(N))
hand = Handwritten(AS_OF)

def timed(fn):
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out

def batch():
    return protocol.batch(AS_OF) if hasattr(protocol, "batch") else None

def decide():
    b = batch()
    return [b.decide(r) for r in records] if b else [protocol.decide(r, AS_OF) for r in records]

def evaluate():
    b = batch()
    return ([b.evaluate(r) for r in records] if b
            else [protocol.evaluate(r, AS_OF) for r in records])

# One pass each, in this fresh process, as one command-line run makes it: whatever a tree
# remembers (a batch's memo, or module-level caches in older trees) starts empty.
best = {}
best["load"], loaded = timed(lambda: list(iter_jsonl(texts, domains=protocol.domains)))
records = [r for r in loaded if not hasattr(r, "reason")]
assert len(records) == N
best["hand"] = min(timed(lambda: [hand.decide(r) for r in records])[0] for _ in range(REPEAT))
best["decide"] = timed(decide)[0]
best["evaluate"] = timed(evaluate)[0]
print(json.dumps(best))
'''


#: Run in a child pinned to one CPU with one tree's src/ first on sys.path: prints the CPU
#: seconds of one measure (MEASURE), what it needs loaded first left out.
_ONE = r'''
import gc, sys, time

def timed_cpu(fn):
    start = time.process_time()
    fn()
    return time.process_time() - start
''' + _SETUP + r'''protocol = get("NCT06228781")
texts = list(lines(N))
measure = MEASURE
if measure != "load":
    records = list(iter_jsonl(texts, domains=protocol.domains))
    b = protocol.batch(AS_OF) if hasattr(protocol, "batch") else None
gc.collect()
if measure == "hand":  # the same hand-written code on this tree's records: best of 3 passes
    hand = Handwritten(AS_OF)
    best = min(timed_cpu(lambda: [hand.decide(r) for r in records]) for _ in range(3))
    print(best)
    raise SystemExit(0)
start = time.process_time()
if measure == "load":
    out = list(iter_jsonl(texts, domains=protocol.domains))
elif measure == "decide":
    out = [b.decide(r) for r in records] if b else [protocol.decide(r, AS_OF) for r in records]
else:
    out = [b.evaluate(r) for r in records] if b else [protocol.evaluate(r, AS_OF) for r in records]
print(time.process_time() - start)
'''


def _pinned(cmd: list[str], env: dict[str, str], cpu: int) -> subprocess.Popen[str]:
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))


def _shared_round(trees: dict[str, Path], n: int, path: Path | None, order: list[str]
                  ) -> dict[str, dict[str, float]]:
    """One round of --shared-core: per measure, both trees at once on one CPU; CPU seconds."""
    cpu = max(os.sched_getaffinity(0))
    out: dict[str, dict[str, float]] = {side: {} for side in trees}
    # "hand": the hand-written rules (the same code in both trees) on each tree's records,
    # the floor of benchmarks/run.py's ratios: how much the records alone change it.
    measures = (["decide", "evaluate", "load", "hand"]
                + ([f"cli {f}" for f in _CLI_FORMATS] if path else []))
    for measure in measures:
        running: list[tuple[str, subprocess.Popen[Any]]] = []
        for side in order:
            proc: subprocess.Popen[Any]
            env = {**os.environ, "PYTHONHASHSEED": "0"}
            if measure.startswith("cli"):
                env["PYTHONPATH"] = str(trees[side])
                cmd = [sys.executable, "-m", "trialrules.cli", "screen", "--as-of",
                       AS_OF.isoformat(), "--format", measure[4:], str(path)]
                proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL,
                                        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
            else:
                code = (_ONE.replace("SRC", repr(str(trees[side])))
                        .replace("BENCH", repr(str(HERE))).replace("N)", f"{n})")
                        .replace("MEASURE", repr(measure)))
                proc = _pinned([sys.executable, "-c", code], env, cpu)
            running.append((side, proc))
        for side, proc in running:
            if measure.startswith("cli"):
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                if proc.returncode not in (0, 1):
                    raise SystemExit(f"{measure} of {trees[side]} exited {proc.returncode}")
                out[side][measure] = usage.ru_utime + usage.ru_stime
            else:
                text, _ = proc.communicate()
                if proc.returncode != 0:
                    raise SystemExit(f"{measure} of {trees[side]} exited {proc.returncode}")
                out[side][measure] = float(text.strip().splitlines()[-1])
    return out


def _shared(trees: dict[str, Path], args: argparse.Namespace, path: Path | None) -> int:
    """--shared-core: after/before per round (median and quartiles) for each measure."""
    ratios: dict[str, list[float]] = {}
    seconds: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    for r in range(args.rounds):
        order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
        got = _shared_round(trees, args.patients, path, order)
        for measure, after in got["after"].items():
            ratios.setdefault(measure, []).append(after / got["before"][measure])
            for side in got:
                seconds[side].setdefault(measure, []).append(got[side][measure])
    print(f"machine: {load()} at the end; both trees at once on one CPU, {args.rounds} rounds, "
          f"{args.patients} patients in process" + (f", {args.cli} on the command line"
                                                    if path else "")
          + f"; before = {args.ref}, after = the working tree")
    print("| measure | before (CPU s) | after (CPU s) | after / before, median (quartiles) |")
    print("|---|---:|---:|---:|")
    for measure, values in ratios.items():
        q1, _, q3 = statistics.quantiles(values, n=4) if len(values) > 1 else (values * 3)
        b = statistics.median(seconds["before"][measure])
        a = statistics.median(seconds["after"][measure])
        print(f"| {measure} | {b:.3f} | {a:.3f} | {statistics.median(values):.3f} "
              f"({q1:.3f}..{q3:.3f}) |")
    return 0


#: The phases an --instructions child runs, in order; it stops after the phase it is given.
_PHASES = ("setup", "load", "hand", "decide", "evaluate")

#: Run under valgrind with one tree's src/ first on sys.path: runs the phases up to STOP.
_COUNTED = r'''
import sys
''' + _SETUP + r'''phases = PHASES
stop = phases.index(STOP)
protocol = get("NCT06228781")
texts = list(lines(N))
hand = Handwritten(AS_OF)
# Warm both sides the same way (a few patients through every phase) before counting.
warm = list(lines(N + 20))[N:]
done = [r for r in iter_jsonl(warm, domains=protocol.domains)]
[hand.decide(r) for r in done]
if stop >= 1:
    records = [r for r in iter_jsonl(texts, domains=protocol.domains)]
if stop >= 2:
    [hand.decide(r) for r in records]
b = protocol.batch(AS_OF) if hasattr(protocol, "batch") else None
if stop >= 3:
    [b.decide(r) for r in records] if b else [protocol.decide(r, AS_OF) for r in records]
if stop >= 4:
    [b.evaluate(r) for r in records] if b else [protocol.evaluate(r, AS_OF) for r in records]
'''


def _instructions(src: Path, n: int, stop: str) -> int:
    """Instructions a child running the phases up to ``stop`` executes (valgrind's Ir)."""
    code = (_COUNTED.replace("SRC", repr(str(src))).replace("BENCH", repr(str(HERE)))
            .replace("PHASES", repr(_PHASES)).replace("STOP", repr(stop))
            .replace("lines(N)", f"lines({n})").replace("lines(N + 20)", f"lines({n + 20})")
            .replace("[N:]", f"[{n}:]"))
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                           "--cachegrind-out-file=/dev/null", sys.executable, "-c", code],
                          capture_output=True, text=True, env=env, check=True)
    for line in done.stderr.splitlines():
        if "I" in line and "refs:" in line:
            return int(line.split("refs:")[1].replace(",", "").strip())
    raise SystemExit(f"no instruction count from valgrind:\n{done.stderr[-2000:]}")


def _count(trees: dict[str, Path], n: int) -> int:
    """--instructions: each measure's instructions per patient, both trees, as ratios."""
    counts: dict[str, dict[str, int]] = {}
    for side, src in trees.items():
        counts[side] = {stop: _instructions(src, n, stop) for stop in _PHASES}
    per: dict[str, dict[str, float]] = {}
    for side, c in counts.items():
        per[side] = {phase: (c[phase] - c[before]) / n
                     for before, phase in itertools.pairwise(_PHASES)}
    print(f"instructions per patient (valgrind cachegrind Ir), {n} patients; each also as a "
          "ratio to the hand-written rules' count in the same tree")
    print("| measure | before | after | before (× hand) | after (× hand) | after / before |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in ("decide", "evaluate", "load"):
        b, a = per["before"][name], per["after"][name]
        rb, ra = b / per["before"]["hand"], a / per["after"]["hand"]
        print(f"| {name} | {b / 1e3:,.1f}k | {a / 1e3:,.1f}k | {rb:.2f} | {ra:.2f} | "
              f"{ra / rb:.2f} |")
    print(f"hand-written decision: {per['before']['hand'] / 1e3:,.1f}k before, "
          f"{per['after']['hand'] / 1e3:,.1f}k after (the same code)")
    return 0


def _child(src: Path, n: int, repeat: int) -> dict[str, float]:
    code = (_CHILD.replace("SRC", repr(str(src))).replace("BENCH", repr(str(HERE)))
            .replace("REPEAT", str(repeat)).replace("N)", f"{n})").replace("== N", f"== {n}"))
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=env)
    figures: dict[str, float] = json.loads(out.stdout)
    return figures


#: The command-line formats --cli times.
_CLI_FORMATS = ("json", "text")  # both trees have them (decisions came later)


def _cli_round(src: Path | None, path: Path) -> dict[str, float]:
    """Seconds of one tree's ``screen`` in each format (``src`` None: the JSON floor)."""
    out: dict[str, float] = {}
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    runs: list[tuple[str, list[str]]]
    if src is None:
        runs = [("floor", [sys.executable, "-c", _FLOOR_CLI, str(path)])]
    else:
        env["PYTHONPATH"] = str(src)
        runs = [(f"cli {fmt}", [sys.executable, "-m", "trialrules.cli", "screen", "--as-of",
                                AS_OF.isoformat(), "--format", fmt, str(path)])
                for fmt in _CLI_FORMATS]
    for name, cmd in runs:
        with open(os.devnull, "wb") as sink:
            start = time.perf_counter()
            done = subprocess.run(cmd, stdout=sink, stderr=subprocess.DEVNULL, env=env,
                                  check=False)
            out[name] = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(f"{name} of {src} exited {done.returncode}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the tree to compare with (a commit), e.g. the parent of a change")
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3,
                        help="passes of the hand-written floor per child (the best is kept)")
    parser.add_argument("--cli", type=int, default=0, metavar="N",
                        help="also time both trees' command line on N patients (0: not)")
    parser.add_argument("--shared-core", action="store_true",
                        help="run both trees at once on one CPU and compare CPU seconds per "
                             "round (steady on a shared machine)")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under valgrind instead of timing (one round; "
                             "--patients defaults to 1000)")
    args = parser.parse_args(argv)
    print(f"machine: {load()} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(before),
                        args.ref], check=True)
        try:
            trees = {"before": before / "src", "after": ROOT / "src"}
            if args.instructions:
                n = args.patients if args.patients != 5000 else 1000
                return _count(trees, n)
            rounds: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
            path = Path(tmp) / "patients.jsonl"
            if args.cli:
                path.write_text("".join(f"{line}\n" for line in lines(args.cli)),
                                encoding="utf-8")
            if args.shared_core:
                return _shared(trees, args, path if args.cli else None)
            for r in range(args.rounds):
                order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
                floor = _cli_round(None, path)["floor"] if args.cli else 0.0
                for side in order:
                    figures = _child(trees[side], args.patients, args.repeat)
                    if args.cli:
                        figures.update(_cli_round(trees[side], path), floor=floor)
                    rounds[side].append(figures)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(before)], check=False)
    print(f"machine: {load()} at the end; {args.patients} patients, {args.rounds} rounds, "
          f"before = {args.ref}, after = the working tree")
    print("| measure | before (× floor) | after (× floor) | after / before |")
    print("|---|---:|---:|---:|")
    result: dict[str, Any] = {}
    names = ["decide", "evaluate", "load"] + [f"cli {fmt}" for fmt in _CLI_FORMATS if args.cli]
    for name in names:
        under = "floor" if name.startswith("cli") else "hand"  # the JSON floor command line
        b = [x[name] / x[under] for x in rounds["before"]]
        a = [x[name] / x[under] for x in rounds["after"]]
        change = statistics.median(a) / statistics.median(b)
        result[name] = {"before": b, "after": a}
        print(f"| {name} | {show(b)} | {show(a)} | {change:.2f} |")
    hand = [x["hand"] / args.patients * 1e6 for side in rounds.values() for x in side]
    print(f"hand-written decision: {show(hand, '{:.1f}')} µs per patient")
    if args.cli:
        print(f"command lines: {args.cli} patients, as a ratio to the JSON floor command line "
              "(json.loads + json.dumps per line) run in the same round")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

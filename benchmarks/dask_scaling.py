"""Benchmark: Dask scaling. A 2-worker LocalCluster against the same code in one process.

Run ``python benchmarks/dask_scaling.py`` (a few minutes; ``--quick`` for a smoke
run). The population is written as JSON-lines files; each round screens it
with :func:`trialrules.tools.dask.screen_to_files` twice, interleaved: once on
Dask's synchronous scheduler in this process (the floor: the same partitions,
the same output files, one process) and once on the cluster (workers read
their partitions and write their output files; only report partials come
back). The figure is the ratio of the two times in the same round (median of
the rounds, min..max), for explain on and off, beside the machine's load. The
CPU each side used is also printed: on a busy machine the wall-clock ratio
measures the other tenants as much as trialrules, while single-process CPU
over the cluster's busiest worker CPU shows what the design allows on idle cores.
Before timing, the outputs and reports of both sides are checked equal.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from timing import load, ratios, show  # noqa: E402
from workload import AS_OF, lines  # noqa: E402

from trialrules.protocols import get  # noqa: E402
from trialrules.tools.dask import screen_to_files  # noqa: E402


def _cpu() -> float:
    """This process's CPU seconds (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def write_population(folder: Path, n: int, files: int) -> None:
    """``n`` generated patients in ``files`` JSON-lines files."""
    it = lines(n)
    per = -(-n // files)
    for i in range(files):
        with open(folder / f"patients-{i:02d}.jsonl", "w", encoding="utf-8") as out:
            for _ in range(min(per, n - i * per)):
                out.write(next(it))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--patients", type=int, metavar="N", help="default 40000; quick 400")
    parser.add_argument("--files", type=int, default=8, metavar="N", help="default 8")
    parser.add_argument("--rounds", type=int, metavar="N", help="default 3; quick 1")
    parser.add_argument("--workers", type=int, default=2, metavar="N", help="default 2")
    args = parser.parse_args(argv)
    import dask
    import distributed

    n = args.patients or (400 if args.quick else 40_000)
    rounds = args.rounds or (1 if args.quick else 3)
    protocol = get("NCT06228781")
    print(f"Dask scaling: NCT06228781 as of {AS_OF}, {n:,} generated patients in {args.files} "
          f"files, LocalCluster of {args.workers} worker processes (1 thread each) against "
          f"one process; {rounds} interleaved round(s)")
    print(f"machine: {load()} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "in"
        source.mkdir()
        write_population(source, n, args.files)
        cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                           processes=True, host="127.0.0.1",
                                           dashboard_address=":0", worker_dashboard_address=":0")
        client = distributed.Client(cluster)
        try:
            def worker_cpu() -> dict[str, float]:
                return dict(client.run(_cpu))

            figures: dict[bool, dict[str, list[float]]] = {}
            for explain in (False, True):
                single_out, cluster_out = root / "one", root / "cluster"
                wall: dict[str, list[float]] = {"one": [], "cluster": [], "one cpu": [],
                                                "cluster cpu": []}
                for r in range(rounds):
                    order = ["one", "cluster"] if r % 2 == 0 else ["cluster", "one"]
                    reports: dict[str, Any] = {}
                    for side in order:
                        before, workers_before = _cpu(), worker_cpu()
                        start = time.perf_counter()
                        if side == "one":
                            with dask.config.set(scheduler="sync"):
                                reports[side] = screen_to_files(protocol, source, AS_OF,
                                                                single_out, explain=explain)
                            wall["one cpu"].append(_cpu() - before)
                        else:
                            reports[side] = screen_to_files(protocol, source, AS_OF,
                                                            cluster_out, explain=explain)
                            after = worker_cpu()
                            wall["cluster cpu"].append(max(
                                after[w] - workers_before[w] for w in after))
                        wall[side].append(time.perf_counter() - start)
                    if reports["one"] != reports["cluster"]:
                        raise SystemExit("the cluster's report differs from one process's")
                    names = sorted(p.name for p in single_out.iterdir())
                    same = filecmp.cmpfiles(single_out, cluster_out, names, shallow=False)[0]
                    if same != names:
                        raise SystemExit("the cluster's output files differ from one process's")
                figures[explain] = wall
        finally:
            client.close()
            cluster.close()
    print(f"machine: {load()} at the end")
    for explain, wall in figures.items():
        speed = ratios(wall["one"], wall["cluster"])
        cpu = ratios(wall["one cpu"], wall["cluster cpu"])
        mid = sorted(speed)[len(speed) // 2]
        print(f"explain={explain!s:<5}: one process {show(wall['one'])} s, cluster "
              f"{show(wall['cluster'])} s; speed-up {show(speed)}x (target >= 1.7x: "
              f"{'met' if mid >= 1.7 else 'MISSED'}); one-process CPU / busiest worker's CPU "
              f"{show(cpu)}x; results and report equal to one process")
    print(f"({os.cpu_count()} cores; the cluster's figure includes the client and scheduler "
          "on the same machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""OMOP CDM reading: patients per second and peak memory at two population sizes.

Generates a DuckDB CDM of N persons from the shapes of the Synthea27Nj fixture
(tests/data/omop/synthea27nj: its 28 persons repeated with shifted person ids,
every table typed as DuckDB reads the CSV, rows ordered by person as an ETL
writes them), then reads every person with ``trialrules.formats.omop.read_omop``
in a fresh process per size and reports persons per second and the process's
peak RSS. Memory should be flat in N: the reader holds one chunk of persons.

    python benchmarks/omop.py                 # 10,000 and 100,000 persons
    python benchmarks/omop.py --sizes 200 400 # the smoke test's size

Not run in CI (tests/formats/test_omop_benchmark.py runs it at a tiny size).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "omop" / "synthea27nj"
BASE = 28  # persons in the fixture
TABLES = ("person", "observation_period", "death", "condition_occurrence", "drug_exposure",
          "measurement", "observation")


def generate(path: Path, persons: int) -> None:
    """A CDM of ``persons`` persons (a multiple of 28, rounded up) in a DuckDB file."""
    import duckdb

    copies = -(-persons // BASE)
    con = duckdb.connect(str(path))
    con.execute("SET enable_progress_bar = false")
    for table in TABLES:
        src = FIXTURE / f"{table.upper()}.csv"
        con.execute(
            f"CREATE TABLE {table} AS SELECT * EXCLUDE (k) REPLACE "
            f"(person_id + {BASE} * k AS person_id) FROM read_csv('{src}', header = true) "
            f"CROSS JOIN range({copies}) r(k) ORDER BY person_id")
    con.execute(f"CREATE TABLE concept AS SELECT * FROM read_csv('{FIXTURE / 'CONCEPT.csv'}', "
                "header = true)")
    con.close()


def measure(path: Path, chunk: int | None) -> dict[str, float]:
    """Read every person (in this process); persons, seconds, peak RSS in MiB."""
    import resource

    from trialrules.formats.omop import CHUNK, read_omop
    from trialrules.formats.records import LoadError

    start = time.perf_counter()
    n = bad = facts = 0
    for _, item in read_omop(path, chunk=CHUNK if chunk is None else chunk):
        n += 1
        if isinstance(item, LoadError):
            bad += 1
        else:
            facts += len(item.conditions) + len(item.exposures) + len(item.observations)
    seconds = time.perf_counter() - start
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"persons": n, "bad": bad, "facts": facts, "seconds": seconds,
            "peak_rss_mib": rss_kib / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--chunk", type=int, default=None,
                        help="persons per batch (default: the reader's, omop.CHUNK)")
    parser.add_argument("--measure", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.chunk)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="trialrules-omop-bench-") as tmp:
        for size in args.sizes:
            db = Path(tmp) / f"cdm-{size}.duckdb"
            generate(db, size)
            chunk = [] if args.chunk is None else ["--chunk", str(args.chunk)]
            done = subprocess.run([sys.executable, __file__, "--measure", str(db), *chunk],
                                  capture_output=True, text=True, check=True)
            result = json.loads(done.stdout)
            rows.append(result)
            db.unlink()
    from trialrules.formats.omop import CHUNK, MEMORY_LIMIT

    chunk_size = CHUNK if args.chunk is None else args.chunk
    print(f"OMOP CDM reading (DuckDB file, chunk {chunk_size} persons, DuckDB memory_limit "
          f"{MEMORY_LIMIT}, one process per size)")
    print(f"{'persons':>9} {'facts':>11} {'seconds':>9} {'persons/s':>10} {'peak RSS MiB':>13}")
    for r in rows:
        print(f"{r['persons']:>9,} {r['facts']:>11,} {r['seconds']:>9.2f} "
              f"{r['persons'] / r['seconds']:>10,.0f} {r['peak_rss_mib']:>13.1f}")
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        print(f"ratio {last['persons']:,} vs {first['persons']:,} persons: "
              f"peak RSS x{last['peak_rss_mib'] / first['peak_rss_mib']:.2f}, "
              f"persons/s x{(last['persons'] / last['seconds']) / (first['persons'] / first['seconds']):.2f}")
    if any(r["bad"] for r in rows):
        print("some persons could not be read", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

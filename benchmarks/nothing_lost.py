"""Nothing lost: screen a large JSON-lines file with 1% bad lines through the CLI and account
for every line.

    python benchmarks/nothing_lost.py              # 1,000,000 lines
    python benchmarks/nothing_lost.py --lines 20000 --keep /tmp/patients.jsonl

The file starts with a UTF-8 byte order mark, has CRLF line ends on some
lines, blank lines here and there (skipped, not counted) and a truncated last
line. About 1% of the other lines are bad, in a dozen different ways. The
command ``trialrules screen --format json`` runs once, in a subprocess; the
check then asserts that

* every good line's result is written, in input order (by patient id);
* every bad line is reported with its line number, on stderr and in the output;
* good + bad == lines read (the non-blank lines of the file), and the summary
  on stderr says the same; the exit status is 1.

It prints the counts and the time taken, and exits non-zero if anything is lost.
The test suite runs the same check at 20,000 lines (tests/acceptance/test_nothing_lost.py).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

AS_OF = "2026-11-27"

# Each kind of bad line: a function of (rng, patient id) giving the line's bytes.
BAD_KINDS: dict[str, Callable[[random.Random, str], bytes]] = {
    "truncated JSON": lambda r, pid: f'{{"id": "{pid}", "birth_date": "19'.encode(),
    "NaN token": lambda r, pid: (
        f'{{"id": "{pid}", "observations": [{{"code": "edss", "value": NaN, '
        f'"date": "2026-10-01"}}]}}').encode(),
    "Infinity token": lambda r, pid: (
        f'{{"id": "{pid}", "observations": [{{"code": "weight", "value": -Infinity, '
        f'"date": "2026-10-01"}}]}}').encode(),
    "bool as EDSS": lambda r, pid: (
        f'{{"id": "{pid}", "observations": [{{"code": "edss", "value": true, '
        f'"date": "2026-10-01"}}]}}').encode(),
    "EDSS off its grid": lambda r, pid: (
        f'{{"id": "{pid}", "observations": [{{"code": "edss", "value": 6.3, '
        f'"date": "2026-10-01"}}]}}').encode(),
    "impossible date": lambda r, pid: f'{{"id": "{pid}", "birth_date": "1980-02-30"}}'.encode(),
    "unknown field": lambda r, pid: f'{{"id": "{pid}", "dob": "1980-01-01"}}'.encode(),
    "missing id": lambda r, pid: b'{"birth_date": "1980-01-01"}',
    "not UTF-8": lambda r, pid: f'{{"id": "{pid}", "sex": "f\xe9male"}}'.encode("latin-1"),
    "not an object": lambda r, pid: f'["{pid}", "1980-01-01"]'.encode(),
    "nested 10,000 deep": lambda r, pid: (
        f'{{"id": "{pid}", "flags": {{"x": ' + "[" * 10_000 + "]" * 10_000 + "}}").encode(),
    "lone surrogate": lambda r, pid: (
        f'{{"id": "{pid}", "conditions": [{{"code": "ICD10:G35", "onset": "2010", '
        f'"note": "\\ud800"}}]}}').encode(),
    "born after as_of": lambda r, pid: f'{{"id": "{pid}", "birth_date": "2030-01-01"}}'.encode(),
}

_FLAGS = ["ms_diagnosis_confirmed", "disease_activity", "hepatic_inflammation_or_fibrosis",
          "myelodysplasia_or_cytopenia", "organ_impairment", "life_expectancy_limited",
          "pregnancy_or_risk", "able_to_consent", "bone_marrow_normal", "cytogenetics_normal"]


def good_patient(rng: random.Random, pid: str) -> dict[str, Any]:
    """A valid patient, varied enough to reach every determination."""
    out: dict[str, Any] = {"id": pid}
    if rng.random() < 0.9:
        out["birth_date"] = f"{rng.randint(1950, 2010)}-{rng.randint(1, 12):02d}-" \
                            f"{rng.randint(1, 28):02d}"
    if rng.random() < 0.9:
        out["sex"] = rng.choice(["female", "male"])
    obs = [{"code": "edss", "value": rng.randint(0, 20) / 2, "date": "2026-10-02"},
           {"code": rng.choice(["edss_pyramidal", "edss_cerebellar"]),
            "value": rng.randint(0, 5), "date": "2026-10-02"}]
    out["observations"] = obs[: rng.randint(0, 2)]
    if rng.random() < 0.3:
        out["exposures"] = [{"code": rng.choice(["ATC:L01DB07", "ATC:L04AA23"]),
                             "start": f"2026-{rng.randint(1, 11):02d}", "end": None}]
    if rng.random() < 0.2:
        out["conditions"] = [{"code": rng.choice(["ICD10:C50.9", "ICD10:B20", "ICD10:G35"]),
                              "onset": str(rng.randint(2015, 2026))}]
    out["flags"] = {name: rng.random() < 0.5 for name in rng.sample(_FLAGS, rng.randint(0, 10))}
    if rng.random() < 0.7:
        out["complete"] = {"exposures": AS_OF, "conditions": AS_OF}
    return out


@attrs.frozen
class Expected:
    """What the generated file holds: good ids in order, bad line numbers, lines read."""

    good_ids: list[str]
    bad_lines: dict[int, str]  # line number -> kind of badness
    blank_lines: int
    lines_read: int


def generate(path: Path, lines: int, *, bad_rate: float = 0.01, seed: int = 20261127) -> Expected:
    """Write ``lines`` non-blank lines (about ``bad_rate`` of them bad) plus a few blank ones."""
    rng = random.Random(seed)
    kinds = list(BAD_KINDS)
    good_ids: list[str] = []
    bad_lines: dict[int, str] = {}
    blanks = 0
    number = 0
    records = 0
    with path.open("wb") as out:
        out.write(b"\xef\xbb\xbf")  # a UTF-8 byte order mark opens the file
        while records < lines:
            number += 1
            if number > 1 and rng.random() < 0.002:  # blank (or whitespace-only) line
                out.write(rng.choice([b"\n", b"\r\n", b"   \n", b"\t\r\n"]))
                blanks += 1
                continue
            records += 1
            pid = f"P{records:07d}"
            last = records == lines
            if last:  # a truncated last line, with no line end
                out.write(f'{{"id": "{pid}", "observations": [{{"code": "ed'.encode())
                bad_lines[number] = "truncated last line"
                break
            if rng.random() < bad_rate:
                kind = kinds[len(bad_lines) % len(kinds)]  # every kind, in turn
                body = BAD_KINDS[kind](rng, pid)
                bad_lines[number] = kind
            else:
                body = json.dumps(good_patient(rng, pid), ensure_ascii=False).encode()
                good_ids.append(pid)
            out.write(body + (b"\r\n" if rng.random() < 0.1 else b"\n"))
    return Expected(good_ids, bad_lines, blanks, records)


def run_cli(path: Path, output: Path) -> tuple[int, str]:
    """``trialrules screen --format json`` in a subprocess: exit status and stderr."""
    command = [sys.executable, "-c", "import sys; from trialrules.cli import main; "
               "sys.exit(main())", "screen", str(path), "--format", "json", "--as-of", AS_OF]
    with output.open("wb") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, check=False)
    return done.returncode, done.stderr.decode("utf-8")


_STDERR_LINE = re.compile(r"trialrules: line (\d+), patient ")
_SUMMARY = re.compile(r"trialrules: (\d+) records read: (\d+) screened, (\d+) bad")


def check(expected: Expected, output: Path, status: int, stderr: str) -> dict[str, int]:
    """Account for every line; raise AssertionError naming what was lost."""
    good_ids: list[str] = []
    reported: dict[int, dict[str, Any]] = {}
    with output.open("rb") as lines:
        for raw in lines:
            item = json.loads(raw)
            if "error" in item:
                assert item["line"] not in reported, f"line {item['line']} reported twice"
                reported[item["line"]] = item
            else:
                good_ids.append(item["id"])
    if good_ids != expected.good_ids:
        lost = sorted(set(expected.good_ids) - set(good_ids))
        raise AssertionError(f"{len(expected.good_ids)} good lines, {len(good_ids)} results; "
                             f"not written: {lost[:10]}")
    missing = sorted(set(expected.bad_lines) - set(reported))
    extra = sorted(set(reported) - set(expected.bad_lines))
    assert not missing, f"bad lines not reported: {missing[:10]} " \
                        f"({[expected.bad_lines[n] for n in missing[:10]]})"
    assert not extra, f"lines reported bad that were good: {extra[:10]}"
    on_stderr = {int(m.group(1)) for m in _STDERR_LINE.finditer(stderr)}
    assert on_stderr == set(expected.bad_lines), "stderr names every bad line, and only those"
    good, bad = len(good_ids), len(reported)
    assert good + bad == expected.lines_read, f"{good} good + {bad} bad != {expected.lines_read}"
    summary = _SUMMARY.search(stderr)
    assert summary is not None, "the summary line is on stderr"
    assert tuple(map(int, summary.groups())) == (expected.lines_read, good, bad)
    assert status == 1, f"exit status {status}; expected 1 (some lines bad)"
    return {"lines read": expected.lines_read, "good": good, "bad": bad,
            "blank (skipped)": expected.blank_lines}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000,
                        help="non-blank lines to generate (default: 1,000,000)")
    parser.add_argument("--bad-rate", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the generated file here and keep it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "patients.jsonl"
        started = time.perf_counter()
        expected = generate(path, args.lines, bad_rate=args.bad_rate, seed=args.seed)
        generated = time.perf_counter()
        status, stderr = run_cli(path, Path(tmp) / "results.jsonl")
        screened = time.perf_counter()
        try:
            counts = check(expected, Path(tmp) / "results.jsonl", status, stderr)
        except AssertionError as exc:
            print(f"LOST: {exc}", file=sys.stderr)
            return 1
    for name, count in counts.items():
        print(f"{name:>16}: {count:,}")
    seconds = screened - generated
    print(f"{'generate':>16}: {generated - started:.1f} s")
    print(f"{'screen (CLI)':>16}: {seconds:.1f} s ({expected.lines_read / seconds:,.0f} lines/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

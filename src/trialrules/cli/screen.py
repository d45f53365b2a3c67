"""``trialrules screen``: screen every patient in a file and say why."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from ..batch import screen
from ..explanations import Explanation
from ..io.records import LoadError, read_jsonl
from ..outcomes import Determination, Outcome
from ..protocol import Protocol, ProtocolResult
from ..records import Record
from ._common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    UsageError,
    add_as_of,
    add_protocol,
    load_protocol,
    open_input,
    resolve_as_of,
)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "screen", help="screen patients (JSON lines) against a protocol",
        description="Screen every patient in PATIENTS (JSON lines; '-' for stdin) against a "
                    "protocol as of a date. Exit status: 0 all screened, 1 some lines bad "
                    "(the rest screened), 2 usage error or unreadable protocol or input, "
                    "3 internal error.")
    parser.add_argument("patients", metavar="PATIENTS.jsonl")
    add_as_of(parser)
    add_protocol(parser)
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--input-format", choices=("jsonl", "fhir"), default="jsonl",
                        help="jsonl: patient JSON lines (default); fhir: a FHIR R4 Bundle file, "
                             "a folder of Bundle files or a bulk-export NDJSON folder")
    parser.set_defaults(run=run)


def read_input(args: argparse.Namespace, protocol: Protocol,
               stack: contextlib.ExitStack) -> Iterator[tuple[int, Record | LoadError]]:
    """The patients to screen, as (position, Record or LoadError), per ``--input-format``."""
    if getattr(args, "input_format", "jsonl") == "fhir":
        from ..fhir import read_fhir

        if args.patients == "-" or not Path(args.patients).exists():
            raise UsageError(f"cannot read {args.patients!r}: --input-format fhir needs a file "
                             "or folder")
        return read_fhir(args.patients, vocabulary=protocol.vocabulary, domains=protocol.domains)
    stream = stack.enter_context(open_input(args.patients))
    return read_jsonl(stream, domains=protocol.domains)


def run(args: argparse.Namespace) -> int:
    protocol = load_protocol(args.protocol)
    as_of, how = resolve_as_of(args.as_of)
    good = bad = 0
    with contextlib.ExitStack() as stack:
        # An unreadable input is a usage error before any output.
        items = read_input(args, protocol, stack)
        print(f"trialrules: screening against {protocol.id} as of {as_of.isoformat()} ({how})",
              file=sys.stderr)
        writer = _WRITERS[args.format](protocol, as_of, how, sys.stdout)
        for item in screen(protocol, items, as_of):
            if isinstance(item, LoadError):
                bad += 1
                print(f"trialrules: {item}", file=sys.stderr)
                writer.error(item)
            else:
                good += 1
                writer.result(item)
    writer.close()
    # Blank lines are not records: they are skipped and not counted.
    print(f"trialrules: {good + bad} records read: {good} screened, {bad} bad",
          file=sys.stderr)
    return EXIT_BAD_INPUT if bad else EXIT_OK


def _cell(text: str) -> str:
    """Text for one tab-separated cell: tabs and line breaks escaped, one line per patient."""
    return text if text.isprintable() else "".join(
        c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _verdict(result: ProtocolResult) -> str:
    return result.determination.value.upper().replace("_", " ")


def _grouped(explanations: tuple[Explanation, ...]) -> str:
    """``id: reason`` pairs; criteria with the same reason (exclusions 2 and 4) share one."""
    reasons: dict[str, list[str]] = {}
    for e in explanations:
        reasons.setdefault(e.reason, []).append(e.id or "")
    return "; ".join(f"{', '.join(ids)}: {reason}" for reason, ids in reasons.items())


class _Text:
    """One line per patient (id, determination, deciding criteria), then a summary."""

    def __init__(self, protocol: Protocol, as_of: date, how: str, out: IO[str]) -> None:
        self.protocol, self.out = protocol, out
        self.counts: Counter[str] = Counter()
        self.excluded: Counter[str] = Counter()
        self.undecided: Counter[str] = Counter()
        self.errors = 0
        out.write(f"Screening against {protocol.id} as of {as_of.isoformat()} ({how})\n")

    def result(self, r: ProtocolResult) -> None:
        self.counts[r.determination.value] += 1
        for e in r.deciding:
            self.excluded[e.id or ""] += 1
        for e in r.undecided:
            self.undecided[e.id or ""] += 1
        if r.determination is Determination.INELIGIBLE:
            detail = _grouped(r.deciding)
        elif r.determination is Determination.NEEDS_REVIEW:
            detail = (f"undecided {', '.join(e.id or '' for e in r.undecided)}; "
                      f"needs {'; '.join(r.missing)}")
        else:
            detail = "every inclusion met, no exclusion met"
        self.out.write(f"{_cell(r.patient)}\t{_verdict(r)}\t{_cell(detail)}\n")

    def error(self, e: LoadError) -> None:
        self.errors += 1
        reason = f"line {e.line}: {(e.field + ': ') if e.field else ''}{e.reason}"
        self.out.write(f"{_cell(e.id or '?')}\tERROR\t{_cell(reason)}\n")

    def close(self) -> None:
        total = sum(self.counts.values())
        self.out.write("\nSummary\n")
        self.out.write(f"  patients screened: {total}; bad lines: {self.errors}\n")
        for d in Determination:
            self.out.write(f"  {d.value}: {self.counts[d.value]}\n")
        self.out.write("  patients per criterion (excluded / undecided):\n")
        for c in self.protocol.criteria:
            cid = c.id or ""
            self.out.write(f"    {cid}: {self.excluded[cid]} / {self.undecided[cid]}\n")


class _Json:
    def __init__(self, protocol: Protocol, as_of: date, how: str, out: IO[str]) -> None:
        self.out = out

    def result(self, r: ProtocolResult) -> None:
        self.out.write(json.dumps(result_line(r), ensure_ascii=False, sort_keys=False) + "\n")

    def error(self, e: LoadError) -> None:
        self.out.write(json.dumps({"id": e.id, "line": e.line, "field": e.field,
                                   "error": e.reason}, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.out.flush()


def result_line(r: ProtocolResult) -> dict[str, Any]:
    """The JSON-lines form of one screening result."""
    return {
        "id": r.patient,
        "determination": r.determination.value,
        "criteria": [{"id": e.id, "outcome": e.outcome.value, "reason": e.reason,
                      "missing": list(e.all_missing()) if e.outcome is Outcome.UNKNOWN else []}
                     for e in r.criteria],
    }


class _Csv:
    def __init__(self, protocol: Protocol, as_of: date, how: str, out: IO[str]) -> None:
        self.ids = [c.id or "" for c in protocol.criteria]
        self.writer = csv.writer(out, lineterminator="\n")
        self.writer.writerow(["id", "determination", *self.ids, "error"])
        self.out = out

    def result(self, r: ProtocolResult) -> None:
        outcomes = {e.id: e.outcome.value for e in r.criteria}
        self.writer.writerow([r.patient, r.determination.value,
                              *(outcomes[i] for i in self.ids), ""])

    def error(self, e: LoadError) -> None:
        reason = f"line {e.line}: {(e.field + ': ') if e.field else ''}{e.reason}"
        self.writer.writerow([e.id or "", "error", *([""] * len(self.ids)), reason])

    def close(self) -> None:
        self.out.flush()


_WRITERS: dict[str, Any] = {"text": _Text, "json": _Json, "csv": _Csv}

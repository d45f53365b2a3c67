"""``trialrules explain``: the full explanation tree for one patient."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from ..formats.records import LoadError
from ..protocol.protocol import ProtocolResult
from ..tools.batch import screen
from . import _html
from ._common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    UsageError,
    add_as_of,
    add_protocol,
    load_protocol,
    resolve_as_of,
    utf8_arg,
)
from .screen import INPUT_FORMATS, read_input


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "explain", help="print the full explanation tree for one patient",
        description="Evaluate one patient (by id) from PATIENTS and print every criterion's "
                    "outcome, reason, evidence and missing facts.")
    parser.add_argument("patients", metavar="PATIENTS.jsonl")
    parser.add_argument("--id", required=True, type=utf8_arg, help="the patient id to explain")
    add_as_of(parser)
    add_protocol(parser)
    parser.add_argument("--format", choices=("text", "json", "html"), default="text",
                        help="output format (default: text); html: one page with the "
                             "explanation beside a timeline of the patient's facts (needs "
                             "trialrules[html])")
    parser.add_argument("--input-format", choices=INPUT_FORMATS, default="jsonl",
                        help="jsonl: patient JSON lines (default); fhir, omop: as for screen")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    protocol = load_protocol(args.protocol)
    as_of, how = resolve_as_of(args.as_of)
    if args.format == "html":
        _html.require()
    with contextlib.ExitStack() as stack:
        for line, item in read_input(args, protocol, stack):
            pid = item.id
            if pid != args.id:
                continue
            if isinstance(item, LoadError):
                print(f"trialrules: {item}", file=sys.stderr)
                return EXIT_BAD_INPUT
            (result,) = screen(protocol, [(line, item)], as_of)
            if isinstance(result, LoadError):
                print(f"trialrules: {result}", file=sys.stderr)
                return EXIT_BAD_INPUT
            if args.format == "html":
                from ..tools.html import patients_html

                assert isinstance(result, ProtocolResult), "screen explains by default"
                sys.stdout.write(patients_html(protocol, as_of, [(item, result)],
                                               source=args.patients,
                                               title=f"Patient {args.id} against {protocol.id}"))
            elif args.format == "json":
                print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
            else:
                print(f"(as of {as_of.isoformat()}: {how})")
                print(result)
            return EXIT_OK
    raise UsageError(f"no patient with id {args.id!r} in {args.patients}")

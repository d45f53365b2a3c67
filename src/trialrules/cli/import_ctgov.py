"""``trialrules import-ctgov``: a protocol skeleton from a ClinicalTrials.gov API v2 record."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..formats.ctgov import CUT
from ..formats.protocols import dump_protocol, parse_protocol
from ..kinds.criteria import Placeholder
from ..values.errors import TrialRulesError
from ..values.text import escape
from ._common import EXIT_OK, UsageError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "import-ctgov", help="turn a ClinicalTrials.gov study record into a protocol skeleton",
        description="Read one ClinicalTrials.gov API v2 study record (JSON) and write a protocol "
                    "document: structured age/sex/healthy-volunteer fields as criteria, every "
                    "free-text criterion as a placeholder to encode.")
    parser.add_argument("study", metavar="FILE.json", help="the study record ('-' for stdin)")
    parser.add_argument("-o", "--output", metavar="PROTOCOL.json", default="-",
                        help="where to write the protocol document (default: stdout)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..formats.ctgov import protocol_from_study

    try:
        if args.study == "-":  # bytes, so the locale's encoding plays no part
            data = json.loads(sys.stdin.buffer.read().decode("utf-8-sig"))
        else:
            with open(args.study, "rb") as stream:
                data = json.loads(stream.read().decode("utf-8-sig"))
    except OSError as exc:
        raise UsageError(f"cannot read {args.study!r}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{args.study!r} is not valid JSON: {exc}") from None
    except RecursionError:
        raise UsageError(f"{args.study!r} is not valid JSON: nested too deeply") from None
    try:
        protocol = protocol_from_study(data)
    except TrialRulesError as exc:
        raise UsageError(f"{args.study!r} is not a usable study record: {exc}") from None
    text = dump_protocol(protocol)
    try:  # never write what screen and validate would then refuse
        parse_protocol(text)
    except TrialRulesError as exc:
        raise UsageError(f"the protocol made from {args.study!r} could not be read back, so "
                         f"nothing was written: {exc}") from None
    placeholders = sum(1 for c in protocol.criteria for n in c.walk() if isinstance(n, Placeholder))
    cut = sum(1 for c in protocol.criteria for n in c.walk()
              if isinstance(n, Placeholder) and (n.label or "").endswith(CUT))
    if cut or protocol.title.endswith(CUT):
        print(f"trialrules: warning: {cut + protocol.title.endswith(CUT)} texts were longer "
              "than a protocol document holds and were cut (they end in \"[...cut\")",
              file=sys.stderr)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output!r}: {exc.strerror}") from None
    print(f"trialrules: {escape(protocol.id)}: {len(protocol.criteria)} criteria, {placeholders} "
          "placeholders to encode", file=sys.stderr)
    return EXIT_OK

"""``trialrules lint``: findings a protocol holds (duplicates, unsatisfiable leaves, ...)."""

from __future__ import annotations

import argparse
import contextlib
import json
from typing import TYPE_CHECKING, Any

from ..values.records import Record
from ..values.text import escape
from ._common import EXIT_BAD_INPUT, EXIT_OK, load_protocol
from .screen import INPUT_FORMATS, read_input

if TYPE_CHECKING:
    from ..tools.lint import Finding


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "lint", help="check a protocol for duplicates, unsatisfiable criteria and more",
        description="Lint PROTOCOL (a bundled id or a protocol JSON file): duplicated "
                    "criteria, criteria no value can satisfy, contradictions between inclusion "
                    "and exclusion, undeclared domains, empty code sets, placeholders left. "
                    "Exit status: 0 no errors (warnings alone do not fail), 1 errors found, "
                    "2 usage error or unreadable protocol.")
    parser.add_argument("protocol", metavar="PROTOCOL", help="bundled protocol id or JSON file")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--input", metavar="PATIENTS", default=None,
                        help="also check the protocol's code sets against this input (read "
                             "once): a code set none of whose systems appears there is reported")
    parser.add_argument("--input-format", choices=INPUT_FORMATS, default="jsonl",
                        help="format of --input, as for screen (default: jsonl)")
    parser.set_defaults(run=run)


def report(findings: list[Finding], fmt: str, name: str) -> str:
    """Findings as text lines (with a summary) or as a JSON document."""
    errors = sum(f.is_error for f in findings)
    if fmt == "json":
        return json.dumps({"protocol": name, "errors": errors,
                           "warnings": len(findings) - errors,
                           "findings": [f.to_dict() for f in findings]},
                          ensure_ascii=False, indent=2)
    lines = [str(f) for f in findings]
    lines.append(f"{escape(name)}: {errors} error{'s' * (errors != 1)}, "
                 f"{len(findings) - errors} warning{'s' * (len(findings) - errors != 1)}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..tools.lint import lint  # here: the command line starts without it

    protocol = load_protocol(args.protocol)
    if args.input is None:
        findings = lint(protocol)
    else:
        with contextlib.ExitStack() as stack:
            items = read_input(argparse.Namespace(patients=args.input,
                                                  input_format=args.input_format),
                               protocol, stack)
            findings = lint(protocol, (r for _, r in items if isinstance(r, Record)))
    print(report(findings, args.format, protocol.id))
    return EXIT_BAD_INPUT if any(f.is_error for f in findings) else EXIT_OK

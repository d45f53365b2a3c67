"""``trialrules validate``: check a protocol file against the schema, the library and lint."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..formats.protocols import MAX_BYTES, parse_document, protocol_from_dict
from ..tools.lint import lint
from ..values.errors import InvalidDocument
from ..values.text import escape
from ._common import EXIT_BAD_INPUT, EXIT_OK, UsageError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "validate", help="check a protocol JSON file (schema, library rules, lint)",
        description="Check FILE, a protocol document: against the JSON Schema shipped with "
                    "trialrules (when the optional jsonschema package is installed: pip "
                    "install 'trialrules[schema]'), against the library's own rules, and for "
                    "lint errors. Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage "
                    "error or unreadable file.")
    parser.add_argument("file", metavar="FILE", help="protocol JSON file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        with open(args.file, "rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {args.file!r}: {exc.strerror}") from None
    name = args.file
    try:
        document = parse_document(raw)
    except InvalidDocument as exc:
        print(escape(f"{name}: invalid: {exc}"))
        return EXIT_BAD_INPUT
    problems: list[str] = []
    try:
        from ..formats.schema import schema_errors

        problems += [f"schema: {e}" for e in schema_errors(document)]
        schema_note = "schema checked"
    except ImportError as exc:
        print(f"trialrules validate: note: {exc}; schema check skipped", file=sys.stderr)
        schema_note = "schema check skipped"
    try:
        protocol = protocol_from_dict(document, base=Path(args.file).parent)
    except InvalidDocument as exc:
        problems.append(f"document: {exc}")
        protocol = None
    findings = lint(protocol) if protocol is not None else []
    for problem in problems:
        print(escape(f"{name}: {problem}"))
    for finding in findings:
        print(escape(f"{name}: lint: {finding}"))
    errors = len(problems) + sum(f.is_error for f in findings)
    if errors:
        print(escape(name) + f": invalid ({errors} error{'s' * (errors != 1)}; {schema_note})")
        return EXIT_BAD_INPUT
    assert protocol is not None
    warnings = len(findings)
    print(escape(f"{name}: valid protocol {protocol.id}") + f" ({len(protocol.criteria)} criteria, "
          f"{warnings} warning{'s' * (warnings != 1)}; {schema_note})")
    return EXIT_OK

"""``trialrules diff``: what changed between two versions of a protocol."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._common import load_protocol

#: Exit status when the protocols differ (as diff(1) does).
EXIT_DIFFERENT = 1


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "diff", help="compare two versions of a protocol criterion by criterion",
        description="Compare OLD and NEW (bundled ids or protocol JSON files): criteria added, "
                    "removed and changed by id, and for a changed criterion what changed "
                    "(bounds, inclusivity, windows, code set members, labels). Exit status, as "
                    "diff(1): 0 no differences, 1 differences, 2 usage error or unreadable "
                    "protocol.")
    parser.add_argument("old", metavar="OLD", help="the earlier version (id or JSON file)")
    parser.add_argument("new", metavar="NEW", help="the later version (id or JSON file)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..tools.diff import diff  # here: the command line starts without it

    result = diff(load_protocol(args.old), load_protocol(args.new))
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, sort_keys=True))
    else:
        print(result)
    return EXIT_DIFFERENT if result else 0

"""``trialrules show``: a protocol's registry text beside the sentence its encoding generates."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..tools.describe import FORMATS, describe_protocol
from ._common import EXIT_OK, load_protocol


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "show", help="print a protocol: registry text beside the generated sentence",
        description="Print every criterion of PROTOCOL (a bundled id or a protocol JSON file) "
                    "with its id, the registry's text and the plain-English sentence generated "
                    "from its encoding, for review. Exit status: 0 printed, 2 usage error or "
                    "unreadable protocol.")
    parser.add_argument("protocol", metavar="PROTOCOL", help="bundled protocol id or JSON file")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    protocol = load_protocol(args.protocol)
    sys.stdout.write(describe_protocol(protocol, args.format))
    return EXIT_OK

"""``trialrules cases``: write a protocol's case deck for review (and score it against mutants)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..testing.deck import Deck, diff_decks, diff_summary, load_deck, make_deck
from ..testing.mutants import mutation_score
from ..values.errors import TrialRulesError
from ._common import EXIT_OK, UsageError, as_of_arg, load_protocol


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "cases", help="write a protocol's case deck (cases.jsonl) and its review table",
        description="Generate every labelled case of PROTOCOL (a bundled id or a protocol JSON "
                    "file) on each reference date: boundary cases, each code of each code set "
                    "and its neighbours, recency cases, and the reference dates that tell "
                    "spans apart. Review the table, commit the deck, then test with "
                    "`trialrules check`. Exit status: 0 written, 2 usage error or unreadable "
                    "protocol.")
    parser.add_argument("protocol", metavar="PROTOCOL", help="bundled protocol id or JSON file")
    parser.add_argument("--as-of", dest="as_of", type=as_of_arg, action="append", required=True,
                        metavar="YYYY-MM-DD",
                        help="reference date (repeat for several); there is no default, so the "
                             "deck is the same whenever it is generated")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the deck (JSON Lines) here, and its review table beside it "
                             "(FILE with .md instead of .jsonl) unless --table says otherwise; "
                             "default: the deck on standard output")
    parser.add_argument("--table", action="append", default=[], metavar="FILE",
                        help="write the review table to FILE: markdown (.md) or CSV (.csv); "
                             "repeat for both")
    parser.add_argument("--diff", metavar="OLD", dest="old",
                        help="show how the expected outcomes differ from the deck OLD "
                             "(changed, added, removed cases) for review")
    parser.add_argument("--mutation-score", action="store_true",
                        help="evaluate every mutant of the protocol (trialrules.testing.mutants) "
                             "on the deck and report the mutants it kills and those that survive")
    parser.set_defaults(run=run)


def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise UsageError(f"cannot write {path!r}: {exc.strerror}") from None


def table_text(deck: Deck, path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == ".md":
        return deck.to_markdown()
    if suffix == ".csv":
        return deck.to_csv()
    raise UsageError(f"--table {path!r}: give a file ending in .md (markdown) or .csv")


def run(args: argparse.Namespace) -> int:
    protocol = load_protocol(args.protocol)
    try:
        deck = make_deck(protocol, args.as_of)
    except TrialRulesError as exc:
        raise UsageError(str(exc)) from None
    old = None
    if args.old is not None:  # read before -o may overwrite the same file
        try:
            old = load_deck(args.old, protocol)
        except OSError as exc:
            raise UsageError(f"cannot read {args.old!r}: {exc.strerror}") from None
        except TrialRulesError as exc:
            raise UsageError(f"{args.old}: {exc}") from None
    tables = list(args.table)
    for path in tables:
        table_text(deck, path)  # refuse an unknown suffix before writing anything
    info = sys.stderr if args.output is None else sys.stdout
    if args.output is None:
        sys.stdout.write(deck.to_jsonl())
    else:
        _write(args.output, deck.to_jsonl())
        if not tables:
            beside = Path(args.output).with_suffix(".md")
            if beside == Path(args.output):  # -o deck.md: keep the deck, the table beside it
                beside = Path(f"{args.output}.table.md")
            tables = [str(beside)]
        print(f"{protocol.id}: {len(deck)} cases written to {args.output}", file=info)
    for path in tables:
        _write(path, table_text(deck, path))
        print(f"review table written to {path}", file=info)
    if old is not None:
        differences = diff_decks(old, deck)
        for difference in differences:
            print(difference, file=info)
        print(f"against {args.old}: {diff_summary(differences)}", file=info)
    if args.mutation_score:
        print(mutation_score(protocol, deck), file=info)
    return EXIT_OK

"""``trialrules check``: evaluate a protocol on its committed case deck; report every change."""

from __future__ import annotations

import argparse
from typing import Any

from ..testing.deck import check_deck, load_deck, report
from ..testing.mutants import mutation_score
from ..values.errors import TrialRulesError
from ._common import EXIT_OK, UsageError, load_protocol

#: Exit status when some case's outcome changed.
EXIT_CHANGED = 1


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "check", help="evaluate a protocol on its signed-off case deck and report changes",
        description="Evaluate PROTOCOL (a bundled id or a protocol JSON file) on every case of "
                    "DECK (written by `trialrules cases` and reviewed) and report each case "
                    "whose outcome is no longer the signed-off one, with the signed-off "
                    "explanation and today's. Exit status: 0 no change, 1 some case changed, "
                    "2 usage error or unreadable protocol or deck.")
    parser.add_argument("protocol", metavar="PROTOCOL", help="bundled protocol id or JSON file")
    parser.add_argument("deck", metavar="DECK", help="the committed deck (JSON Lines)")
    parser.add_argument("--mutation-score", action="store_true",
                        help="also report how many mutants of the protocol the deck kills")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    protocol = load_protocol(args.protocol)
    try:
        deck = load_deck(args.deck, protocol)
    except OSError as exc:
        raise UsageError(f"cannot read {args.deck!r}: {exc.strerror}") from None
    except TrialRulesError as exc:
        raise UsageError(f"{args.deck}: {exc}") from None
    changes = check_deck(protocol, deck)
    print(report(protocol, deck, changes))
    if args.mutation_score:
        print(mutation_score(protocol, deck))
    return EXIT_CHANGED if changes else EXIT_OK

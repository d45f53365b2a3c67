"""The ``trialrules`` command line: one module per command, registered here."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ..values.text import escape
from ..values.version import __version__
from ._common import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, UsageError, silence_stdout

__all__ = ["main"]

#: Command modules, in the order ``--help`` lists them. Each has ``register(subparsers)``.
COMMANDS: tuple[str, ...] = ("screen", "explain", "import_ctgov", "show", "lint", "validate", "diff",
                             "cases", "check")


#: Command name -> its module.
_MODULES = {name.replace("_", "-"): name for name in COMMANDS}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every command registered, or only ``command`` (startup time:
    a command's module is imported only when it runs or ``--help`` lists it)."""
    parser = argparse.ArgumentParser(
        prog="trialrules",
        description="Screen patients against clinical-trial eligibility criteria and say why.",
    )
    parser.add_argument("--version", action="version", version=f"trialrules {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    names = COMMANDS if command not in _MODULES else (_MODULES[command],)
    for name in names:
        importlib.import_module(f".{name}", __name__).register(sub)
    return parser


def _utf8(stream: object) -> None:
    """Write UTF-8 with "\\n" line ends whatever the locale or PYTHONIOENCODING say."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8", errors="backslashreplace", newline="\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    0 all input screened; 1 some input lines bad (the rest screened); 2 usage
    error or unreadable protocol or input file; 3 internal error (a bug); 130
    interrupted (Ctrl-C). A closed output pipe ends the run quietly.
    """
    _utf8(sys.stdout)
    _utf8(sys.stderr)
    given = sys.argv[1:] if argv is None else list(argv)
    # Only the command that runs is registered (a usage error names no other command); an
    # unknown command, --help or --version before any command registers every one.
    parser = build_parser(given[0] if given else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(escape(f"trialrules {args.command}: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `trialrules show ... | head`
        silence_stdout()
        return 0
    except KeyboardInterrupt:  # Ctrl-C: one line, the shell's status for SIGINT (128 + 2)
        print(f"trialrules {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # a bug, not bad input: never exit 1, which means "some lines bad"
        import traceback  # only for a bug: not at every start

        traceback.print_exc()
        print(f"trialrules {args.command}: internal error; please report it with the "
              "traceback above", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

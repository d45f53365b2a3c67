"""Shared pieces of the command line: exit codes, dates, protocol and input resolution."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..values.errors import TrialRulesError

if TYPE_CHECKING:
    from ..protocol.protocol import Protocol

#: All input screened.
EXIT_OK = 0
#: Some input lines were bad (the rest were screened).
EXIT_BAD_INPUT = 1
#: Usage error, or an unreadable protocol or input file.
EXIT_USAGE = 2
#: Internal error (a bug in trialrules): never reported as 1, "some lines bad".
EXIT_INTERNAL = 3
#: Interrupted (Ctrl-C): 128 + SIGINT, as shells report it.
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A command-line problem: reported on stderr, exit status 2."""


def utf8_arg(text: str) -> str:
    """An argument as the UTF-8 text it was typed as, whatever the locale says.

    Under a C/POSIX or Latin-1 locale Python decodes ``--id P-é`` with the
    locale's codec; re-encoding with the file-system codec gives back the
    bytes, which patient files hold as UTF-8.
    """
    try:
        return os.fsencode(text).decode("utf-8")
    except UnicodeError:
        return text


def as_of_arg(text: str) -> date:
    """Parse ``--as-of`` strictly as YYYY-MM-DD."""
    try:
        # fromisoformat alone also takes "20261127xx" and week dates such as "2026-W48-5".
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def add_as_of(parser: argparse.ArgumentParser) -> None:
    """The reference date option; only the command line may default it to today."""
    parser.add_argument(
        "--as-of", type=as_of_arg, default=None, metavar="YYYY-MM-DD",
        help="reference date (screening or planned enrollment); default: today, and the "
             "output says which date was used")


def resolve_as_of(value: date | None) -> tuple[date, str]:
    """The reference date and how it was chosen."""
    if value is not None:
        return value, "given by --as-of"
    return date.today(), "today, as --as-of was not given"


def add_protocol(parser: argparse.ArgumentParser) -> None:
    """The ``--protocol`` option: a bundled id or a protocol JSON file."""
    parser.add_argument("--protocol", default="NCT06228781", metavar="ID_OR_FILE",
                        help="bundled protocol id or protocol JSON file (default: NCT06228781)")


def load_protocol(spec: str) -> Protocol:
    """A bundled protocol by id, or a protocol document from a file."""
    from ..protocols import BUNDLED, get

    if spec.strip().upper() in BUNDLED:
        return get(spec)
    path = Path(spec)
    if path.suffix.lower() == ".json" or path.exists():
        try:
            from ..formats.protocols import load_protocol_file
        except ImportError:  # pragma: no cover - until protocol documents exist
            raise UsageError(f"cannot read protocol file {spec!r}") from None
        try:
            return load_protocol_file(path)
        except OSError as exc:
            raise UsageError(f"cannot read protocol file {spec!r}: {exc.strerror}") from None
        except TrialRulesError as exc:
            raise UsageError(f"protocol file {spec!r} is not a valid protocol: {exc}") from None
    raise UsageError(f"no bundled protocol {spec!r} and no such file; bundled: "
                     f"{', '.join(sorted(BUNDLED))}")


def open_input(path: str) -> IO[bytes]:
    """The patients file as bytes ('-' reads standard input)."""
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise UsageError(f"cannot read {path!r}: {exc.strerror}") from None


def silence_stdout() -> None:
    """Point standard output at the null device once its reader has gone (a closed pipe), so
    that flushing it at exit raises nothing (Python's documented recipe for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (tests capture stdout)
        pass


def lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Lines of a byte stream, lazily."""
    yield from stream

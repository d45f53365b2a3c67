"""An optional progress bar on stderr for long batches (the ``progress`` extra, tqdm).

Silent when stderr is not a terminal or tqdm is not installed, so pipelines and
logs never see control characters.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import IO, TypeVar

__all__ = ["available", "progress"]

T = TypeVar("T")


def available() -> bool:
    """True when the ``progress`` extra (tqdm) is installed."""
    try:
        import tqdm  # noqa: F401  (only asking whether it imports)
    except ImportError:
        return False
    return True


def progress(items: Iterable[T], *, enabled: bool | None = None, desc: str = "screening",
             stream: IO[str] | None = None) -> Iterable[T]:
    """``items``, counted by a progress bar on ``stream`` (stderr) when that is wanted and possible.

    ``enabled=None`` means: only when the stream is a terminal. Without tqdm the
    items pass through untouched.

    >>> list(progress([1, 2], enabled=False))
    [1, 2]
    """
    out = sys.stderr if stream is None else stream
    if enabled is None:
        enabled = bool(getattr(out, "isatty", lambda: False)())
    if not enabled:
        return items
    try:
        from tqdm import tqdm
    except ImportError:
        return items
    bar: Iterable[T] = tqdm(items, desc=desc, unit=" patients", file=out,
                            mininterval=0.5, smoothing=0.1, dynamic_ncols=True)
    return bar

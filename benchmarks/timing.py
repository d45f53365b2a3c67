"""Interleaved timing rounds, ratios to a floor measured in the same round, and the machine's load.

Every benchmark here reports a figure as a ratio to a floor timed in the same
run (and the same round), as the median of the rounds with their min..max, so
a busy machine moves the figures together rather than one figure alone.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable, Mapping, Sequence


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes (after a garbage collection)."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(rounds: int, measures: Mapping[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Run every measure once per round, rotating the order each round; seconds per round.

    Each measure returns its own figure (usually seconds), so a measure may time
    a subprocess or report a rate it computed.
    """
    names = list(measures)
    out: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            out[name].append(measures[name]())
    return out


def ratios(values: Sequence[float], floor: Sequence[float]) -> list[float]:
    """Per-round ratios of a measure to its floor (same round)."""
    return [v / f for v, f in zip(values, floor, strict=True)]


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    """Median, min and max."""
    return statistics.median(values), min(values), max(values)


def show(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """``median (min..max)``."""
    mid, lo, hi = spread(values)
    return f"{fmt.format(mid)} ({fmt.format(lo)}..{fmt.format(hi)})"


def load() -> str:
    """The machine's load averages and core count, for the figures' context."""
    one, five, fifteen = os.getloadavg()
    return (f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on "
            f"{os.cpu_count()} cores")

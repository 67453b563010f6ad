"""The interleaved stopwatch: implementations of one row timed in turn.

The lossbook step, its built-in and its naive version are called in rotating order,
so that a change in the machine's load reaches all of them alike; the ratio reported
is the median of the per-repeat ratios, with its interquartile range.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

# A full run spends about this long timing one row at one size.
BUDGET_S = 1.5
LEAST_REPEATS, MOST_REPEATS = 5, 25
# Ratios reported: name -> (numerator, denominator).
RATIOS = {"ratio": ("lossbook", "builtin"), "naive_ratio": ("naive", "builtin")}


def stopwatch(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def quartiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    if len(ordered) < 2:
        return ordered[0], ordered[0], ordered[0]
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return q1, median, q3


def summary(times: list[float]) -> dict[str, Any]:
    q1, median, q3 = quartiles(times)
    return {
        "median_s": median,
        "q1_s": q1,
        "q3_s": q3,
        "times_s": [round(t, 7) for t in times],
    }


def ratio_summary(first: list[float], second: list[float]) -> dict[str, float]:
    q1, median, q3 = quartiles([a / b for a, b in zip(first, second, strict=True)])
    return {"median": median, "q1": q1, "q3": q3}


def interleaved(
    calls: dict[str, Callable[[], Any]], *, quick: bool, warm_calls: int = 1
) -> dict[str, Any]:
    """Times `calls` in rotating order; repeats chosen from a first round.

    Each is called `warm_calls` times first (the last of them is the first round);
    then `repeats` rounds, each starting one implementation later than the one
    before. Returns `repeats`, a summary (quartiles, raw times) per implementation
    and the ratios of RATIOS whose two implementations are there.
    """
    names = list(calls)
    first_round = 0.0
    for name in names:
        for _ in range(warm_calls):
            took = stopwatch(calls[name])
        first_round += took
    if quick:
        repeats = 1
    else:
        fitting = int(BUDGET_S // max(first_round, 1e-9))
        repeats = min(MOST_REPEATS, max(LEAST_REPEATS, fitting))
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(stopwatch(calls[name]))
    found: dict[str, Any] = {"repeats": repeats}
    found |= {name: summary(times[name]) for name in names}
    for ratio, (top, bottom) in RATIOS.items():
        if top in times and bottom in times:
            found[ratio] = ratio_summary(times[top], times[bottom])
    return found

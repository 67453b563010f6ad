"""One small protocol over TensorFlow, JAX and PyTorch; nothing else branches on them.

`load(name)` imports `benchmarks.backends.<name>` and returns its `Backend()`. The
backend's library is imported there, in the worker process whose KERAS_BACKEND it
is; importing this package imports none of them.
"""

from __future__ import annotations

import importlib
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

# Elementwise operations whose cost dominates a loss on a CPU (XLA HLO names).
COSTLY_OPS = (
    "exponential",
    "exponential-minus-one",
    "log",
    "log-plus-one",
    "logistic",
    "tanh",
    "power",
    "sqrt",
    "rsqrt",
    "cbrt",
    "atan2",
    "erf",
    "sine",
    "cosine",
    "divide",
)


@dataclass(frozen=True)
class Mode:
    """One way a backend runs a step, and which sizes it is timed at."""

    name: str  # as benchmarks.MODES lists it
    label: str  # how the step is compiled, in code
    compiler: str
    # False: one size per row (the middle of its scale sizes), where compiling
    # every size would take too long.
    every_size: bool = True
    # In --quick runs, only this many rows (None: all).
    quick_rows: int | None = None
    # Calls before the first round of the stopwatch (a compiler may specialise
    # on the second call too).
    warm_calls: int = 1

    def scheme(self, quick: bool) -> str:
        sizes = (
            "every size of each row"
            if self.every_size
            else ("one size per row (the middle of its three scale sizes)")
        )
        if quick and self.quick_rows:
            return f"quick run: the first {self.quick_rows} row(s) only"
        return "quick run: one tiny size" if quick else sizes


class Step(Protocol):
    def __call__(self, y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        """(loss value, gradient with respect to y_pred), finished when it returns."""


class Backend(Protocol):
    name: str
    modes: tuple[Mode, ...]
    memory: str  # how peak memory is measured, or why it is not

    def device(self) -> dict[str, str]:
        """{"device": "cpu" or "gpu", "device_name": ...}."""

    def versions(self) -> dict[str, str]: ...

    def tensor(self, array: Any) -> Any:
        """A NumPy array as a tensor on the backend's device."""

    def begin_row(self) -> None:
        """Called before a row's steps are built (a backend may drop caches)."""

    def step(self, loss_fn: Callable[[Any, Any], Any], mode: Mode) -> Step:
        """`loss_fn`'s value and gradient w.r.t. y_pred, compiled as `mode` says."""

    def describe_step(self, step: Step) -> dict[str, int]:
        """What the compiler did with a step after its first call (torch: graph
        breaks, where Dynamo left code to eager Python), or {}."""

    def lowered_text(self, step: Step, y_true: Any, y_pred: Any) -> str | None:
        """The optimised program (XLA HLO) of a step, or None."""

    def peak_memory(self, step: Step, y_true: Any, y_pred: Any) -> dict | None:
        """{"peak_bytes": ..., parts...} of one step, or None where not measured."""

    def copy_bandwidth(self, elements: int, repeats: int) -> dict[str, Any]: ...


def load(name: str) -> Backend:
    return importlib.import_module(f"benchmarks.backends.{name}").Backend()


def count_costly_ops(text: str, elements: int) -> dict[str, int]:
    """Costly elementwise ops over float32 arrays of `elements` in HLO text."""
    counts: dict[str, int] = {}
    pattern = r"=\s*f32\[([\d,]*)\]\S*\s+([a-z0-9\-]+)\("
    for dims, op in re.findall(pattern, text):
        size = 1
        for d in filter(None, dims.split(",")):
            size *= int(d)
        if op in COSTLY_OPS and size == elements:
            counts[op] = counts.get(op, 0) + 1
    return dict(sorted(counts.items()))


def copy_gbps(
    kernels: dict[str, Callable[[], Any]], elements: int, repeats: int, kernel: str
) -> dict[str, Any]:
    """GB/s of `x + 1` (one float32 read, one written) into a new buffer, in place.

    The gap between the two is the cost of getting fresh memory, which every loss
    step pays for its gradient.
    """
    found: dict[str, Any] = {"elements": elements, "in_place_kernel": kernel}
    for name, call in kernels.items():
        call()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        found[f"{name}_gbps"] = 2 * 4 * elements / statistics.median(times) / 1e9
    return found

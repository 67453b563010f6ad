"""PyTorch: eager, and `torch.compile` (inductor) at one size per row.

On a CPU inductor spends seconds compiling each loss at each shape (C++ through the
machine's compiler): compiling every size of every row would take most of an hour
on two cores, so the compiled mode is timed at the middle of each row's three
scale sizes, static shapes, with its compile time (the first call) apart.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import warnings
from typing import Any

import numpy as np

from benchmarks.backends import Mode, copy_gbps


def cpp_compiler() -> str:
    """The C++ compiler inductor uses on a CPU, with its version."""
    try:
        from torch._inductor import cpp_builder

        name = cpp_builder.get_cpp_compiler()
    except (ImportError, AttributeError, RuntimeError):
        name = "g++"
    path = shutil.which(name) or name
    try:
        found = subprocess.run([path, "--version"], capture_output=True, text=True)
        return found.stdout.splitlines()[0].strip()
    except (OSError, IndexError):
        return f"{name} (version unknown)"


class Backend:
    name = "torch"
    memory = "not measured (PyTorch reports no peak memory on a CPU)"

    def __init__(self) -> None:
        import torch

        self.torch = torch
        self.cuda = torch.cuda.is_available()
        compiler = "inductor, Triton" if self.cuda else f"inductor, {cpp_compiler()}"
        self.modes = (
            Mode("eager", "eager (no compilation)", "none"),
            Mode(
                "compile",
                "torch.compile(dynamic=False)",
                compiler,
                every_size=False,
                quick_rows=1,
                warm_calls=2,
            ),
        )
        if self.cuda:
            self.memory = "torch.cuda.max_memory_allocated() during the step"
        # Keras's dtype helpers are lru_cache'd; Dynamo traces through them.
        warnings.filterwarnings("ignore", message=".*functools.lru_cache.*")
        # Past this many compilations of one function (Loss.__call__ is shared by
        # every loss), Dynamo would run it eagerly without a word.
        torch._dynamo.config.cache_size_limit = 64
        # A graph break is counted in the results (describe_step), not printed.
        torch._logging.set_logs(dynamo=logging.ERROR)

    def device(self) -> dict[str, str]:
        from benchmarks.machine import cpu_model

        if not self.cuda:
            return {"device": "cpu", "device_name": cpu_model()}
        return {"device": "gpu", "device_name": self.torch.cuda.get_device_name(0)}

    def versions(self) -> dict[str, str]:
        import keras

        return {
            "keras": keras.__version__,
            "numpy": np.__version__,
            "torch": self.torch.__version__,
        }

    def tensor(self, array: Any) -> Any:
        return self.torch.as_tensor(array, device="cuda" if self.cuda else "cpu")

    def begin_row(self) -> None:
        self.torch._dynamo.reset()

    def sync(self) -> None:
        if self.cuda:
            self.torch.cuda.synchronize()

    def step(self, loss_fn: Any, mode: Mode) -> Any:
        torch = self.torch
        compiled = mode.name == "compile"
        forward = torch.compile(loss_fn, dynamic=False) if compiled else loss_fn
        breaks = torch._dynamo.utils.counters["graph_break"]
        info: dict[str, int] = {}

        def run(y_true: Any, y_pred: Any) -> Any:
            before = sum(breaks.values())
            leaf = y_pred.detach().requires_grad_(True)
            value = forward(y_true, leaf)
            (gradient,) = torch.autograd.grad(value, leaf)
            self.sync()
            if compiled and not info:
                # Dynamo compiles at the first call: what it left to eager Python.
                info["graph_breaks"] = sum(breaks.values()) - before
            return value.detach(), gradient

        run.info = info
        return run

    def describe_step(self, step: Any) -> dict[str, int]:
        return dict(step.info)

    def lowered_text(self, step: Any, y_true: Any, y_pred: Any) -> None:
        return None

    def peak_memory(self, step: Any, y_true: Any, y_pred: Any) -> dict | None:
        if not self.cuda:
            return None
        cuda = self.torch.cuda
        self.sync()
        cuda.reset_peak_memory_stats()
        before = cuda.memory_allocated()
        step(y_true, y_pred)
        arguments = sum(t.element_size() * t.numel() for t in (y_true, y_pred))
        return {"peak_bytes": cuda.max_memory_allocated() - before + arguments}

    def copy_bandwidth(self, elements: int, repeats: int) -> dict[str, Any]:
        x = self.tensor(np.ones(elements, "float32"))
        y = x.clone()

        def new_buffer() -> None:
            x + 1.0
            self.sync()

        def in_place() -> None:
            y.add_(1.0)
            self.sync()

        kernels = {"new_buffer": new_buffer, "in_place": in_place}
        return copy_gbps(kernels, elements, repeats, "x.add_(1)")

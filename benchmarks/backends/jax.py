"""JAX: `jax.jit(jax.value_and_grad(...))`; XLA's memory analysis of each step."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.backends import Mode, copy_gbps


class Backend:
    name = "jax"
    modes = (Mode("jit", "jax.jit(jax.value_and_grad(...))", "XLA"),)
    memory = (
        "XLA's memory_analysis() of the compiled step: argument + output + "
        "temporary bytes"
    )

    def __init__(self) -> None:
        import jax

        self.jax = jax
        self._device = jax.devices()[0]

    def device(self) -> dict[str, str]:
        from benchmarks.machine import cpu_model

        if self._device.platform == "cpu":
            return {"device": "cpu", "device_name": cpu_model()}
        return {"device": "gpu", "device_name": self._device.device_kind}

    def versions(self) -> dict[str, str]:
        import jaxlib
        import keras

        return {
            "keras": keras.__version__,
            "numpy": np.__version__,
            "jax": self.jax.__version__,
            "jaxlib": jaxlib.__version__,
        }

    def tensor(self, array: Any) -> Any:
        return self.jax.device_put(array, self._device)

    def begin_row(self) -> None:
        pass

    def step(self, loss_fn: Any, mode: Mode) -> Any:
        jax = self.jax
        compiled = jax.jit(jax.value_and_grad(loss_fn, argnums=1))

        def run(y_true: Any, y_pred: Any) -> Any:
            return jax.block_until_ready(compiled(y_true, y_pred))

        run.compiled = compiled
        return run

    def describe_step(self, step: Any) -> dict[str, int]:
        return {}

    def lowered_text(self, step: Any, y_true: Any, y_pred: Any) -> str:
        return step.compiled.lower(y_true, y_pred).compile().as_text()

    def peak_memory(self, step: Any, y_true: Any, y_pred: Any) -> dict | None:
        # The jit cache holds this executable already: no second compilation.
        stats = step.compiled.lower(y_true, y_pred).compile().memory_analysis()
        if stats is None:
            return None
        parts = {
            "argument_bytes": int(stats.argument_size_in_bytes),
            "output_bytes": int(stats.output_size_in_bytes),
            "temp_bytes": int(stats.temp_size_in_bytes),
        }
        return {"peak_bytes": sum(parts.values()), **parts}

    def copy_bandwidth(self, elements: int, repeats: int) -> dict[str, Any]:
        jax = self.jax
        x = self.tensor(np.ones(elements, "float32"))
        new = jax.jit(lambda v: v + 1.0)
        donated = jax.jit(lambda v: v + 1.0, donate_argnums=0)
        state = {"x": self.tensor(np.ones(elements, "float32"))}

        def in_place() -> None:
            state["x"] = jax.block_until_ready(donated(state["x"]))

        kernels = {
            "new_buffer": lambda: jax.block_until_ready(new(x)),
            "in_place": in_place,
        }
        kernel = "jax.jit(x + 1, donate_argnums=0)"
        return copy_gbps(kernels, elements, repeats, kernel)

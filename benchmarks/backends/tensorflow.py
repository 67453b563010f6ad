"""TensorFlow: `tf.function(jit_compile=True)` around a GradientTape (XLA)."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.backends import Mode, copy_gbps


class Backend:
    name = "tensorflow"
    modes = (Mode("xla", "tf.function(jit_compile=True)", "XLA"),)
    memory = "not measured (TensorFlow reports no peak memory for a CPU step)"

    def __init__(self) -> None:
        import tensorflow as tf

        self.tf = tf
        # Each row compiles new functions: silence the retracing warnings.
        tf.get_logger().setLevel("ERROR")
        gpus = tf.config.list_physical_devices("GPU")
        for gpu in gpus:
            tf.config.experimental.set_memory_growth(gpu, True)
        self.gpu = gpus[0] if gpus else None
        self.where = "/GPU:0" if gpus else "/CPU:0"
        if gpus:
            self.memory = "TensorFlow's peak of GPU:0 during the step"

    def device(self) -> dict[str, str]:
        from benchmarks.machine import cpu_model

        if self.gpu is None:
            return {"device": "cpu", "device_name": cpu_model()}
        details = self.tf.config.experimental.get_device_details(self.gpu)
        return {"device": "gpu", "device_name": details.get("device_name", "GPU")}

    def versions(self) -> dict[str, str]:
        import keras

        return {
            "keras": keras.__version__,
            "numpy": np.__version__,
            "tensorflow": self.tf.__version__,
        }

    def tensor(self, array: Any) -> Any:
        with self.tf.device(self.where):
            return self.tf.identity(self.tf.constant(array))

    def begin_row(self) -> None:
        pass

    def step(self, loss_fn: Any, mode: Mode) -> Any:
        tf = self.tf

        @tf.function(jit_compile=True)
        def compiled(y_true: Any, y_pred: Any) -> Any:
            with tf.GradientTape() as tape:
                tape.watch(y_pred)
                value = loss_fn(y_true, y_pred)
            return value, tape.gradient(value, y_pred)

        def run(y_true: Any, y_pred: Any) -> Any:
            with tf.device(self.where):
                value, gradient = compiled(y_true, y_pred)
            # One XLA executable computes both: when one is ready, so is the other.
            value.numpy()
            return value, gradient

        run.compiled = compiled
        return run

    def describe_step(self, step: Any) -> dict[str, int]:
        return {}

    def lowered_text(self, step: Any, y_true: Any, y_pred: Any) -> str:
        ir = step.compiled.experimental_get_compiler_ir(y_true, y_pred)
        return ir(stage="optimized_hlo")

    def peak_memory(self, step: Any, y_true: Any, y_pred: Any) -> dict | None:
        if self.gpu is None:
            return None
        memory = self.tf.config.experimental
        memory.reset_memory_stats("GPU:0")
        before = memory.get_memory_info("GPU:0")["current"]
        step(y_true, y_pred)
        arguments = sum(t.dtype.size * int(np.prod(t.shape)) for t in (y_true, y_pred))
        peak = memory.get_memory_info("GPU:0")["peak"]
        return {"peak_bytes": peak - before + arguments}

    def copy_bandwidth(self, elements: int, repeats: int) -> dict[str, Any]:
        tf = self.tf
        x = self.tensor(np.ones(elements, "float32"))
        with tf.device(self.where):
            variable = tf.Variable(x)
        new = tf.function(lambda v: v + 1.0, jit_compile=True)
        assign = tf.function(lambda: variable.assign(variable + 1.0), jit_compile=True)

        def new_buffer() -> None:
            with tf.device(self.where):
                new(x)[0].numpy()

        def in_place() -> None:
            with tf.device(self.where):
                assign()
                variable[0].numpy()

        kernels = {"new_buffer": new_buffer, "in_place": in_place}
        kernel = "tf.function(v.assign(v + 1), jit_compile=True)"
        return copy_gbps(kernels, elements, repeats, kernel)

"""One configuration of the large-vocabulary benchmark, measured in this process.

`measure_one` builds the inputs, compiles a training step (JAX, TensorFlow with or
without XLA) or prepares it (PyTorch eager), then measures the peak resident memory
of its first call and the time of up to REPEATS more.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

HIDDEN = 1024
# A step slower than this is timed once (after a first call that compiles and runs);
# faster ones up to REPEATS times.
SLOW_STEP_S = 20.0
REPEATS = 3


def memory_status(field: str) -> int:
    """VmRSS or VmHWM of this process, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def inputs(n: int, v: int, seed: int = 0) -> dict[str, Any]:
    import numpy as np

    rng = np.random.default_rng(seed)
    return {
        "hidden": (rng.standard_normal((n, HIDDEN), "float32") * 0.1),
        "kernel": (rng.standard_normal((HIDDEN, v), "float32") * 0.03),
        "bias": np.zeros(v, "float32"),
        "labels": rng.integers(0, v, n).astype("int32"),
    }


def loss_function(method: str, chunk: int | None):
    import keras

    from lossbook.large_vocabulary import chunked_sparse_categorical_crossentropy

    built_in = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def loss(labels, hidden, kernel, bias):
        if method == "chunked":
            return chunked_sparse_categorical_crossentropy(
                labels, hidden, kernel, bias, chunk_size=chunk
            )
        return built_in(labels, keras.ops.matmul(hidden, kernel) + bias)

    return loss


def training_step(backend: str, mode: str, loss, arrays: dict[str, Any]):
    """A function of no argument running one step: (loss, gradients) as NumPy."""
    import keras

    labels, hidden, kernel, bias = (
        keras.ops.convert_to_tensor(arrays[k])
        for k in ("labels", "hidden", "kernel", "bias")
    )
    if backend == "jax":
        import jax

        step = jax.jit(
            jax.value_and_grad(lambda h, k, b: loss(labels, h, k, b), (0, 1, 2))
        )
        step = step.lower(hidden, kernel, bias).compile()
        return lambda: jax.block_until_ready(step(hidden, kernel, bias))
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function(jit_compile=mode == "xla")
        def step(h, k, b):
            with tf.GradientTape() as tape:
                tape.watch([h, k, b])
                value = loss(labels, h, k, b)
            return value, tape.gradient(value, [h, k, b])

        step.get_concrete_function(hidden, kernel, bias)
        return lambda: step(hidden, kernel, bias)
    leaves = [t.detach().clone().requires_grad_(True) for t in (hidden, kernel, bias)]

    def eager_step():
        for leaf in leaves:
            leaf.grad = None
        value = loss(labels, *leaves)
        value.backward()
        return value.detach()

    return eager_step


def measure_one(config: dict[str, Any]) -> dict[str, Any]:
    """One configuration, in this process: peak extra memory and step times."""
    backend, mode = config["backend"], config["mode"]
    arrays = inputs(config["n"], config["v"])
    step = training_step(
        backend, mode, loss_function(config["method"], config["chunk"]), arrays
    )
    before = memory_status("VmRSS")
    reset_peak()
    started = time.perf_counter()
    first = step()
    first_s = time.perf_counter() - started
    peak = memory_status("VmHWM") - before
    times = []
    if first_s < SLOW_STEP_S:
        for _ in range(max(1, min(REPEATS, int(1.5 * SLOW_STEP_S / first_s)))):
            started = time.perf_counter()
            step()
            times.append(time.perf_counter() - started)
    value = first[0] if isinstance(first, (list, tuple)) else first
    from lossbook.large_vocabulary import DEFAULT_CHUNK_SIZE

    return {
        **config,
        "chunk_used": min(config["n"], config["chunk"] or DEFAULT_CHUNK_SIZE),
        "peak_extra_bytes": peak,
        "first_s": first_s,
        "step_s": statistics.median(times) if times else first_s,
        "repeats": len(times),
        "loss": float(value),
    }

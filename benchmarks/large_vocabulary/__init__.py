"""Memory and time of the chunked cross-entropy against the built-in on the logits.

    python -m benchmarks.large_vocabulary [--quick] [--backends jax,tensorflow,torch]
        [--merge] [--output-dir DIR]

One training step of a classifier head, `loss(labels, hidden @ kernel + bias)` and
its gradients with respect to `hidden`, `kernel` and `bias`, at N positions, H = 1024
and V classes, two ways:

- `built-in`: the logits materialised, then
  `keras.losses.SparseCategoricalCrossentropy(from_logits=True)`;
- `chunked`: `lossbook.large_vocabulary.chunked_sparse_categorical_crossentropy`.

Each configuration runs in a fresh process, so that one's memory does not stay in
another's peak. The peak is the process's peak resident memory during the measured
step minus its resident memory just before (Linux's VmHWM, reset through
/proc/self/clear_refs): the memory the step adds to its inputs, outputs included (the
gradients, shaped like the inputs, are the same for both). A configuration whose
built-in is predicted, from the smallest one measured, to need more than the memory
the machine has free is skipped and recorded as such.

A full run writes benchmarks/results/large-vocabulary/<machine>.json, read by the
Performance page and the chapter "When the loss is the memory"; --quick (tiny sizes)
writes to a temporary folder; --merge replaces, in that file, only the results of
the backends measured.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks import RESULTS, ROOT
from benchmarks.large_vocabulary.step import HIDDEN, measure_one
from benchmarks.machine import machine_info, now

__all__ = ["configurations", "measure_one", "merge", "predicted_peak", "run"]

FOLDER = RESULTS / "large-vocabulary"
# (N, V): positions and classes. The grid: N in {2k, 8k, 32k}, V in
# {32k, 128k}, smallest first (the smallest predicts the built-in's memory).
SIZES = [(n, v) for n in (2048, 8192, 32768) for v in (32768, 131072)]
# The chunk-size trade-off, at one size: positions per chunk.
SWEEP_SIZE = (8192, 32768)
SWEEP_CHUNKS = (64, 256, 2048)
QUICK_SIZES = [(64, 512), (128, 2048)]
QUICK_SWEEP = ((128, 2048), (8, 32, 128))
# Backend and mode, as a training step runs in `fit`: jit_compile="auto" compiles
# with XLA on JAX and TensorFlow; PyTorch runs eagerly. TensorFlow is also measured
# without XLA (jit_compile=False, a tf.function graph).
MODES = (
    ("jax", "jit"),
    ("tensorflow", "xla"),
    ("tensorflow", "graph"),
    ("torch", "eager"),
)


def run_in_fresh_process(config: dict[str, Any]) -> dict[str, Any]:
    # The environment of the loss benchmark's workers (`python -m benchmarks`).
    from benchmarks.__main__ import worker_env

    env = {**worker_env(quick=False), "KERAS_BACKEND": config["backend"]}
    command = [sys.executable, "-m", "benchmarks.large_vocabulary", "--one"]
    done = subprocess.run(
        [*command, json.dumps(config)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        return {
            **config,
            "error": f"exited with {done.returncode}: {done.stderr[-800:]}",
        }
    return json.loads(done.stdout.splitlines()[-1])


def available_memory() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("/proc/meminfo has no MemAvailable")


def predicted_peak(done: list[dict[str, Any]], config: dict[str, Any]) -> int | None:
    """The built-in's peak at `config`, scaled by N x V from the smallest measured."""
    same = [
        r
        for r in done
        if "peak_extra_bytes" in r
        and (r["backend"], r["mode"], r["method"])
        == (
            config["backend"],
            config["mode"],
            config["method"],
        )
    ]
    if not same:
        return None
    smallest = min(same, key=lambda r: r["n"] * r["v"])
    scale = config["n"] * config["v"] / (smallest["n"] * smallest["v"])
    return int(smallest["peak_extra_bytes"] * scale)


def configurations(backends: list[str], quick: bool) -> list[dict[str, Any]]:
    sizes = QUICK_SIZES if quick else SIZES
    (sweep_n, sweep_v), chunks = QUICK_SWEEP if quick else (SWEEP_SIZE, SWEEP_CHUNKS)
    found = []
    for backend, mode in MODES:
        if backend not in backends:
            continue
        base = {"backend": backend, "mode": mode, "h": HIDDEN}
        for n, v in sizes:
            found.append({**base, "n": n, "v": v, "method": "built-in", "chunk": None})
            found.append({**base, "n": n, "v": v, "method": "chunked", "chunk": None})
        for chunk in chunks:
            found.append(
                {
                    **base,
                    "n": sweep_n,
                    "v": sweep_v,
                    "method": "chunked",
                    "chunk": chunk,
                }
            )
    return found


def run(backends: list[str], quick: bool) -> dict[str, Any]:
    free = available_memory()
    results: list[dict[str, Any]] = []
    for config in configurations(backends, quick):
        predicted = (
            predicted_peak(results, config) if config["method"] == "built-in" else None
        )
        if predicted is not None and predicted > free:
            results.append(
                {
                    **config,
                    "skipped": {"predicted_bytes": predicted, "free_bytes": free},
                }
            )
        else:
            results.append(run_in_fresh_process(config))
        print(json.dumps(results[-1]), file=sys.stderr)
    return {
        "machine": machine_info(2**20 if quick else 2**26),
        "date": now(),
        "quick": quick,
        "hidden": HIDDEN,
        "versions": versions(),
        "results": results,
    }


def merge(existing: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
    """`existing` with the backends `fresh` measured replaced by its results."""
    measured = {r["backend"] for r in fresh["results"]}
    kept = [r for r in existing["results"] if r["backend"] not in measured]
    merges = existing.get("merges", [])
    merges.append({"date": fresh["date"], "backends": sorted(measured)})
    order = [backend for backend, _ in MODES]
    results = sorted(kept + fresh["results"], key=lambda r: order.index(r["backend"]))
    return {**existing, "results": results, "merges": merges}


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("keras", "jax", "tensorflow", "tensorflow-cpu", "torch"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found

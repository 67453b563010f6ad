"""One backend in a process of its own: every pairing, in each of its modes.

    python -m benchmarks.worker --backend jax --out runs.json [--quick]
        [--only NAME,...] [--have results.json]

`python -m benchmarks` starts it with KERAS_BACKEND set (Keras fixes its backend at
import) and PYTHONPATH holding the repository root (for `benchmarks`) and tests/
(for the contract's cases, whose `make_inputs` draw the inputs). With `--have`, the
losses that file already holds for a mode are not measured again in that mode.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import report, timing
from benchmarks.machine import now

# Costly ops are counted in the compiled program at this size (full runs).
OPS_SIZE = 2**16
COPY_ELEMENTS, QUICK_COPY_ELEMENTS = 2**24, 2**10


def failure(pairing: Any, size: int, error: Exception, **extra: Any) -> dict:
    message = f"{type(error).__name__}: {error}"[:2000]
    return {"row": pairing.key, "size": size, **extra, "error": message}


def draw(pairing: Any, case: Any, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The case's inputs at the row's shape for `size`, as float32 arrays."""
    y_true, y_pred = case.make_inputs(
        np.random.default_rng(size), pairing.layout.shape(size)
    )
    if pairing.inputs is not None:
        y_true, y_pred = pairing.inputs(y_true, y_pred)
    return np.asarray(y_true, "float32"), np.asarray(y_pred, "float32")


def count_ops(backend: Any, steps: dict, y_true: Any, y_pred: Any) -> dict | None:
    from benchmarks.backends import count_costly_ops

    elements = int(np.prod(y_pred.shape))
    found = {}
    for name, step in steps.items():
        text = backend.lowered_text(step, y_true, y_pred)
        if text is not None:
            found[name] = count_costly_ops(text, elements)
    return found or None


def measure(backend, mode, pairing, case, steps, size, quick) -> dict[str, Any]:
    """One row at one size: values, first calls, op counts, memory, the stopwatch."""
    from keras import ops

    y_true_np, y_pred_np = draw(pairing, case, size)
    result: dict[str, Any] = {
        "row": pairing.key,
        "size": size,
        "shape": list(y_pred_np.shape),
        "elements": int(y_pred_np.size),
    }
    y_true, y_pred = backend.tensor(y_true_np), backend.tensor(y_pred_np)
    values = {}
    for name, step in steps.items():
        # The first call at a shape compiles: its time is not a step's.
        start = time.perf_counter()
        value, gradient = step(y_true, y_pred)
        result[f"{name}_compile_s"] = time.perf_counter() - start
        values[name] = float(ops.convert_to_numpy(value))
        if name == "lossbook":
            finite = np.isfinite(ops.convert_to_numpy(gradient))
            result["gradient_finite"] = bool(np.all(finite))
    result["values"] = values
    compiled = {name: backend.describe_step(step) for name, step in steps.items()}
    if any(compiled.values()):
        result["compiled"] = compiled
    if "builtin" in values and pairing.value_factor is not None:
        expected = pairing.value_factor * values["builtin"]
        difference = abs(values["lossbook"] - expected)
        result["value_rel_diff"] = difference / max(abs(expected), 1e-12)
    if quick and pairing.layout.family == "elementwise":
        counted = count_ops(backend, steps, y_true, y_pred)
        if counted:
            result["costly_ops"] = counted
    memory = {name: backend.peak_memory(s, y_true, y_pred) for name, s in steps.items()}
    memory = {name: found for name, found in memory.items() if found}
    if memory:
        result["memory"] = memory
    calls = {name: (lambda s=s: s(y_true, y_pred)) for name, s in steps.items()}
    result |= timing.interleaved(calls, quick=quick, warm_calls=mode.warm_calls)
    if pairing.layout.family == "elementwise":
        # Least traffic of a step: read y_true and y_pred, write the gradient.
        moved = y_true_np.nbytes + 2 * y_pred_np.nbytes
        result["bytes_moved"] = moved
        for name in ("lossbook", "builtin"):
            if name in result:
                result[f"{name}_gbps"] = moved / result[name]["median_s"] / 1e9
    return result


def measure_pairing(backend, mode, pairing, case, quick) -> list[dict[str, Any]]:
    """Every size of a row that `mode` times, then its op counts at OPS_SIZE."""
    layout = pairing.layout
    if quick:
        sizes = [layout.quick_size]
    else:
        sizes = list(layout.sizes) if mode.every_size else [layout.scale_sizes()[1]]
    backend.begin_row()
    parts = {"lossbook": pairing.lossbook, "builtin": pairing.builtin}
    parts["naive"] = pairing.naive
    try:
        steps = {n: backend.step(p.build(), mode) for n, p in parts.items() if p}
    except Exception as error:  # noqa: BLE001 - reported, not hidden
        return [failure(pairing, size, error) for size in sizes]
    found = []
    for size in sizes:
        print(f"[{backend.name}, {mode.name}] {pairing.key} @ {size}", file=sys.stderr)
        try:
            found.append(measure(backend, mode, pairing, case, steps, size, quick))
        except Exception as error:  # noqa: BLE001
            found.append(failure(pairing, size, error))
    if not quick and layout.family == "elementwise":
        try:
            y_true, y_pred = map(backend.tensor, draw(pairing, case, OPS_SIZE))
            counted = count_ops(backend, steps, y_true, y_pred)
            if counted:
                row = {"row": pairing.key, "size": OPS_SIZE, "ops_only": True}
                found.append(row | {"elements": OPS_SIZE, "costly_ops": counted})
        except Exception as error:  # noqa: BLE001
            found.append(failure(pairing, OPS_SIZE, error, ops_only=True))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--have", type=Path)
    args = parser.parse_args(argv)
    import keras

    if keras.backend.backend() != args.backend:
        raise SystemExit(f"Keras runs {keras.backend.backend()}, not {args.backend}")
    from cases import CASES

    import lossbook
    from benchmarks import backends, pairings

    backend = backends.load(args.backend)
    table = pairings.load(CASES)
    cases = {case.name: case for case in CASES}
    only = {name for name in args.only.split(",") if name}
    classes, functions = pairings.public_losses(lossbook)
    if only - set(classes):
        raise SystemExit(f"--only: lossbook has no loss {sorted(only - set(classes))}")
    have = json.loads(args.have.read_text()) if args.have else None
    elements = QUICK_COPY_ELEMENTS if args.quick else COPY_ELEMENTS
    copy = backend.copy_bandwidth(elements, 1 if args.quick else 9)
    runs = []
    for mode in backend.modes:
        started = time.perf_counter()
        done = report.measured_losses(have, backend.name, mode.name)
        chosen = [
            p
            for p in table
            if (not only or p.loss.__name__ in only) and p.loss.__name__ not in done
        ]
        if args.quick and mode.quick_rows:
            chosen = chosen[: mode.quick_rows]
        measurements = []
        for pairing in chosen:
            case = cases[pairing.case]
            measurements += measure_pairing(backend, mode, pairing, case, args.quick)
        runs.append(
            {
                "backend": backend.name,
                "mode": mode.name,
                "label": mode.label,
                "compiler": mode.compiler,
                "scheme": mode.scheme(args.quick),
                # A quick run of a slow mode measures a sample of the rows only.
                "sampled": bool(args.quick and mode.quick_rows),
                "memory": backend.memory,
                **backend.device(),
                "versions": backend.versions(),
                "copy": copy,
                "date": now(),
                "rows": [p.describe() for p in chosen],
                "measurements": measurements,
                "duration_s": time.perf_counter() - started,
            }
        )
    found = {"runs": runs, "losses": classes, "functions": functions}
    args.out.write_text(json.dumps(found, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

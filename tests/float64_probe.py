"""Computes every contract case in float64 and writes the errors as JSON.

Run by test_contract.py in a process of its own, because JAX computes in float64
only if `JAX_ENABLE_X64` is set before it starts:
`KERAS_BACKEND=jax JAX_ENABLE_X64=1 PYTHONPATH=tests python tests/float64_probe.py
results.json`.
For each case: the dtype of the values (from the function on float64 inputs,
and from the class with `dtype="float64"` on float32 inputs), their worst
relative error against the float64 NumPy reference, and the worst error of the
float64 gradient against central differences of the loss itself (relative to
the largest derivative).
"""

import json
import sys
from pathlib import Path

import keras
import numpy as np
from cases import CASES
from helpers import BACKEND, central_differences, gradient, jit, numpy
from keras import ops


def worst_relative_error(got, expected):
    nonzero = expected != 0
    errors = np.abs(got - expected)
    relative = errors[nonzero] / np.abs(expected[nonzero])
    # Where the reference is exactly 0, the error is taken relative to the
    # largest value of the batch.
    absolute = errors[~nonzero] / max(np.max(np.abs(expected)), 1e-300)
    return float(max(relative.max(initial=0.0), absolute.max(initial=0.0)))


# JAX runs op by op, compiling each operation for its shapes and dtypes: one
# compiled program per function costs a fraction of that. The others run eagerly.
compiled = jit if BACKEND == "jax" else (lambda function: function)


def probe(case):
    rng = np.random.default_rng(11)
    y_true, y_pred = (np.float64(a) for a in case.make_inputs(rng, (6, 5)))
    values = compiled(lambda t, p: case.function(t, p, **case.kwargs))(y_true, y_pred)
    expected = case.reference(y_true, y_pred)
    # The class with dtype="float64" computes float32 inputs in float64.
    loss = case.loss_class(**case.kwargs, dtype="float64", reduction=None)
    from_class = compiled(loss)(np.float32(y_true), np.float32(y_pred))
    result = {
        "dtype": keras.backend.standardize_dtype(values.dtype),
        "worst_relative_error": worst_relative_error(numpy(values), expected),
        "class_dtype": keras.backend.standardize_dtype(from_class.dtype),
        "class_worst_relative_error": worst_relative_error(numpy(from_class), expected),
    }
    y_true, y_pred = (
        np.float64(a)
        for a in case.for_finite_differences(*case.make_inputs(rng, (4, 4)))
    )
    function = lambda p: case.function(y_true, p, **case.kwargs)  # noqa: E731
    if BACKEND == "jax":
        import jax

        total = jax.jit(lambda p: ops.sum(function(p)))
        analytic = np.asarray(jax.jit(jax.grad(total))(y_pred))
    else:
        total = function
        analytic = gradient(function, y_pred)
    numeric = central_differences(lambda p: float(ops.sum(total(p))), y_pred)
    scale = max(np.max(np.abs(numeric)), 1e-300)
    result["gradient_dtype"] = str(analytic.dtype)
    result["worst_gradient_error"] = float(np.max(np.abs(analytic - numeric)) / scale)
    return result


if __name__ == "__main__":
    results = {case.name: probe(case) for case in CASES}
    Path(sys.argv[1]).write_text(json.dumps(results, indent=1))

"""Small helpers shared by the tests: arrays, gradients, compilation, tools.

Gradients and compilation work on whichever Keras backend the tests run under,
so that a test written once runs on TensorFlow, JAX and PyTorch.
"""

import contextlib
import os
import re

import keras
import numpy as np
import pytest
from keras import ops

BACKEND = keras.backend.backend()


def numpy(x):
    """Any backend's tensor (or a NumPy array) as a NumPy array."""
    return ops.convert_to_numpy(x)


def all_finite(*arrays):
    """Whether every entry of every array is finite."""
    return all(np.all(np.isfinite(numpy(a))) for a in arrays)


def shapes_pattern(true_shape, pred_shape):
    """A regex matching an error that names both shapes, y_true's first."""
    return (
        re.escape(f"y_true.shape={tuple(true_shape)}")
        + ".*"
        + re.escape(f"y_pred.shape={tuple(pred_shape)}")
    )


@contextlib.contextmanager
def float64():
    """Float64 inputs stay float64 inside, on every backend.

    JAX computes in float32 unless 64-bit types are enabled; TensorFlow and
    PyTorch keep float64 anyway.
    """
    if BACKEND == "jax":
        import jax

        with jax.enable_x64(True):
            yield
    else:
        yield


def gradient(function, x):
    """The gradient of `sum(function(x))` with respect to the array `x`, as NumPy."""
    x = np.asarray(x)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        variable = tf.Variable(x)
        with tf.GradientTape() as tape:
            total = ops.sum(function(variable))
        return tape.gradient(total, variable).numpy()
    if BACKEND == "jax":
        import jax

        return np.asarray(jax.grad(lambda v: ops.sum(function(v)))(x))
    if BACKEND == "torch":
        import torch

        tensor = torch.tensor(x, requires_grad=True)
        ops.sum(function(tensor)).backward()
        return tensor.grad.numpy()
    raise NotImplementedError(BACKEND)


def gradients(function, *arrays):
    """The value of the scalar `function(*arrays)` and its gradient with respect
    to each array, as NumPy."""
    arrays = [np.asarray(a) for a in arrays]
    if BACKEND == "tensorflow":
        import tensorflow as tf

        variables = [tf.Variable(a) for a in arrays]
        with tf.GradientTape() as tape:
            value = function(*variables)
        return numpy(value), [g.numpy() for g in tape.gradient(value, variables)]
    if BACKEND == "jax":
        import jax

        positions = tuple(range(len(arrays)))
        value, grads = jax.value_and_grad(function, argnums=positions)(*arrays)
        return numpy(value), [np.asarray(g) for g in grads]
    if BACKEND == "torch":
        import torch

        tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
        value = function(*tensors)
        value.backward()
        return value.detach().numpy(), [t.grad.numpy() for t in tensors]
    raise NotImplementedError(BACKEND)


def central_differences(total, x, step=1e-6):
    """The gradient of the scalar function `total` at the float64 array `x`."""
    x = np.float64(x)
    result = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        result[index] = (total(up) - total(down)) / (2 * step)
    return result


def jit(function):
    """`function` compiled by the backend's own jit (XLA for TensorFlow and JAX)."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.function(function, jit_compile=True)
    if BACKEND == "jax":
        import jax

        return jax.jit(function)
    if BACKEND == "torch":
        import torch

        # aot_eager traces the whole function through TorchDynamo and AOTAutograd
        # (fullgraph: no graph breaks allowed) without the minutes of C++ code
        # generation that the default inductor backend costs on a CPU.
        # NumPy inputs are converted outside: Dynamo cannot trace NumPy attributes.
        # Each test compiles afresh; otherwise every loss compiled through the same
        # Loss.__call__ counts towards one recompile limit.
        torch._dynamo.reset()
        compiled = torch.compile(function, backend="aot_eager", fullgraph=True)
        return lambda *arrays: compiled(*(ops.convert_to_tensor(a) for a in arrays))
    raise NotImplementedError(BACKEND)


def require_or_skip(tool: str, how_to_install: str) -> None:
    """Skips a test whose tool is missing, except under .ci/run, where it fails."""
    message = f"{tool} not found; {how_to_install}"
    if os.environ.get("LOSSBOOK_CI") == "1":
        pytest.fail(message + " (required under .ci/run)")
    pytest.skip(message)

"""Gradients and compilation on whichever Keras backend the tests run under."""

import keras
import numpy as np
from keras import ops

BACKEND = keras.backend.backend()


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

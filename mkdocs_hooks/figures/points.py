"""The points a figure plots: values and derivatives from the lossbook functions.

The values are those of the lossbook function, called on float32 inputs built from
x as the spec says; the derivatives come from autograd on the build's Keras backend
(KERAS_BACKEND), through the builder, so that a change to a formula shows in both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .specs import Axis, Curve, LossFigure, Overview, OverviewLine, Part


@dataclass(frozen=True)
class Points:
    """One curve as drawn: x, the loss at x and its derivative along x."""

    x: np.ndarray
    values: np.ndarray
    derivatives: np.ndarray


def grid(axis: Axis) -> np.ndarray:
    return np.linspace(axis.start, axis.stop, axis.points).astype("float32")


def _resolved(value: Any) -> Any:
    """Hyperparameters as the function takes them: a `Part` becomes its Loss."""
    import lossbook

    if isinstance(value, Part):
        return getattr(lossbook, value.name)(**value.config)
    if isinstance(value, list) and any(isinstance(item, Part) for item in value):
        return [_resolved(item) for item in value]
    return value


def curve_function(curve: Curve) -> Callable[[Any], Any]:
    """x -> the curve's value(s): per-sample values of the grid, or for an in-batch
    curve the value of the first sample of the batch built from one x."""
    import lossbook

    function = getattr(lossbook, curve.function)
    kwargs = {name: _resolved(value) for name, value in curve.kwargs.items()}

    def values(x: Any) -> Any:
        per_sample = function(*curve.build(x, **curve.inputs), **kwargs)
        return per_sample[0] if curve.in_batch else per_sample

    return values


def _tensorflow(function: Callable[[Any], Any], x: np.ndarray, in_batch: bool):
    import tensorflow as tf

    def value_and_derivative(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            values = function(t)
        zero = tf.UnconnectedGradients.ZERO  # a curve flat in x has derivative 0
        return values, tape.gradient(values, t, unconnected_gradients=zero)

    if not in_batch:
        values, derivatives = value_and_derivative(tf.constant(x))
        return values.numpy(), derivatives.numpy()
    # One graph per curve, run at every point: eagerly, each point would dispatch
    # the loss's few hundred small operations from Python, ten times slower.
    traced = tf.function(value_and_derivative, autograph=False)
    values, derivatives = zip(*(traced(tf.constant(t)) for t in x), strict=True)
    return np.array(values), np.array(derivatives)


def _jax(function: Callable[[Any], Any], x: np.ndarray, in_batch: bool):
    import jax
    import jax.numpy as jnp

    if in_batch:
        values, derivatives = jax.vmap(jax.value_and_grad(function))(x)
    else:
        values, pullback = jax.vjp(function, jnp.asarray(x))
        (derivatives,) = pullback(jnp.ones_like(values))
    return np.asarray(values), np.asarray(derivatives)


def _torch(function: Callable[[Any], Any], x: np.ndarray, in_batch: bool):
    import torch
    from keras import ops

    tensor = torch.tensor(x, requires_grad=True)
    values = (
        torch.stack([function(t) for t in tensor]) if in_batch else function(tensor)
    )
    values.sum().backward()
    return ops.convert_to_numpy(values.detach()), tensor.grad.numpy()


BACKENDS = {"tensorflow": _tensorflow, "jax": _jax, "torch": _torch}


def curve_points(curve: Curve, axis: Axis) -> Points:
    """The values and derivatives of `curve` on the grid of `axis`."""
    import keras

    x = grid(axis)
    backend = keras.backend.backend()
    if backend not in BACKENDS:
        raise ValueError(
            f"the loss figures need autograd; backend {backend!r} has none"
        )
    values, derivatives = BACKENDS[backend](curve_function(curve), x, curve.in_batch)
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(derivatives))):
        raise ValueError(
            f"{curve.function}({dict(curve.kwargs)}, inputs {dict(curve.inputs)}): "
            "a value or derivative on the figure's range is not finite"
        )
    return Points(x, np.asarray(values), np.asarray(derivatives))


def _key(curve: Curve, axis: Axis) -> str:
    """What makes a curve's points: all but its legend and the axis label."""
    kwargs, inputs = dict(curve.kwargs), dict(curve.inputs)
    made_of = (curve.function, curve.build.__name__, kwargs, inputs, curve.in_batch)
    return repr((*made_of, axis.start, axis.stop, axis.points))


def figure_points(
    figure: LossFigure | Overview, computed: dict[str, Points] | None = None
) -> list[Points]:
    """The points of each line of a figure, in order, as drawn (an overview line
    at its `to_x`). `computed` (a dict) keeps the points across figures, so that a
    curve an overview shares with a loss's figure is computed once."""
    computed = {} if computed is None else computed
    if isinstance(figure, LossFigure):
        lines = [
            OverviewLine(curve, figure.axis, curve.legend) for curve in figure.curves
        ]
    else:
        lines = figure.lines
    result = []
    for line in lines:
        key = _key(line.curve, line.axis)
        if key not in computed:
            computed[key] = curve_points(line.curve, line.axis)
        points = computed[key]
        if line.to_x is not None:
            points = dataclasses.replace(points, x=line.to_x(points.x))
        result.append(points)
    return result

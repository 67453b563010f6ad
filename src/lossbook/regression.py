"""Regression losses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import ops

from lossbook._core import (
    FunctionLoss,
    check_batch_axis,
    check_non_negative,
    check_numbers,
    check_open_unit_interval,
    check_positive,
    float_dtypes,
    is_sequence,
    loss_function,
    mean,
    prepare_inputs,
    shapes_match,
)


def _absolute(d: Any) -> Any:
    """`|d|` with the gradient `sign(d)`, 0 at 0 (PyTorch's L1 losses give 0 there).

    Written `d * sign(d)`, whose autodiff gives that gradient on every backend
    (JAX differentiates abs to 1 at 0) and which ran faster than abs under
    TensorFlow's XLA; under JAX's it cost up to twice Keras's mean absolute
    error, so there the gradient is written out.
    """
    if keras.backend.backend() == "jax":
        return _absolute_for_jax(d)
    return d * ops.sign(d)


@ops.custom_gradient
def _absolute_for_jax(d: Any) -> Any:
    # Two selects: XLA's CPU `sign` cost 10 to 20 % more, and autodiff of
    # `d * sign(d)` up to twice Keras's mean absolute error.
    def gradient(*args: Any, upstream: Any = None) -> Any:
        upstream = args[0] if upstream is None else upstream
        zero = ops.zeros_like(d)
        return upstream * (ops.where(d > 0, 1.0, zero) - ops.where(d < 0, 1.0, zero))

    return ops.abs(d), gradient


@loss_function(scale=check_positive)
def scaled_mean_squared_error(y_true: Any, y_pred: Any, *, scale: float = 1.0) -> Any:
    """Mean squared error multiplied by a constant `scale`.

    Formula:

    ```
    loss = scale * mean((y_pred - y_true) ** 2, axis=-1)
    ```

    This is the "temperature" loss of a popular article, honestly named: a constant
    factor changes the size of the loss and of its gradients, not where its minimum
    is nor how errors are ranked. Under SGD it is the same as multiplying the
    learning rate by `scale`; under Adam it changes almost nothing.

    Args:
        y_true: Targets.
        y_pred: Predictions, same shape as `y_true` (or one trailing axis of size 1
            more or less).
        scale: The constant factor, a number > 0. Defaults to `1.0`, which is
            `keras.losses.mean_squared_error`.

    Returns:
        The per-sample loss, of shape `y_pred.shape[:-1]`.

    Raises:
        ValueError: If `scale <= 0`, or the shapes do not match.

    Examples:
        >>> import numpy as np
        >>> from lossbook import scaled_mean_squared_error
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0], [1.0, 3.0]])
        >>> loss = scaled_mean_squared_error(y_true, y_pred, scale=0.6)
        >>> print(np.round(np.asarray(loss), 4))
        [0.3 1.2]
    """
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    losses = scale * mean(ops.square(y_pred - y_true), axis=-1)
    return ops.cast(losses, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class ScaledMeanSquaredError(FunctionLoss):
    """Mean squared error times a constant `scale`.

    The class form of `scaled_mean_squared_error`, serializable, so that a model
    trained with it saves and loads.

    Args:
        scale: The constant factor, a number > 0. Defaults to `1.0`, which is
            `keras.losses.MeanSquaredError`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"scaled_mean_squared_error"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `scale <= 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import ScaledMeanSquaredError
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0], [1.0, 3.0]])
        >>> round(float(ScaledMeanSquaredError(scale=0.6)(y_true, y_pred)), 4)
        0.75
    """

    def __init__(
        self,
        scale: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "scaled_mean_squared_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            scaled_mean_squared_error,
            scale=scale,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


@loss_function(beta=check_non_negative)
def smooth_l1_loss(y_true: Any, y_pred: Any, *, beta: float = 1.0) -> Any:
    """Smooth L1 loss: quadratic for errors below `beta`, linear above.

    Formula:

    ```
    d = y_true - y_pred
    loss = mean(where(|d| < beta, 0.5 * d**2 / beta, |d| - 0.5 * beta), axis=-1)
    ```

    With `beta = 0` it is the mean absolute error, as in PyTorch. It equals
    PyTorch's `torch.nn.SmoothL1Loss(beta=beta, reduction="none")` averaged over the
    last axis. `keras.losses.Huber(delta)` is the same curve scaled by `delta`:
    `huber(delta) = delta * smooth_l1_loss(beta=delta)`. Smooth L1 keeps the slope
    of its linear part at 1 whatever `beta` is; Huber keeps the curvature of its
    quadratic part at 1.

    Args:
        y_true: Targets.
        y_pred: Predictions, same shape as `y_true` (or one trailing axis of size 1
            more or less).
        beta: Where the quadratic part turns linear, a number >= 0. Defaults to
            `1.0`; `0.0` gives the mean absolute error.

    Returns:
        The per-sample loss, of shape `y_pred.shape[:-1]`.

    Raises:
        ValueError: If `beta` is negative or not a finite number, or the shapes do
            not match.

    Examples:
        >>> import numpy as np
        >>> from lossbook import smooth_l1_loss
        >>> y_true = np.array([[0.0, 0.0], [0.0, 0.0]])
        >>> y_pred = np.array([[0.5, -0.5], [3.0, 1.0]])
        >>> print(np.round(np.asarray(smooth_l1_loss(y_true, y_pred)), 4))
        [0.125 1.5  ]
        >>> print(np.round(np.asarray(smooth_l1_loss(y_true, y_pred, beta=0.0)), 4))
        [0.5 2. ]

        The second sample costs `mean(3 - 0.5, 0.5 * 1**2)`: past `beta`, the loss
        grows linearly. A negative `beta` is refused:

        >>> import numpy as np
        >>> from lossbook import smooth_l1_loss
        >>> smooth_l1_loss(np.zeros((2, 2)), np.ones((2, 2)), beta=-1.0)
        Traceback (most recent call last):
        ...
        ValueError: `beta` must be >= 0, got beta=-1.0.

    References:
        Girshick, "Fast R-CNN", ICCV 2015 (arXiv:1504.08083), equation 3.
        PyTorch, `torch.nn.SmoothL1Loss`.
    """
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    difference = y_true - y_pred
    if beta == 0.0:
        losses = _absolute(difference)
    else:
        error = ops.abs(difference)
        # A select, not the min(|d|, beta) rewrite: under JAX's XLA the select
        # ran as fast as keras.losses.huber, the min form three times slower.
        losses = ops.where(
            error < beta, (0.5 / beta) * ops.square(difference), error - 0.5 * beta
        )
    return ops.cast(mean(losses, axis=-1), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class SmoothL1Loss(FunctionLoss):
    """Smooth L1 loss, as in Fast R-CNN and `torch.nn.SmoothL1Loss`.

    The class form of `smooth_l1_loss`. Errors smaller than `beta` cost
    `0.5 * d**2 / beta`, larger ones `|d| - 0.5 * beta`, so outliers pull on the
    model with a bounded gradient of 1. `keras.losses.Huber(delta)` equals
    `delta * SmoothL1Loss(beta=delta)`.

    Args:
        beta: Where the quadratic part turns linear, a number >= 0. Defaults to
            `1.0`; `0.0` gives `keras.losses.MeanAbsoluteError`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"smooth_l1_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `beta` is negative or not a finite number.

    Examples:
        >>> import numpy as np
        >>> from lossbook import SmoothL1Loss
        >>> y_true = np.array([[0.0, 0.0], [0.0, 0.0]])
        >>> y_pred = np.array([[0.5, -0.5], [3.0, 1.0]])
        >>> round(float(SmoothL1Loss(beta=1.0)(y_true, y_pred)), 4)
        0.8125
        >>> SmoothL1Loss(beta=float("inf"))
        Traceback (most recent call last):
        ...
        ValueError: `beta` must be finite, got beta=inf.

    References:
        Girshick, "Fast R-CNN", ICCV 2015 (arXiv:1504.08083), equation 3.
    """

    def __init__(
        self,
        beta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "smooth_l1_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            smooth_l1_loss, beta=beta, reduction=reduction, name=name, dtype=dtype
        )


def _check_quantiles(name: str, quantiles: Any) -> float | list[float]:
    """Returns one quantile as a float, or a sequence of them as a list."""
    if is_sequence(quantiles):
        return check_numbers(name, quantiles, check_open_unit_interval)
    return check_open_unit_interval(name, quantiles)


def _quantile_inputs(y_true: Any, y_pred: Any, count: int) -> tuple[Any, Any, str]:
    """`prepare_inputs` for `count` quantiles on the last axis of `y_pred`.

    `y_true` of the shape of `y_pred` stays so (one quantile per column);
    `y_true` of shape `y_pred.shape[:-1]` gains a trailing axis of size 1; a
    `y_true` of shape `y_pred.shape[:-1] + (1,)` stays so. Anything else raises.
    """
    compute_dtype, result_dtype = float_dtypes(y_pred)
    y_pred = ops.cast(y_pred, compute_dtype)
    y_true = ops.cast(y_true, compute_dtype)
    check_batch_axis(y_true, y_pred)
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if pred_shape and pred_shape[-1] in (None, count):
        if shapes_match(true_shape, pred_shape):
            return y_true, y_pred, result_dtype
        if shapes_match(true_shape, pred_shape[:-1]):
            return ops.expand_dims(y_true, -1), y_pred, result_dtype
        if shapes_match(true_shape, pred_shape[:-1] + (1,)):
            return y_true, y_pred, result_dtype
    raise ValueError(
        f"With {count} quantiles, `y_pred` must end with an axis of size {count} "
        "and `y_true` must have the shape of `y_pred`, or that shape without the "
        f"last axis or with size 1 there, got y_true.shape={true_shape} and "
        f"y_pred.shape={pred_shape}."
    )


@loss_function(quantiles=_check_quantiles)
def pinball_loss(
    y_true: Any, y_pred: Any, *, quantiles: float | Sequence[float] = 0.5
) -> Any:
    """Pinball (quantile) loss, whose minimiser is the `q`-quantile of `y_true`.

    Formula:

    ```
    d = y_true - y_pred
    loss = mean(max(q * d, (q - 1) * d), axis=-1)
    ```

    Predicting too low costs `q` per unit, too high `1 - q`; `q = 0.5` is half the
    mean absolute error. With one quantile (a float), `y_true` and `y_pred` have
    the same shape (or one trailing axis of size 1 more or less) and the loss
    equals scikit-learn's `mean_pinball_loss(y_true, y_pred, alpha=q)` after the
    reduction.

    With a sequence of `K` quantiles, `y_pred[..., k]` is scored with quantile
    `quantiles[k]`, and `y_pred` has shape `batch_shape + (K,)`. A `y_true` of
    shape `batch_shape` or `batch_shape + (1,)` is one target, broadcast against
    its `K` predicted quantiles (the only broadcast lossbook does on purpose); a
    `y_true` of the shape of `y_pred` is `K` targets, column `k` with quantile
    `quantiles[k]` (TensorFlow Addons' `PinballLoss(tau=[...])` on several
    targets). The per-sample loss is the mean of the `K` pinball losses. Any
    other pair of shapes raises. Addons' `tau` is `quantiles` here.

    Args:
        y_true: Targets.
        y_pred: Predictions: the shape of `y_true` for one quantile, or with a last
            axis of size `K` for `K` quantiles (`y_true` with the same shape: one
            target per column).
        quantiles: A number in (0, 1), or a non-empty sequence of them. Defaults
            to `0.5`, the median.

    Returns:
        The per-sample loss, of shape `y_pred.shape[:-1]`.

    Raises:
        ValueError: If a quantile is not in (0, 1), `quantiles` is empty, or the
            shapes do not fit the rules above.

    Examples:
        >>> import numpy as np
        >>> from lossbook import pinball_loss
        >>> y_true = np.array([[1.0], [1.0]])
        >>> y_pred = np.array([[0.0], [2.0]])
        >>> loss = pinball_loss(y_true, y_pred, quantiles=0.9)
        >>> print(np.round(np.asarray(loss), 4))
        [0.9 0.1]

        Three quantiles of one target: `y_true` has a trailing axis of size 1 (or
        none), `y_pred` one prediction per quantile.

        >>> import numpy as np
        >>> from lossbook import pinball_loss
        >>> y_true = np.array([[1.0], [1.0]])
        >>> y_pred = np.array([[0.5, 1.0, 1.5], [0.0, 2.0, 4.0]])
        >>> loss = pinball_loss(y_true, y_pred, quantiles=[0.1, 0.5, 0.9])
        >>> print(np.round(np.asarray(loss), 4))
        [0.0333 0.3   ]
        >>> pinball_loss(y_true, y_pred, quantiles=[0.1, 0.5])
        Traceback (most recent call last):
        ...
        ValueError: With 2 quantiles, ... y_true.shape=(2, 1) and y_pred.shape=(2, 3).
        >>> pinball_loss(y_true, y_pred, quantiles=[0.1, 1.0, 0.9])
        Traceback (most recent call last):
        ...
        ValueError: `quantiles[1]` must be in (0, 1), got quantiles[1]=1.0.

    References:
        Koenker and Bassett, "Regression Quantiles", Econometrica 46(1), 1978.
        scikit-learn, `sklearn.metrics.mean_pinball_loss`.
    """
    if isinstance(quantiles, float):
        y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
        q = quantiles
    else:
        y_true, y_pred, result_dtype = _quantile_inputs(y_true, y_pred, len(quantiles))
        q = ops.convert_to_tensor(quantiles, dtype=y_pred.dtype)
    error = y_true - y_pred
    if isinstance(q, float) and q == 0.5:
        # Half the mean absolute error. The factor goes after the mean: XLA on a
        # CPU wrote a whole array of 0.5 for `0.5 * |d|` before its reduction.
        return ops.cast(0.5 * mean(_absolute(error), axis=-1), result_dtype)
    # max(q d, (q - 1) d) as a select on the sign of d, as fast as the mean
    # absolute error under XLA, where ops.maximum was up to twice as slow.
    losses = ops.where(error >= 0, q * error, (q - 1.0) * error)
    return ops.cast(mean(losses, axis=-1), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class PinballLoss(FunctionLoss):
    """Pinball (quantile) loss for one quantile or several at once.

    The class form of `pinball_loss`. Train a model with `Dense(K)` outputs and
    `PinballLoss(quantiles=[q_1, ..., q_K])` to predict `K` quantiles of one
    target; targets of shape `(batch,)` or `(batch, 1)` are broadcast against
    the `K` outputs.

    Args:
        quantiles: A number in (0, 1), or a non-empty sequence of them. Defaults
            to `0.5`, the median.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"pinball_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If a quantile is not in (0, 1), or `quantiles` is empty.

    Examples:
        >>> import numpy as np
        >>> from lossbook import PinballLoss
        >>> y_true = np.array([1.0, 1.0])
        >>> y_pred = np.array([[0.5, 1.0, 1.5], [0.0, 2.0, 4.0]])
        >>> loss_fn = PinballLoss(quantiles=[0.1, 0.5, 0.9])
        >>> round(float(loss_fn(y_true, y_pred)), 4)
        0.1667
        >>> loss_fn.get_config()["quantiles"]
        [0.1, 0.5, 0.9]
        >>> PinballLoss(quantiles=0.0)
        Traceback (most recent call last):
        ...
        ValueError: `quantiles` must be in (0, 1), got quantiles=0.0.

    References:
        Koenker and Bassett, "Regression Quantiles", Econometrica 46(1), 1978.
    """

    def __init__(
        self,
        quantiles: float | Sequence[float] = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str = "pinball_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            pinball_loss,
            quantiles=quantiles,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )

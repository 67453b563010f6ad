"""Classification losses."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from lossbook._core import (
    FunctionLoss,
    check_bool,
    check_classes,
    check_closed_unit_interval,
    check_finite,
    check_int,
    check_positive,
    empty_values,
    is_empty,
    loss_function,
    mean,
    prepare_inputs,
)


def _softplus_of_minus(x: Any) -> Any:
    """softplus(-x), which never overflows; log(sigmoid(x)) and log(1 - sigmoid(x))
    both reduce to it.

    On TensorFlow it is written out as `max(-x, 0) + log1p(exp(-|x|))` with
    selects, as `sigmoid_cross_entropy_with_logits` is, so that the gradient
    reuses the exponential of the value: the gradient of `ops.softplus`, a
    sigmoid, computed a second one there. Elsewhere `ops.softplus` is faster: the
    selects cost PyTorch one kernel each when eager, and JAX fuses softplus well.
    """
    if keras.backend.backend() != "tensorflow":
        return ops.softplus(-x)
    positive = x >= 0
    negative_abs = ops.where(positive, -x, x)
    return ops.where(positive, ops.zeros_like(x), -x) + ops.log1p(ops.exp(negative_abs))


@loss_function(
    pos_weight=check_positive,
    neg_weight=check_positive,
    from_logits=check_bool,
    label_smoothing=check_closed_unit_interval,
    axis=check_int,
)
def weighted_binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    pos_weight: float = 1.0,
    neg_weight: float = 1.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Binary cross-entropy whose positive and negative terms are weighted.

    Formula:

    ```
    loss = mean(-(pos_weight * y * log(p) + neg_weight * (1 - y) * log(1 - p)),
                axis=axis)
    ```

    With `pos_weight > 1` a missed positive (a false negative) costs more than a
    false alarm; with both weights 1 this is `keras.losses.binary_crossentropy`.
    For 0/1 targets, `pos_weight=w1, neg_weight=w0` gives each sample the weight
    of its class, as `class_weight={0: w0, 1: w1}` does in `fit`. For logits `x`
    the loss is computed in the stable form
    `neg_weight * (1 - y) * x + (pos_weight * y + neg_weight * (1 - y)) *
    softplus(-x)`, which with `neg_weight = 1` equals
    `tf.nn.weighted_cross_entropy_with_logits` and PyTorch's
    `BCEWithLogitsLoss(pos_weight=...)`. Probabilities are clipped to
    `[epsilon, 1 - epsilon]` as Keras clips them.

    Args:
        y_true: Binary targets (0 or 1; soft targets in between are allowed).
        y_pred: Predicted probabilities, or logits if `from_logits=True`. Same shape
            as `y_true`, or one trailing axis of size 1 more or less.
        pos_weight: Weight of the positive term, a number > 0. Defaults to `1.0`.
        neg_weight: Weight of the negative term, a number > 0. Defaults to `1.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: In `[0, 1]`; targets become
            `y * (1 - label_smoothing) + 0.5 * label_smoothing`. Defaults to `0.0`.
        axis: The axis the mean is taken over. Defaults to `-1`.

    Returns:
        The per-sample loss, of the shape of `y_pred` without `axis`.

    Raises:
        ValueError: If an argument is out of range, or the shapes do not match.

    Examples:
        >>> import numpy as np
        >>> from lossbook import weighted_binary_crossentropy
        >>> y_true = np.array([[1.0], [0.0]])
        >>> y_pred = np.array([[0.2], [0.2]])
        >>> loss = weighted_binary_crossentropy(y_true, y_pred, pos_weight=3.0)
        >>> print(np.round(np.asarray(loss), 4))
        [4.8283 0.2231]

        The positive sample costs `3 * -log(0.2)`, the negative one `-log(0.8)`.

    References:
        TensorFlow, `tf.nn.weighted_cross_entropy_with_logits`.
    """
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        negative = neg_weight * (1.0 - y_true)
        losses = negative * y_pred + (pos_weight * y_true + negative) * (
            _softplus_of_minus(y_pred)
        )
    else:
        epsilon = keras.backend.epsilon()
        p = ops.clip(y_pred, epsilon, 1.0 - epsilon)
        negative = neg_weight * (1.0 - y_true)
        losses = -(pos_weight * y_true * ops.log(p) + negative * ops.log(1.0 - p))
    return ops.cast(mean(losses, axis=axis), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class WeightedBinaryCrossentropy(FunctionLoss):
    """Binary cross-entropy that weights the positive class by `pos_weight` and
    the negative class by `neg_weight`.

    The class form of `weighted_binary_crossentropy`: per-sample values are
    reduced with `reduction` and weighted by `sample_weight`, as for every Keras
    loss. Use it to make false negatives cost `pos_weight / neg_weight` times a
    false positive; `pos_weight=w1, neg_weight=w0` is `class_weight={0: w0, 1: w1}`
    made part of the loss.

    Args:
        pos_weight: Weight of the positive term, a number > 0. Defaults to `1.0`;
            with `neg_weight=1.0`, this is `keras.losses.BinaryCrossentropy`.
        neg_weight: Weight of the negative term, a number > 0. Defaults to `1.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: In `[0, 1]`. Defaults to `0.0`.
        axis: The axis the mean is taken over. Defaults to `-1`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"weighted_binary_crossentropy"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `pos_weight <= 0`, `neg_weight <= 0`, `label_smoothing` is
            outside `[0, 1]`, or `from_logits` is not a bool.

    Examples:
        >>> import numpy as np
        >>> from lossbook import WeightedBinaryCrossentropy
        >>> loss_fn = WeightedBinaryCrossentropy(pos_weight=3.0, from_logits=True)
        >>> y_true = np.array([[1.0], [0.0], [1.0]])
        >>> logits = np.array([[-1.0], [0.5], [2.0]])
        >>> round(float(loss_fn(y_true, logits)), 4)
        1.7649
        >>> WeightedBinaryCrossentropy(pos_weight=0.0)
        Traceback (most recent call last):
        ...
        ValueError: `pos_weight` must be > 0, got pos_weight=0.0.
    """

    def __init__(
        self,
        pos_weight: float = 1.0,
        neg_weight: float = 1.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "weighted_binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            weighted_binary_crossentropy,
            pos_weight=pos_weight,
            neg_weight=neg_weight,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


def _check_poly_epsilon(name: str, value: Any) -> float:
    """Returns `value` as a float, or raises if it is not a finite number >= -1."""
    # -1 is where Poly-1's leading coefficient (1 + epsilon) would turn negative.
    number = check_finite(name, value)
    if not number >= -1.0:
        raise ValueError(f"`{name}` must be >= -1, got {name}={value!r}.")
    return number


@loss_function(
    epsilon=_check_poly_epsilon,
    from_logits=check_bool,
    label_smoothing=check_closed_unit_interval,
)
def poly_loss(
    y_true: Any,
    y_pred: Any,
    *,
    epsilon: float = 1.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> Any:
    """Poly-1 loss: categorical cross-entropy plus `epsilon * (1 - p_t)`.

    Formula:

    ```
    y_s = y_true * (1 - label_smoothing) + label_smoothing / num_classes
    p = softmax(y_pred)      # or y_pred / sum(y_pred) for probabilities
    p_t = sum(y_s * p, axis=-1)
    loss = -sum(y_s * log(p), axis=-1) + epsilon * (1 - p_t)
    ```

    Cross-entropy is `sum_j (1 - p_t)**j / j`; Poly-1 adds `epsilon` to the
    coefficient of the first term, so `epsilon > 0` keeps pushing on samples
    that are already right, `epsilon < 0` lets go of them sooner. `epsilon = 0` is
    `keras.losses.categorical_crossentropy`. With label smoothing, `p_t` is taken
    on the smoothed targets, as in the paper's reference implementation (which
    writes `sum(y_s * (1 - p))`, the same number since `y_s` sums to 1).

    Logits are handled stably with one exponential per element: the log-softmax
    and `p_t` share `exp(y_pred - max(y_pred))`. Probabilities are normalised to
    sum to 1 and clipped to `[epsilon_K, 1 - epsilon_K]` (`keras.backend.epsilon()`)
    inside the logarithm, as Keras does.

    Args:
        y_true: One-hot targets (soft targets that sum to 1 are allowed), shape
            `(..., num_classes)`.
        y_pred: Predicted probabilities, or logits if `from_logits=True`, of the
            shape of `y_true`.
        epsilon: The coefficient added to the first polynomial term, a finite
            number >= -1 (the paper's range). Defaults to `1.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: In `[0, 1]`; targets become
            `y * (1 - label_smoothing) + label_smoothing / num_classes`.
            Defaults to `0.0`.

    Returns:
        The per-sample loss, of shape `y_pred.shape[:-1]`.

    Raises:
        ValueError: If an argument is out of range, or the shapes do not match.

    Examples:
        >>> import numpy as np
        >>> from lossbook import poly_loss
        >>> y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        >>> logits = np.array([[1.0, 3.0, 0.0], [1.0, 2.0, -1.0]])
        >>> loss = poly_loss(y_true, logits, epsilon=1.0, from_logits=True)
        >>> print(np.round(np.asarray(loss), 4))
        [0.3261 2.0895]
        >>> loss = poly_loss(y_true, logits, epsilon=0.0, from_logits=True)
        >>> print(np.round(np.asarray(loss), 4))
        [0.1698 1.349 ]
        >>> poly_loss(y_true, logits, epsilon=-2.0)
        Traceback (most recent call last):
        ...
        ValueError: `epsilon` must be >= -1, got epsilon=-2.0.

    References:
        Leng et al., "PolyLoss: A Polynomial Expansion Perspective of
        Classification Loss Functions", ICLR 2022 (arXiv:2204.12511).
    """
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    check_classes(y_true, y_pred)
    if is_empty(y_pred):
        return empty_values(y_pred, -1, result_dtype)
    if label_smoothing:
        num_classes = ops.cast(ops.shape(y_true)[-1], y_true.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        # amax/amin, not max/min: Keras's torch max() cannot be traced by torch.compile.
        shifted = y_pred - ops.stop_gradient(ops.amax(y_pred, axis=-1, keepdims=True))
        exponentials = ops.exp(shifted)
        normaliser = ops.sum(exponentials, axis=-1)
        log_probabilities = shifted - ops.log(normaliser)[..., None]
        cross_entropy = -ops.sum(y_true * log_probabilities, axis=-1)
        if epsilon == 0:  # plain cross-entropy: no p_t to pay for
            return ops.cast(cross_entropy, result_dtype)
        # p_t from the same exponentials: one division per sample, no second exp.
        p_t = ops.sum(y_true * exponentials, axis=-1) / normaliser
    else:
        probabilities = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
        clip = keras.backend.epsilon()
        clipped = ops.clip(probabilities, clip, 1.0 - clip)
        cross_entropy = -ops.sum(y_true * ops.log(clipped), axis=-1)
        if epsilon == 0:
            return ops.cast(cross_entropy, result_dtype)
        p_t = ops.sum(y_true * probabilities, axis=-1)
    return ops.cast(cross_entropy + epsilon * (1.0 - p_t), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class PolyLoss(FunctionLoss):
    """Poly-1 loss (Leng et al. 2022): cross-entropy plus `epsilon * (1 - p_t)`.

    The class form of `poly_loss`, a drop-in replacement for
    `keras.losses.CategoricalCrossentropy` with one-hot targets. The paper
    reports gains with `epsilon = 1` on image classification and `epsilon = -1`
    on some detection tasks; `epsilon = 0` is plain cross-entropy.

    Args:
        epsilon: The coefficient added to the first polynomial term, a finite
            number >= -1. Defaults to `1.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: In `[0, 1]`. Defaults to `0.0`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"poly_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `epsilon` is not a finite number >= -1, `label_smoothing`
            is outside `[0, 1]`, or `from_logits` is not a bool.

    Examples:
        >>> import numpy as np
        >>> from lossbook import PolyLoss
        >>> y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        >>> logits = np.array([[1.0, 3.0, 0.0], [1.0, 2.0, -1.0]])
        >>> loss_fn = PolyLoss(epsilon=1.0, from_logits=True)
        >>> round(float(loss_fn(y_true, logits)), 4)
        1.2078
        >>> PolyLoss(epsilon=float("nan"))
        Traceback (most recent call last):
        ...
        ValueError: `epsilon` must be finite, got epsilon=nan.

    References:
        Leng et al., "PolyLoss: A Polynomial Expansion Perspective of
        Classification Loss Functions", ICLR 2022 (arXiv:2204.12511).
    """

    def __init__(
        self,
        epsilon: float = 1.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "poly_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            poly_loss,
            epsilon=epsilon,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )

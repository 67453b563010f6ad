"""Classification losses."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

# Sets the mask Keras's `Loss.__call__` reads from per-sample values, as
# `keras.losses.sparse_categorical_crossentropy(ignore_class=...)` does; Keras 3
# has no public name for it.
from keras.src.backend import set_keras_mask

from lossbook._core import (
    FunctionLoss,
    check_batch_axis,
    check_bool,
    check_classes,
    check_closed_unit_interval,
    check_finite,
    check_int,
    check_non_negative,
    check_numbers,
    check_positive,
    empty_values,
    float_dtypes,
    is_empty,
    is_sequence,
    loss_function,
    mean,
    prepare_inputs,
    shapes_match,
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


def _check_alpha(name: str, value: Any) -> float | list[float] | None:
    """None, one number > 0, or a non-empty list of per-class numbers >= 0."""
    if value is None:
        return None
    if is_sequence(value):
        return check_numbers(name, value, check_non_negative)
    # A scalar weight of 0 would make a loss that is 0 everywhere and never trains.
    return check_positive(name, value)


def _check_ignore_class(name: str, value: Any) -> int | None:
    """None, or an int (the label to ignore: -1, 255, or a class index)."""
    return None if value is None else check_int(name, value)


def _sparse_inputs(y_true: Any, y_pred: Any) -> tuple[Any, Any, str]:
    """Class labels against per-class predictions, aligned as Keras aligns them.

    Returns `(labels, y_pred, result_dtype)`: the labels, of shape
    `y_pred.shape[:-1]`, in the compute dtype of `y_pred` (see `float_dtypes`).
    As in `keras.losses.sparse_categorical_crossentropy`, `y_true` has the shape
    `y_pred.shape[:-1]`, or that shape with a trailing axis of size 1 (which is
    squeezed away). Anything else raises, naming both shapes.
    """
    compute_dtype, result_dtype = float_dtypes(y_pred)
    y_pred = ops.cast(y_pred, compute_dtype)
    y_true = ops.convert_to_tensor(y_true)
    check_batch_axis(y_true, y_pred)
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    labels = y_true
    if len(true_shape) == len(pred_shape) and true_shape[-1] == 1:
        labels = ops.squeeze(y_true, -1)
    if not shapes_match(tuple(labels.shape), pred_shape[:-1]):
        raise ValueError(
            "`y_true` must hold one class index per row of `y_pred`, of shape "
            "y_pred.shape[:-1] or y_pred.shape[:-1] + (1,) (one-hot targets go "
            "to keras.losses.CategoricalFocalCrossentropy), got "
            f"y_true.shape={true_shape} and y_pred.shape={pred_shape}."
        )
    check_classes(y_true, y_pred)
    return ops.cast(labels, compute_dtype), y_pred, result_dtype


def _focal_factor(one_minus_p_t: Any, gamma: float) -> Any:
    """`(1 - p_t) ** gamma`, with a finite gradient where `1 - p_t` is exactly 0.

    For `gamma < 1` the derivative of `x ** gamma` is infinite at 0, and a right
    answer whose `p_t` rounds to 1 would get `inf * 0 = NaN` as its gradient; the
    true limit of the loss's gradient there is 0.
    """
    if gamma >= 1:
        return ops.power(one_minus_p_t, gamma)
    positive = one_minus_p_t > 0
    safe = ops.where(positive, one_minus_p_t, ops.ones_like(one_minus_p_t))
    return ops.where(positive, ops.power(safe, gamma), ops.zeros_like(safe))


@loss_function(
    gamma=check_non_negative,
    alpha=_check_alpha,
    from_logits=check_bool,
    ignore_class=_check_ignore_class,
)
def sparse_categorical_focal_loss(
    y_true: Any,
    y_pred: Any,
    *,
    gamma: float = 2.0,
    alpha: float | list[float] | None = None,
    from_logits: bool = False,
    ignore_class: int | None = None,
) -> Any:
    """Focal loss (Lin et al. 2017) for integer class labels.

    Formula:

    ```
    p_t = softmax(y_pred)[y_true]     # or (y_pred / sum(y_pred))[y_true], clipped
    alpha_t = 1, alpha, or alpha[y_true]   # alpha None, a number, a list
    loss = -alpha_t * (1 - p_t) ** gamma * log(p_t)
    ```

    The factor `(1 - p_t) ** gamma` shrinks the loss of samples the model already
    classifies well, so that training concentrates on the hard ones. `gamma = 0`
    with `alpha=None` is `keras.losses.sparse_categorical_crossentropy`; on the
    one-hot encoded labels, the loss equals
    `keras.losses.categorical_focal_crossentropy` with the same `gamma` and
    `alpha` (checked on Keras 3.15) — except that Keras's `alpha` defaults to
    `0.25`, which in the categorical form only multiplies the whole loss by
    0.25; here `alpha=None` (the default) applies no factor, so the default of
    this loss is 4 times Keras's default.

    Logits go through a log-softmax (one exponential per element, stable at any
    magnitude), and `1 - p_t` is computed as `-expm1(log(p_t))`, which keeps its
    digits when `p_t` is close to 1; Keras instead clips the softmax to
    `[epsilon, 1 - epsilon]`, so for a confident miss (logits of ±100) Keras's
    loss stops at `-log(epsilon) ≈ 16.1` while this one is the exact 200.
    Probabilities are normalised to sum to 1 and clipped to
    `[epsilon, 1 - epsilon]` (`keras.backend.epsilon()`), as Keras does.
    Half-precision inputs are computed in float32.

    `ignore_class` works as in `keras.losses.SparseCategoricalCrossentropy`:
    positions labelled `ignore_class` get the value 0 and a Keras mask on the
    per-sample values, so that the `"sum_over_batch_size"` reduction divides by
    the number of positions that are not ignored. A label that is neither a class
    index in `[0, num_classes)` nor `ignore_class` (a fractional, out-of-range or
    NaN label) gives NaN, where Keras's backends either raise or silently
    return 0.

    Args:
        y_true: Class indices (integers, as an integer or a float tensor), of
            shape `y_pred.shape[:-1]`, or with a trailing axis of size 1: `(batch,)`
            or `(batch, 1)` for `y_pred` of shape `(batch, num_classes)`,
            `(batch, ...)` for `(batch, ..., num_classes)`.
        y_pred: Predicted probabilities over the classes on the last axis, or
            logits if `from_logits=True`; at least 2 classes.
        gamma: The focusing parameter, a finite number >= 0. Defaults to `2.0`,
            the paper's choice; `0` gives plain cross-entropy.
        alpha: `None` (the default, no weighting), a number > 0 that multiplies
            the loss, or a list of one weight >= 0 per class (for example inverse
            class frequencies), of length `num_classes`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        ignore_class: `None` (the default) or an int: the label of positions that
            count for nothing (commonly `-1` or `255` in segmentation maps).

    Returns:
        The per-sample loss, of shape `y_pred.shape[:-1]`.

    Raises:
        ValueError: If an argument is out of range, the shapes do not match, the
            class axis has size 1, or `alpha` is a list whose length is not the
            number of classes.

    Examples:
        >>> import numpy as np
        >>> from lossbook import sparse_categorical_focal_loss
        >>> labels = np.array([1, 0])
        >>> logits = np.array([[1.0, 3.0, 0.0], [1.0, 2.0, -1.0]])
        >>> loss = sparse_categorical_focal_loss(labels, logits, from_logits=True)
        >>> print(np.round(np.asarray(loss), 4))
        [0.0041 0.7397]
        >>> loss = sparse_categorical_focal_loss(
        ...     labels, logits, gamma=0.0, from_logits=True
        ... )
        >>> print(np.round(np.asarray(loss), 4))
        [0.1698 1.349 ]

        The well-classified first sample (`p_t = 0.84`) keeps 2.4 % of its
        cross-entropy, the misclassified second one (`p_t = 0.26`) 55 %.

        >>> import numpy as np
        >>> from lossbook import sparse_categorical_focal_loss
        >>> sparse_categorical_focal_loss(
        ...     np.array([0]), np.array([[0.5, 0.5]]), alpha=[1.0, 2.0, 3.0]
        ... )
        Traceback (most recent call last):
        ...
        ValueError: `alpha` has 3 weights, one per class, but y_pred has 2 classes: ...

    References:
        Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017
        (arXiv:1708.02002), equation 5 (and equation 4 for `alpha`).
    """
    labels, y_pred, result_dtype = _sparse_inputs(y_true, y_pred)
    num_classes = y_pred.shape[-1]
    if is_sequence(alpha) and num_classes is not None and len(alpha) != num_classes:
        true_shape = tuple(ops.convert_to_tensor(y_true).shape)
        raise ValueError(
            f"`alpha` has {len(alpha)} weights, one per class, but y_pred has "
            f"{num_classes} classes: got y_true.shape={true_shape} "
            f"and y_pred.shape={tuple(y_pred.shape)}."
        )
    if is_empty(y_pred):
        return empty_values(y_pred, -1, result_dtype)
    classes = ops.arange(ops.shape(y_pred)[-1], dtype=y_pred.dtype)
    one_hot = ops.cast(ops.equal(ops.expand_dims(labels, -1), classes), y_pred.dtype)
    if ignore_class is not None:
        valid = ops.not_equal(labels, ops.cast(ignore_class, labels.dtype))
        # Ignored rows become uniform, as Keras zeroes them: whatever they held
        # (NaN included) reaches neither the value nor the gradient.
        y_pred = ops.where(ops.expand_dims(valid, -1), y_pred, ops.ones_like(y_pred))
    if from_logits:
        # amax, not max: Keras's torch max() cannot be traced by torch.compile.
        shifted = y_pred - ops.stop_gradient(ops.amax(y_pred, axis=-1, keepdims=True))
        log_p_t = ops.sum(one_hot * shifted, axis=-1) - ops.log(
            ops.sum(ops.exp(shifted), axis=-1)
        )
        # 1 - exp(log p_t) would cancel for confident right answers.
        one_minus_p_t = -ops.expm1(log_p_t)
    else:
        p_t = ops.sum(one_hot * y_pred, axis=-1) / ops.sum(y_pred, axis=-1)
        clip = keras.backend.epsilon()
        p_t = ops.clip(p_t, clip, 1.0 - clip)
        log_p_t = ops.log(p_t)
        one_minus_p_t = 1.0 - p_t
    values = -log_p_t
    if gamma:  # the focal factor is per sample: one power per row, not per class
        values = _focal_factor(one_minus_p_t, gamma) * values
    if is_sequence(alpha):
        weights = ops.convert_to_tensor(alpha, dtype=y_pred.dtype)
        values = ops.sum(one_hot * weights, axis=-1) * values
    elif alpha is not None:
        values = alpha * values
    # A label that matches no class index gives NaN instead of a silent 0.
    matched = ops.sum(one_hot, axis=-1) > 0
    values = ops.where(matched, values, ops.full_like(values, float("nan")))
    if ignore_class is None:
        return ops.cast(values, result_dtype)
    values = ops.cast(ops.where(valid, values, ops.zeros_like(values)), result_dtype)
    set_keras_mask(values, valid)
    return values


@keras.saving.register_keras_serializable(package="lossbook")
class SparseCategoricalFocalLoss(FunctionLoss):
    """Focal loss (Lin et al. 2017) for integer class labels.

    The class form of `sparse_categorical_focal_loss`: a drop-in replacement for
    `keras.losses.SparseCategoricalCrossentropy` (which it equals at `gamma=0`,
    `alpha=None`, `ignore_class` included) that down-weights the samples the
    model already gets right. Keras has focal losses for binary and one-hot
    targets only (`BinaryFocalCrossentropy`, `CategoricalFocalCrossentropy`);
    on one-hot encoded labels this loss equals `CategoricalFocalCrossentropy`
    with the same `gamma` and `alpha` — mind that Keras's `alpha` defaults to
    `0.25` (a factor of 0.25 on the whole loss), this loss's to `None` (no factor).

    Args:
        gamma: The focusing parameter, a finite number >= 0. Defaults to `2.0`.
        alpha: `None` (no weighting, the default), a number > 0 that multiplies
            the loss, or a list of one weight >= 0 per class.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        ignore_class: `None` (the default) or the int label of positions that
            count for nothing: value 0, and left out of the mean of
            `"sum_over_batch_size"`, as in Keras.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"sparse_categorical_focal_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `gamma` is not a finite number >= 0, `alpha` is neither
            `None`, a number > 0 nor a list of numbers >= 0, `from_logits` is not
            a bool, or `ignore_class` is neither `None` nor an int.

    Examples:
        >>> import numpy as np
        >>> from lossbook import SparseCategoricalFocalLoss
        >>> labels = np.array([1, 0, -1])
        >>> logits = np.array([[1.0, 3.0, 0.0], [1.0, 2.0, -1.0], [0.0, 9.0, 0.0]])
        >>> loss_fn = SparseCategoricalFocalLoss(from_logits=True, ignore_class=-1)
        >>> round(float(loss_fn(labels, logits)), 4)
        0.3719

        The third position is ignored: the mean is over the other two.

        >>> from lossbook import SparseCategoricalFocalLoss
        >>> SparseCategoricalFocalLoss(gamma=-1.0)
        Traceback (most recent call last):
        ...
        ValueError: `gamma` must be >= 0, got gamma=-1.0.

    References:
        Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017
        (arXiv:1708.02002), equation 5.
    """

    def __init__(
        self,
        gamma: float = 2.0,
        alpha: float | list[float] | None = None,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = "sum_over_batch_size",
        name: str = "sparse_categorical_focal_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            sparse_categorical_focal_loss,
            gamma=gamma,
            alpha=alpha,
            from_logits=from_logits,
            ignore_class=ignore_class,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )

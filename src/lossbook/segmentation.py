"""Segmentation losses: soft Jaccard, focal Tversky and the binary Lovász hinge.

Keras already ships `keras.losses.Dice` and `keras.losses.Tversky`; these are the
overlap losses it lacks. Each returns one value per sample (per image), so that
`sample_weight` and every Keras reduction work as usual.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from lossbook._core import (
    FunctionLoss,
    check_bool,
    check_int,
    check_non_negative,
    check_positive,
    empty_values,
    is_empty,
    is_sequence,
    loss_function,
    prepare_inputs,
)

Axis = int | tuple[int, ...] | None


def _check_axis(name: str, axis: Any) -> Axis:
    """Returns `axis` as None, an int or a tuple of ints; the batch axis 0 is refused.

    Lists and arrays are accepted (a saved config turns tuples into lists) and
    become tuples. Negative axes are resolved against the rank of the inputs at
    call time.
    """
    if axis is None:
        return None
    if is_sequence(axis):
        if len(axis) == 0:
            raise ValueError(f"`{name}` must not be empty, got {name}={axis!r}.")
        normalized: Axis = tuple(check_int(name, item) for item in axis)
        if len(set(normalized)) != len(normalized):
            raise ValueError(f"`{name}` must not repeat an axis, got {name}={axis!r}.")
    else:
        normalized = check_int(name, axis)
    if 0 in (normalized if isinstance(normalized, tuple) else (normalized,)):
        raise ValueError(
            f"`{name}` must not include the batch axis 0 (lossbook losses return "
            f"one value per sample), got {name}={axis!r}."
        )
    return normalized


def _reduced_axes(axis: Axis, rank: int) -> tuple[int, ...]:
    """The non-negative axes to sum over for inputs of `rank`; never the batch axis."""
    if axis is None:
        return tuple(range(1, rank))
    requested = axis if isinstance(axis, tuple) else (axis,)
    resolved = tuple(a + rank if a < 0 else a for a in requested)
    if any(not 1 <= a < rank for a in resolved) or len(set(resolved)) != len(resolved):
        raise ValueError(
            f"`axis` must name distinct non-batch axes (1 to {rank - 1}) of inputs of "
            f"rank {rank}, got axis={axis!r}."
        )
    return resolved


def _overlap_and_errors(
    y_true: Any, y_pred: Any, axes: tuple[int, ...], alpha: float, beta: float
) -> tuple[Any, Any]:
    """`TP` and `alpha * FN + beta * FP`, the soft counts summed over `axes`.

    `FN = sum(y - y p)` and `FP = sum(p - y p)` are summed from their own
    non-negative terms rather than as `sum(y) - TP` and `sum(p) - TP`: a perfect
    prediction then gives exactly 0, and near-perfect ones lose no digits to
    cancellation. Equal weights (Jaccard) share one sum; the weights multiply the
    sums, not every pixel (a product per pixel is a pass over memory in eager
    PyTorch).
    """
    overlap = y_true * y_pred
    false_negatives, false_positives = y_true - overlap, y_pred - overlap
    if alpha == beta:
        errors = alpha * ops.sum(false_negatives + false_positives, axis=axes)
    else:
        errors = alpha * ops.sum(false_negatives, axis=axes) + beta * ops.sum(
            false_positives, axis=axes
        )
    return ops.sum(overlap, axis=axes), errors


def _ratio(numerator: Any, denominator: Any) -> Any:
    """`numerator / denominator`, and 0 where both are 0.

    0 / 0 is an empty mask predicted empty with no smoothing: a perfect
    prediction, loss 0, with a zero gradient. Every other denominator is used as
    it is, so inputs outside [0, 1] (logits passed by mistake) give an odd
    number or an infinity, never a quietly corrected one.
    """
    empty = ops.logical_and(numerator == 0, denominator == 0)
    ratio = numerator / ops.where(empty, ops.ones_like(denominator), denominator)
    return ops.where(empty, ops.zeros_like(ratio), ratio)


@loss_function(smooth=check_non_negative, axis=_check_axis)
def jaccard_loss(
    y_true: Any, y_pred: Any, *, smooth: float = 1.0, axis: Axis = None
) -> Any:
    """Soft Jaccard (intersection-over-union) loss, one value per sample.

    Formula:

    ```
    I    = sum(y_true * y_pred, axis)
    loss = 1 - (I + smooth) / (sum(y_true, axis) + sum(y_pred, axis) - I + smooth)
    ```

    The loss is computed as `(FN + FP) / (TP + FN + FP + smooth)` with the soft
    counts `TP = sum(y * p)`, `FN = sum(y * (1 - p))`, `FP = sum((1 - y) * p)`,
    which is the same number without the cancellation of `1 - ...`: it is exactly
    0 at a perfect prediction. With `smooth=0`, an empty mask predicted empty
    (0 / 0) gives 0.

    `axis` follows `keras.losses.Dice(axis=...)` with one difference: Keras's
    default `axis=None` sums over *every* axis, the batch axis included, and
    returns one number for the whole batch; here `axis=None` sums over every
    axis but the batch axis, which is Keras's `axis=(1, ..., rank - 1)`, and an
    `axis` that includes the batch axis 0 raises. Keras's Dice also adds
    `epsilon` to the denominator only, while `smooth` is added to both.

    Args:
        y_true: Target masks, values in `[0, 1]`, shape `(batch, ...)`.
        y_pred: Predicted probabilities (not logits), same shape as `y_true` (or
            one trailing axis of size 1 more or less).
        smooth: Added to numerator and denominator, a number >= 0. Defaults to
            `1.0`. It keeps the loss defined for empty masks, and makes a small
            false alarm on an empty mask cost little.
        axis: The axes summed over. `None` (default): every non-batch axis, one
            value per sample. An int or a tuple of ints: those axes only (negative
            values count from the end), e.g. `axis=(1, 2)` on `(batch, H, W, C)`
            gives one value per sample and channel, shape `(batch, C)`.

    Returns:
        The per-sample loss, of the shape of `y_pred` without the summed axes.

    Raises:
        ValueError: If `smooth < 0`, `axis` is not valid for the inputs (or
            includes the batch axis 0), or the shapes do not match.

    Examples:
        >>> import numpy as np
        >>> from lossbook import jaccard_loss
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 0.5, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]])
        >>> loss = jaccard_loss(y_true, y_pred, smooth=0.0)
        >>> print(np.round(np.asarray(loss), 4))
        [0.4 1. ]

        The first sample overlaps by 1.5 out of a union of 2.5.

    References:
        Rahman and Wang, "Optimizing Intersection-Over-Union in Deep Neural
        Networks for Image Segmentation", ISVC 2016.
    """
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    axes = _reduced_axes(axis, len(y_pred.shape))
    tp, errors = _overlap_and_errors(y_true, y_pred, axes, 1.0, 1.0)
    return ops.cast(_ratio(errors, tp + errors + smooth), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class JaccardLoss(FunctionLoss):
    """Soft Jaccard (IoU) loss on predicted probabilities, one value per sample.

    The class form of `jaccard_loss`. Unlike `keras.losses.Dice`, whose default
    `axis=None` gives one number for the whole batch, the default here gives one
    value per sample, so that `sample_weight` applies per image.

    Args:
        smooth: Added to numerator and denominator, a number >= 0. Defaults to
            `1.0`.
        axis: The axes summed over: `None` (default, every non-batch axis), an
            int or a tuple of ints that does not include the batch axis 0.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"jaccard_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `smooth < 0` or `axis` is not None, an int or a tuple of
            distinct ints without 0.

    Examples:
        >>> import numpy as np
        >>> from lossbook import JaccardLoss
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 0.5, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]])
        >>> round(float(JaccardLoss()(y_true, y_pred)), 4)
        0.3929
        >>> JaccardLoss(axis=(0, 1))
        Traceback (most recent call last):
        ...
        ValueError: `axis` must not include the batch axis 0 ... got axis=(0, 1).
    """

    def __init__(
        self,
        smooth: float = 1.0,
        axis: Axis = None,
        reduction: str | None = "sum_over_batch_size",
        name: str = "jaccard_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            jaccard_loss,
            smooth=smooth,
            axis=axis,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


def _alpha_and_beta_not_both_zero(arguments: dict[str, Any]) -> dict[str, Any]:
    if arguments["alpha"] == 0 and arguments["beta"] == 0:
        raise ValueError(
            "`alpha` and `beta` must not both be 0 (the loss would be constant), "
            f"got alpha={arguments['alpha']!r} and beta={arguments['beta']!r}."
        )
    return arguments


@loss_function(
    alpha=check_non_negative,
    beta=check_non_negative,
    gamma=check_positive,
    smooth=check_non_negative,
    jointly=_alpha_and_beta_not_both_zero,
)
def focal_tversky_loss(
    y_true: Any,
    y_pred: Any,
    *,
    alpha: float = 0.7,
    beta: float = 0.3,
    gamma: float = 0.75,
    smooth: float = 1.0,
) -> Any:
    """Focal Tversky loss: the Tversky loss raised to the power `gamma`, per sample.

    Formula:

    ```
    TP = sum(y_true * y_pred)          (over every non-batch axis)
    FN = sum(y_true * (1 - y_pred))
    FP = sum((1 - y_true) * y_pred)
    TI = (TP + smooth) / (TP + alpha * FN + beta * FP + smooth)
    loss = (1 - TI) ** gamma
    ```

    `alpha > beta` makes a missed foreground pixel cost more than a false alarm
    (better recall on small structures). With `gamma < 1` the loss grows fastest
    near `TI = 1` and keeps pushing on samples that are already good; Abraham and
    Khan write the exponent as `1 / gamma` with their `gamma = 4/3`, which is
    `gamma=0.75` here.

    `1 - TI` is computed as `(alpha * FN + beta * FP) / (TP + alpha * FN +
    beta * FP + smooth)`, exactly 0 at a perfect prediction. The derivative of
    `d ** gamma` is infinite at `d = 0` when `gamma < 1`, so below
    `eps = keras.backend.epsilon()` (1e-7) the power is replaced by the straight
    line `eps ** (gamma - 1) * d` through 0 and `(eps, eps ** gamma)`: the loss
    stays continuous and exactly 0 at a perfect prediction, and its gradient is
    finite (at most `eps ** (gamma - 1)`, about 56 for `gamma=0.75`, times the
    derivative of `d`). Above `eps` the formula is exact.

    With `gamma=1` and `smooth=0` this is `keras.losses.tversky(y_true, y_pred,
    alpha, beta, axis=(1, ..., rank - 1))`: Keras's code weighs
    `sum(y_true * (1 - y_pred))` (false negatives) by `alpha` and
    `sum(y_pred * (1 - y_true))` (false positives) by `beta`, as here, although
    its docstring names them the other way round; it adds `epsilon` to the
    denominator only, and its default `axis=None` sums over the batch too.

    Args:
        y_true: Target masks, values in `[0, 1]`, shape `(batch, ...)`.
        y_pred: Predicted probabilities (not logits), same shape as `y_true` (or
            one trailing axis of size 1 more or less).
        alpha: Weight of the false negatives, a number >= 0. Defaults to `0.7`.
        beta: Weight of the false positives, a number >= 0 (`alpha` and `beta`
            not both 0). Defaults to `0.3`.
        gamma: The focal exponent, a number > 0. Defaults to `0.75`; `1.0` is
            the plain Tversky loss.
        smooth: Added to numerator and denominator of `TI`, a number >= 0.
            Defaults to `1.0`.

    Returns:
        The per-sample loss, shape `(batch,)`.

    Raises:
        ValueError: If an argument is out of range, or the shapes do not match.

    Examples:
        >>> import numpy as np
        >>> from lossbook import focal_tversky_loss
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]])
        >>> y_pred = np.array([[0.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0]])
        >>> loss = focal_tversky_loss(y_true, y_pred, smooth=0.0, gamma=1.0)
        >>> print(np.round(np.asarray(loss), 4))
        [0.4118 0.1304]

        A missed pixel (first sample) costs more than a false alarm (second).

    References:
        Abraham and Khan, "A Novel Focal Tversky loss function with improved
        Attention U-Net for lesion segmentation", ISBI 2019.
        Salehi, Erdogmus and Gholipour, "Tversky loss function for image
        segmentation using 3D fully convolutional deep networks", 2017.
    """
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    axes = tuple(range(1, len(y_pred.shape)))
    tp, errors = _overlap_and_errors(y_true, y_pred, axes, alpha, beta)
    distance = _ratio(errors, tp + errors + smooth)
    epsilon = keras.backend.epsilon()
    above = distance > epsilon
    # The power of 1 in the unused branch keeps its gradient finite (0 * inf would
    # be nan). Not ops.maximum: on the PyTorch backend of Keras 3.15 it returns
    # float32 for float64 inputs (keras-team/keras#23223).
    power = ops.power(ops.where(above, distance, ops.ones_like(distance)), gamma)
    linear = distance * epsilon ** (gamma - 1.0)
    return ops.cast(ops.where(above, power, linear), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class FocalTverskyLoss(FunctionLoss):
    """Focal Tversky loss on predicted probabilities, one value per sample.

    The class form of `focal_tversky_loss`: `(1 - TI) ** gamma` with the Tversky
    index `TI` weighing false negatives by `alpha` and false positives by `beta`.

    Args:
        alpha: Weight of the false negatives, a number >= 0. Defaults to `0.7`.
        beta: Weight of the false positives, a number >= 0 (`alpha` and `beta`
            not both 0). Defaults to `0.3`.
        gamma: The focal exponent, a number > 0. Defaults to `0.75`.
        smooth: Added to numerator and denominator of `TI`, a number >= 0.
            Defaults to `1.0`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"focal_tversky_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `alpha` or `beta` is negative, both are 0, `gamma <= 0` or
            `smooth < 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import FocalTverskyLoss
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]])
        >>> y_pred = np.array([[0.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]])
        >>> loss = FocalTverskyLoss(reduction=None)(y_true, y_pred)
        >>> print(np.round(np.asarray(loss), 4))
        [0.3633 0.    ]
        >>> FocalTverskyLoss(gamma=0.0)
        Traceback (most recent call last):
        ...
        ValueError: `gamma` must be > 0, got gamma=0.0.
    """

    def __init__(
        self,
        alpha: float = 0.7,
        beta: float = 0.3,
        gamma: float = 0.75,
        smooth: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "focal_tversky_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            focal_tversky_loss,
            alpha=alpha,
            beta=beta,
            gamma=gamma,
            smooth=smooth,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


def _lovasz_gradient(labels_sorted: Any) -> Any:
    """The gradient of the Lovász extension of the Jaccard loss (Alg. 1 of the
    paper), for labels sorted by decreasing error along the last axis.

    With `I_k`, `U_k` the intersection and union after the first `k` errors,
    `J_k = 1 - I_k / U_k = k / U_k` (since `U_k - I_k = k`), `J_1 = 1 / U_1` and,
    for `k >= 2`, `J_k - J_(k-1) = (g_k U_(k-1) + (1 - g_k) I_(k-1)) / (U_k
    U_(k-1))`. The reference subtracts consecutive `J_k` instead, which loses
    about `log10(P)` digits in float32 for `P` pixels; this form adds
    non-negative terms, and for binary labels `I` and `U` are exact integers.
    """
    positives = ops.sum(labels_sorted, axis=-1, keepdims=True)
    union = positives + ops.cumsum(1.0 - labels_sorted, axis=-1)
    intersection = positives - ops.cumsum(labels_sorted, axis=-1)
    # For k >= 2, U_(k-1) >= k - 1 >= 1: no division by zero.
    labels, union_now = labels_sorted[..., 1:], union[..., 1:]
    union_before, intersection_before = union[..., :-1], intersection[..., :-1]
    steps = (labels * union_before + (1.0 - labels) * intersection_before) / (
        union_now * union_before
    )
    # U_1 >= 1: the first pixel is a positive (U_1 = all positives) or not (it
    # counts itself).
    return ops.concatenate([1.0 / union[..., :1], steps], axis=-1)


@loss_function(per_image=check_bool)
def lovasz_hinge_loss(y_true: Any, y_pred: Any, *, per_image: bool = True) -> Any:
    """Binary Lovász hinge loss on logits: a convex surrogate of the Jaccard loss.

    Formula:

    ```
    errors = 1 - logits * (2 * y_true - 1)         (hinge errors, per pixel)
    e_1 >= e_2 >= ... >= e_P                        (errors sorted, labels g_k)
    J_k = 1 - (sum(g) - sum(g_1..g_k)) / (sum(g) + sum(1 - g_1..1 - g_k))
    loss = sum_k relu(e_k) * (J_k - J_(k-1)),       J_0 = 0
    ```

    `per_image=True`: each image (all non-batch axes flattened) is one set of `P`
    pixels, and the per-sample value is that image's loss; the default reduction
    averages them, as the authors' `lovasz_hinge(per_image=True)` does.

    `per_image=False`: the whole batch is sorted as one image, which is the
    authors' `per_image=False`. The loss of the batch is then a sum over all its
    pixels, and the per-sample value of image `i` is `batch_size` times the part
    of that sum that comes from image `i`'s pixels. The default reduction
    (`"sum_over_batch_size"`) therefore returns the whole-batch loss; a
    `sample_weight` scales each image's part, but does not re-weight pixels
    inside the sort, and a sample's value depends on the rest of the batch.

    An image with no positive pixel has the Jaccard loss 1 as soon as one pixel
    is wrong, so only its largest error counts: its loss is
    `relu(1 + max(logits))`, finite (0 when every logit is <= -1). An image of
    positives only gets `mean(relu(1 - logits))`.

    Args:
        y_true: Binary masks (0 or 1), shape `(batch, ...)`.
        y_pred: Logits, same shape as `y_true` (or one trailing axis of size 1
            more or less).
        per_image: Whether each image is its own set (see above). Defaults to
            `True`.

    Returns:
        The per-sample loss, shape `(batch,)`.

    Raises:
        ValueError: If `per_image` is not a bool, or the shapes do not match.

    Examples:
        >>> import numpy as np
        >>> from lossbook import lovasz_hinge_loss
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
        >>> logits = np.array([[2.0, -0.5, 0.3, -3.0], [-2.0, 0.5, -1.0, -4.0]])
        >>> loss = lovasz_hinge_loss(y_true, logits)
        >>> print(np.round(np.asarray(loss), 4))
        [0.9667 1.5   ]
        >>> batch = lovasz_hinge_loss(y_true, logits, per_image=False)
        >>> print(np.round(np.asarray(batch), 4), round(float(np.mean(batch)), 4))
        [1.7167 0.5   ] 1.1083

        The second image has no positives: its loss is `relu(1 + 0.5)`.

    References:
        Berman, Rannen Triki and Blaschko, "The Lovász-Softmax loss: A tractable
        surrogate for the optimization of the intersection-over-union measure in
        neural networks", CVPR 2018; reference code:
        github.com/bermanmaxim/LovaszSoftmax.
    """
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    if is_empty(y_pred):
        # An empty batch, or images without pixels: nothing to sort.
        return empty_values(y_pred, tuple(range(1, len(y_pred.shape))), result_dtype)
    batch_size = ops.shape(y_pred)[0]
    pixels = (batch_size, -1) if per_image else (1, -1)
    labels = ops.reshape(y_true, pixels)
    logits = ops.reshape(y_pred, pixels)
    errors = 1.0 - logits * (2.0 * labels - 1.0)
    order = ops.argsort(-errors, axis=-1)
    gradient = _lovasz_gradient(ops.take_along_axis(labels, order, axis=-1))
    if per_image:
        errors_sorted = ops.take_along_axis(errors, order, axis=-1)
        losses = ops.sum(ops.relu(errors_sorted) * gradient, axis=-1)
    else:
        # Put each pixel's weight back in its place, so that every image's part of
        # the one batch-wide sum can be added up.
        unsorted = ops.take_along_axis(gradient, ops.argsort(order, axis=-1), axis=-1)
        parts = ops.relu(errors) * unsorted
        losses = ops.sum(ops.reshape(parts, (batch_size, -1)), axis=-1)
        losses = losses * ops.cast(batch_size, losses.dtype)
    return ops.cast(losses, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class LovaszHingeLoss(FunctionLoss):
    """Binary Lovász hinge loss on logits, a convex surrogate of the Jaccard loss.

    The class form of `lovasz_hinge_loss`. With the default reduction it equals
    the authors' reference `lovasz_hinge(logits, labels, per_image)` for either
    value of `per_image`.

    Args:
        per_image: `True` (default): each image is sorted on its own and the loss
            is the mean over images. `False`: the batch is sorted as one image.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"lovasz_hinge_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `per_image` is not a bool.

    Examples:
        >>> import numpy as np
        >>> from lossbook import LovaszHingeLoss
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
        >>> logits = np.array([[2.0, -0.5, 0.3, -3.0], [-2.0, 0.5, -1.0, -4.0]])
        >>> round(float(LovaszHingeLoss()(y_true, logits)), 4)
        1.2333
        >>> round(float(LovaszHingeLoss(per_image=False)(y_true, logits)), 4)
        1.1083
        >>> LovaszHingeLoss(per_image=1)
        Traceback (most recent call last):
        ...
        ValueError: `per_image` must be True or False, got per_image=1 of type int.
    """

    def __init__(
        self,
        per_image: bool = True,
        reduction: str | None = "sum_over_batch_size",
        name: str = "lovasz_hinge_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            lovasz_hinge_loss,
            per_image=per_image,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )

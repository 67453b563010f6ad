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
    check_batch_axis,
    check_bool,
    check_choice,
    check_classes,
    check_int,
    check_non_negative,
    check_numbers,
    check_positive,
    empty_values,
    float_dtypes,
    is_empty,
    is_sequence,
    loss_function,
    maximum,
    prepare_inputs,
    shapes_match,
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


DICE_MODES = ("binary", "multiclass", "multilabel")


def _check_dice_mode(name: str, value: Any) -> str:
    return check_choice(name, value, DICE_MODES)


def _check_class_weights(name: str, value: Any) -> list[float] | None:
    """None, or a non-empty list of numbers >= 0, not all 0."""
    if value is None:
        return None
    weights = check_numbers(name, value, check_non_negative)
    if not any(weights):
        raise ValueError(
            f"`{name}` must not all be 0 (no class would count), got {name}={value!r}."
        )
    return weights


def _check_ignore_index(name: str, value: Any) -> int | None:
    return None if value is None else check_int(name, value)


def _dice_inputs(
    y_true: Any, y_pred: Any, mode: str, from_logits: bool, ignore_index: int | None
) -> tuple[Any, Any, str]:
    """Targets and probabilities as `(batch, pixels, classes)`, and the result dtype.

    Ignored pixels are zeroed in both, so that they count in no sum.
    """
    if mode == "multiclass":
        compute_dtype, result_dtype = float_dtypes(y_pred)
        probabilities = ops.cast(y_pred, compute_dtype)
        labels = ops.cast(y_true, compute_dtype)
        check_batch_axis(labels, probabilities)
        if len(labels.shape) == len(probabilities.shape) and labels.shape[-1] == 1:
            labels = ops.squeeze(labels, -1)
        if len(probabilities.shape) < 2 or not shapes_match(
            tuple(labels.shape), tuple(probabilities.shape[:-1])
        ):
            raise ValueError(
                "In mode='multiclass', `y_true` holds class indices of the shape of "
                "`y_pred` without its last (class) axis, or with a last axis of "
                f"size 1, got y_true.shape={tuple(y_true.shape)} and "
                f"y_pred.shape={tuple(y_pred.shape)}."
            )
        check_classes(y_true, probabilities)
        classes = probabilities.shape[-1]
        if from_logits:
            probabilities = ops.softmax(probabilities, axis=-1)
        indices = ops.arange(classes, dtype=compute_dtype)
        targets = ops.cast(ops.expand_dims(labels, -1) == indices, compute_dtype)
        # A NaN label equals no class: `labels - labels` carries it into its row.
        targets = targets + ops.expand_dims(labels - labels, -1)
        valid = None if ignore_index is None else ops.expand_dims(labels, -1)
    else:
        targets, probabilities, result_dtype = prepare_inputs(y_true, y_pred)
        if from_logits:
            probabilities = ops.sigmoid(probabilities)
        classes = probabilities.shape[-1]
        valid = None if ignore_index is None else targets
    if valid is not None:
        valid = ops.cast(valid != ignore_index, probabilities.dtype)
        targets, probabilities = targets * valid, probabilities * valid
    if not is_empty(probabilities):
        # Binary masks stay (batch, pixels), without a class axis of size 1:
        # XLA on the CPU sums over the pixels of a (batch, pixels, 1) array
        # several times slower. `dice_loss` adds the class axis after its sums.
        pixels = (ops.shape(probabilities)[0], -1)
        pixels = pixels if mode == "binary" else (*pixels, classes)
        targets = ops.reshape(targets, pixels)
        probabilities = ops.reshape(probabilities, pixels)
    elif mode == "binary":
        targets = ops.expand_dims(targets, -1)
        probabilities = ops.expand_dims(probabilities, -1)
    return targets, probabilities, result_dtype


def _sudre_weights(volumes: Any) -> Any:
    """`1 / volume**2` per class (last axis); an empty class gets the row's largest.

    This is MONAI's `GeneralizedDiceLoss(w_type="square")`: without the
    replacement an empty class would weigh infinitely, and with a weight of 0 its
    false alarms would cost nothing.
    """
    empty = volumes == 0
    weights = 1.0 / ops.square(ops.where(empty, ops.ones_like(volumes), volumes))
    weights = ops.where(empty, ops.zeros_like(weights), weights)
    # amax, not max: TorchDynamo cannot trace Keras's torch `max`.
    largest = ops.amax(weights, axis=-1, keepdims=True)
    return ops.where(empty, largest * ops.ones_like(weights), weights)


def _dice_distance(errors: Any, overlap: Any, denominator: Any, log_loss: bool) -> Any:
    """`1 - dice` or `-log(dice)` from `errors / denominator`, and 0 for 0 / 0.

    `dice = overlap / denominator`, `1 - dice = errors / denominator`. `-log` takes
    `log1p(-(1 - dice))` while `1 - dice < 0.5`, where `1 - dice` is the accurate
    one, and `log(dice)` above, with `dice` clamped at `epsilon` (as
    segmentation_models_pytorch does) so that a dice of 0 costs about 16.1, not
    infinity, and its gradient is 0 rather than NaN.
    """
    distance = _ratio(errors, denominator)
    if not log_loss:
        return distance
    dice = _ratio(overlap, denominator)
    dice = ops.where(denominator == 0, ops.ones_like(dice), dice)
    small = distance < 0.5
    near = -ops.log1p(-ops.where(small, distance, ops.zeros_like(distance)))
    epsilon = ops.cast(keras.backend.epsilon(), dice.dtype)
    far = -ops.log(maximum(ops.where(small, ops.ones_like(dice), dice), epsilon))
    return ops.where(small, near, far)


@loss_function(
    mode=_check_dice_mode,
    from_logits=check_bool,
    class_weights=_check_class_weights,
    generalized=check_bool,
    ignore_index=_check_ignore_index,
    log_loss=check_bool,
    smooth=check_non_negative,
    per_image=check_bool,
)
def dice_loss(
    y_true: Any,
    y_pred: Any,
    *,
    mode: str = "binary",
    from_logits: bool = False,
    class_weights: list[float] | None = None,
    generalized: bool = False,
    ignore_index: int | None = None,
    log_loss: bool = False,
    smooth: float = 0.0,
    per_image: bool = False,
) -> Any:
    """Soft Dice loss for binary, multiclass and multilabel segmentation.

    Formula, for each class `c` (sums over the pixels of one image, or of the
    whole batch, see `per_image`):

    ```
    TP_c = sum(y_c * p_c),  FN_c + FP_c = sum(y_c + p_c - 2 * y_c * p_c)
    dice_c = (2 * TP_c + smooth) / (2 * TP_c + FN_c + FP_c + smooth)
    loss = sum_c w_c * (1 - dice_c) / sum_c w_c        (log_loss: -log(dice_c))
    ```

    `1 - dice_c` is computed as `(FN_c + FP_c) / (2 * TP_c + FN_c + FP_c +
    smooth)`: exactly 0 at a perfect prediction. A class that is empty and
    predicted empty with `smooth=0` (0 / 0) counts as perfect, loss 0.

    Modes (channels-last, as Keras; MONAI and segmentation_models_pytorch put
    the classes on axis 1):

    - `"binary"`: one class. `y_pred` of shape `(batch, ...)`, e.g.
      `(batch, H, W)` or `(batch, H, W, 1)`, probabilities or (`from_logits`)
      logits of a sigmoid; `y_true` the 0/1 mask of the same shape (or one
      trailing axis of size 1 more or less).
    - `"multiclass"`: `y_pred` of shape `(batch, ..., C)`, probabilities of a
      softmax over the last axis or (`from_logits`) its logits; `y_true` the
      class indices, shape `(batch, ...)` or `(batch, ..., 1)`, one-hot encoded
      inside. Every class counts, the background included (MONAI's
      `include_background=True`; give it `class_weights` 0 to leave it out).
    - `"multilabel"`: `y_pred` of shape `(batch, ..., C)`, independent sigmoid
      probabilities or logits; `y_true` 0/1 of the same shape.

    `per_image=False` (default): the sums run over the whole batch, which is
    the dice of `keras.losses.Dice()` (its default `axis=None` sums over every
    axis, the batch included), of MONAI's `DiceLoss(batch=True)` and of
    segmentation_models_pytorch's `DiceLoss`. Its numerator `FN + FP` is a sum
    over images, so image `i` gets `batch_size * (FN_i + FP_i) / denominator`
    (per class, then averaged over classes): the mean of these values, the
    default reduction, is the whole-batch loss, and a `sample_weight` scales
    each image's part of the numerator but not the shared denominator. A
    sample's value then depends on the rest of the batch. With `log_loss`, each
    image gets the same share of `-log(dice)` as of `1 - dice`.

    `per_image=True`: one dice per image and class, averaged over classes: each
    sample's value depends on that sample only (MONAI's `batch=False`;
    `keras.losses.Dice(axis=(1, ..., rank - 1))` in binary mode). A class absent
    from an image then costs 1 as soon as anything of it is predicted there.

    `generalized=True` (Sudre et al.): the classes are pooled into one ratio
    weighted by `w_c = 1 / (sum of y_c)**2`,
    `1 - (2 * sum_c w_c TP_c + smooth) / (sum_c w_c (2 TP_c + FN_c + FP_c) +
    smooth)`; a class absent from the reference gets the largest weight of the
    others, as in MONAI's `GeneralizedDiceLoss`. `class_weights` then multiply
    `w_c`.

    Args:
        y_true: Targets, see the modes above.
        y_pred: Probabilities, or logits with `from_logits=True`.
        mode: `"binary"` (default), `"multiclass"` or `"multilabel"`.
        from_logits: Whether `y_pred` holds logits (a sigmoid, or in
            multiclass mode a softmax over the last axis, is applied).
            Defaults to `False`.
        class_weights: `None` (default, every class counts alike) or one
            number >= 0 per class (not all 0); the per-class losses are
            averaged with these weights.
        generalized: Whether to use the generalized dice of Sudre et al.
            Defaults to `False`.
        ignore_index: A target value whose pixels count nowhere (`y_true ==
            ignore_index`; in multilabel mode per class and pixel), or `None`
            (default).
        log_loss: Whether the loss is `-log(dice)` instead of `1 - dice`.
            Defaults to `False`.
        smooth: Added to the numerator and the denominator of every dice, a
            number >= 0. Defaults to `0.0`.
        per_image: Whether each image has its own dice (see above). Defaults to
            `False`.

    Returns:
        The per-sample loss, shape `(batch,)`.

    Raises:
        ValueError: If an argument is invalid, `class_weights` does not hold
            one weight per class, the shapes do not fit the mode, or a
            multiclass `y_pred` has fewer than 2 classes.

    Examples:
        >>> import numpy as np
        >>> from lossbook import dice_loss
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.9, 0.6, 0.2, 0.0], [0.0, 0.0, 0.0, 0.5]])
        >>> per_image = dice_loss(y_true, y_pred, per_image=True)
        >>> print(np.round(np.asarray(per_image), 4))
        [0.1892 0.3333]
        >>> pooled = np.asarray(dice_loss(y_true, y_pred))
        >>> print(np.round(pooled, 4), round(float(pooled.mean()), 4))
        [0.2692 0.1923] 0.2308

        The second line is the dice of the whole batch, `1 - 2 * 2 / (3 + 2.2)`,
        shared between the images. Multiclass targets are class indices:

        >>> import numpy as np
        >>> from lossbook import dice_loss
        >>> labels = np.array([[0, 1, 2, 2]])
        >>> logits = np.array([[[4.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 4.0],
        ...                     [0.0, 4.0, 0.0]]])
        >>> loss = dice_loss(labels, logits, mode="multiclass", from_logits=True)
        >>> print(np.round(np.asarray(loss), 4))
        [0.2473]

    References:
        Milletari, Navab and Ahmadi, "V-Net: Fully Convolutional Neural
        Networks for Volumetric Medical Image Segmentation", 3DV 2016, Eq. (1).
        Sudre, Li, Vercauteren, Ourselin and Cardoso, "Generalised Dice overlap
        as a deep learning loss function for highly unbalanced segmentations",
        DLMIA 2017, Eq. (2).
    """
    targets, probabilities, result_dtype = _dice_inputs(
        y_true, y_pred, mode, from_logits, ignore_index
    )
    classes = 1 if mode == "binary" else probabilities.shape[-1]
    if class_weights is not None and len(class_weights) != classes:
        raise ValueError(
            f"`class_weights` must hold one weight per class, {classes} in mode="
            f"{mode!r} for y_pred.shape={tuple(y_pred.shape)}, got "
            f"class_weights={class_weights!r}."
        )
    if is_empty(probabilities):
        # An empty batch, or images without pixels: nothing to reshape.
        axes = tuple(range(1, len(probabilities.shape)))
        return empty_values(probabilities, axes, result_dtype)
    dtype = probabilities.dtype
    tp, errors = _overlap_and_errors(targets, probabilities, (1,), 1.0, 1.0)
    if mode == "binary":
        tp, errors = ops.expand_dims(tp, -1), ops.expand_dims(errors, -1)
    overlap = 2.0 * tp
    weights = None
    if class_weights is not None:
        weights = ops.convert_to_tensor(class_weights, dtype=dtype)
    if generalized:
        volumes = ops.sum(targets, axis=1)
        if mode == "binary":
            volumes = ops.expand_dims(volumes, -1)
        if not per_image:
            volumes = ops.sum(volumes, axis=0, keepdims=True)
        sudre = _sudre_weights(volumes)
        if weights is not None:
            sudre = sudre * weights
        # One ratio over the weighted sums of all classes.
        errors = ops.sum(sudre * errors, axis=-1, keepdims=True)
        overlap = ops.sum(sudre * overlap, axis=-1, keepdims=True)
        weights = None
    if per_image:
        overlap = overlap + smooth
        distances = _dice_distance(errors, overlap, errors + overlap, log_loss)
    else:
        total_errors = ops.sum(errors, axis=0, keepdims=True)
        total_overlap = ops.sum(overlap, axis=0, keepdims=True) + smooth
        denominator = total_errors + total_overlap
        # Each image's share of the batch's 1 - dice, per class.
        distances = _ratio(errors, denominator)
        if log_loss:
            batch_distance = _ratio(total_errors, denominator)
            batch_loss = _dice_distance(
                total_errors, total_overlap, denominator, log_loss
            )
            ones = ops.ones_like(batch_distance)
            positive = batch_distance > 0
            scale = batch_loss / ops.where(positive, batch_distance, ones)
            distances = distances * ops.where(positive, scale, ones)
        distances = distances * ops.cast(ops.shape(errors)[0], dtype)
    if weights is None:
        values = ops.sum(distances, axis=-1) / distances.shape[-1]
    else:
        values = ops.sum(distances * weights, axis=-1) / sum(class_weights)
    return ops.cast(values, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class DiceLoss(FunctionLoss):
    """Soft Dice loss for binary, multiclass and multilabel segmentation.

    The class form of `dice_loss`. With its defaults (binary mode, `smooth=0`,
    the batch pooled) and the default reduction it is `keras.losses.Dice()`
    (which adds `epsilon` = 1e-7 to the denominator); with `per_image=True` it
    is `keras.losses.Dice(axis=(1, ..., rank - 1))`, one value per image.

    Args:
        mode: `"binary"` (default), `"multiclass"` (class indices against
            softmax outputs) or `"multilabel"` (independent sigmoids).
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        class_weights: `None` (default) or one number >= 0 per class, not all
            0.
        generalized: Whether to weigh classes by `1 / volume**2` (Sudre et
            al.). Defaults to `False`.
        ignore_index: A target value whose pixels count nowhere, or `None`
            (default).
        log_loss: Whether the loss is `-log(dice)`. Defaults to `False`.
        smooth: Added to numerator and denominator, a number >= 0. Defaults to
            `0.0`.
        per_image: Whether each image has its own dice (`True`) or the whole
            batch one (`False`, default).
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"dice_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `mode` is not one of the three, `smooth < 0`,
            `class_weights` is not a list of numbers >= 0 (not all 0),
            `ignore_index` is not an int, or a flag is not a bool.

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> from lossbook import DiceLoss
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.9, 0.6, 0.2, 0.0], [0.0, 0.0, 0.0, 0.5]])
        >>> round(float(DiceLoss()(y_true, y_pred)), 4)
        0.2308
        >>> round(float(keras.losses.Dice()(y_true, y_pred)), 4)
        0.2308
        >>> DiceLoss(mode="softmax")
        Traceback (most recent call last):
        ...
        ValueError: `mode` must be one of ('binary', ...), got mode='softmax'.
    """

    def __init__(
        self,
        mode: str = "binary",
        from_logits: bool = False,
        class_weights: list[float] | None = None,
        generalized: bool = False,
        ignore_index: int | None = None,
        log_loss: bool = False,
        smooth: float = 0.0,
        per_image: bool = False,
        reduction: str | None = "sum_over_batch_size",
        name: str = "dice_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            dice_loss,
            mode=mode,
            from_logits=from_logits,
            class_weights=class_weights,
            generalized=generalized,
            ignore_index=ignore_index,
            log_loss=log_loss,
            smooth=smooth,
            per_image=per_image,
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
        >>> batch = np.asarray(lovasz_hinge_loss(y_true, logits, per_image=False))
        >>> print(np.round(batch, 4), round(float(batch.mean()), 4))
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


_LOVASZ_CLASSES = ("all", "present")


def _check_lovasz_classes(name: str, value: Any) -> str | tuple[int, ...]:
    """`"all"`, `"present"`, or a tuple of distinct class ids >= 0.

    Lists and arrays become tuples (a saved config turns tuples into lists).
    """
    if isinstance(value, str) and value in _LOVASZ_CLASSES:
        return value
    problem = (
        f"`{name}` must be 'all', 'present' or a non-empty list of distinct class "
        f"ids (ints >= 0), got {name}={value!r}."
    )
    if isinstance(value, str) or not is_sequence(value) or len(value) == 0:
        raise ValueError(problem)
    try:
        ids = tuple(check_int(name, item) for item in value)
    except ValueError:
        raise ValueError(problem) from None
    if min(ids) < 0 or len(set(ids)) != len(ids):
        raise ValueError(problem)
    return ids


def _ignored_label_is_not_scored(arguments: dict[str, Any]) -> dict[str, Any]:
    classes, ignore_index = arguments["classes"], arguments["ignore_index"]
    if isinstance(classes, tuple) and ignore_index in classes:
        raise ValueError(
            "`classes` must not include `ignore_index` (its pixels are dropped), "
            f"got classes={classes!r} and ignore_index={ignore_index!r}."
        )
    return arguments


def _class_ids_and_scores(y_true: Any, y_pred: Any) -> tuple[Any, Any, str]:
    """Class ids of shape `y_pred.shape[:-1]` and scores, one float dtype for both.

    Like Keras's sparse categorical losses: `y_true` has the shape of `y_pred`
    without its class axis, or with a trailing axis of size 1 in its place.
    """
    compute_dtype, result_dtype = float_dtypes(y_pred)
    y_pred = ops.cast(y_pred, compute_dtype)
    y_true = ops.cast(y_true, compute_dtype)
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    shapes = f"y_true.shape={true_shape} and y_pred.shape={pred_shape}"
    if len(pred_shape) < 2 or len(true_shape) == 0:
        raise ValueError(
            "`y_true` and `y_pred` must have a batch axis, and `y_pred` a class "
            f"axis (the last), got {shapes}."
        )
    if pred_shape[-1] is not None and pred_shape[-1] < 2:
        raise ValueError(
            "The last axis of `y_pred` holds the classes and must have size >= 2 "
            f"(a softmax over one class is constant), got {shapes}."
        )
    if len(true_shape) == len(pred_shape) and true_shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    if not shapes_match(tuple(y_true.shape), pred_shape[:-1]):
        raise ValueError(
            "`y_true` must hold one class id per pixel, with the shape of `y_pred` "
            f"without its class axis (or a trailing axis of size 1), got {shapes}."
        )
    return y_true, y_pred, result_dtype


@loss_function(
    classes=_check_lovasz_classes,
    per_image=check_bool,
    ignore_index=_check_ignore_index,
    from_logits=check_bool,
    jointly=_ignored_label_is_not_scored,
)
def lovasz_softmax_loss(
    y_true: Any,
    y_pred: Any,
    *,
    classes: str | list[int] = "present",
    per_image: bool = False,
    ignore_index: int | None = None,
    from_logits: bool = False,
) -> Any:
    """Lovász-Softmax loss: a convex surrogate of the multi-class Jaccard loss.

    Formula (Algorithm 1 and Eq. 8–9 of the paper), for the `P` pixels of a set:

    ```
    m_i(c) = |1{y_i = c} - p_i(c)|            (errors of class c, per pixel)
    m_1(c) >= ... >= m_P(c)                    (sorted, labels g_k = 1{y_k = c})
    J_k(c) = 1 - (sum(g) - sum(g_1..g_k)) / (sum(g) + sum(1 - g_1..1 - g_k))
    loss_c = sum_k m_k(c) * (J_k(c) - J_(k-1)(c)),    J_0 = 0
    loss   = mean of loss_c over the classes scored
    ```

    Each `loss_c` is the Lovász extension of the Jaccard loss of class `c`: for
    one-hot (hard) predictions it is exactly `1 - IoU_c`, so the loss is then
    one minus the mean IoU over the classes scored.

    `classes`: `"all"` scores every class; `"present"` (default) only the classes
    that occur in the ground truth of the set (a class absent from it costs its
    largest predicted probability under `"all"`); a list of class ids scores
    those. A set where no class is scored (nothing present, or every pixel
    ignored) has loss 0, as in the authors' code.

    `per_image=False` (default, as the authors' `lovasz_softmax`): the pixels of
    the whole batch are one set. The loss of the batch is a sum over its pixels,
    and the per-sample value of image `i` is `batch_size` times the part of that
    sum that comes from image `i`'s pixels, so the default reduction
    (`"sum_over_batch_size"`) returns the whole-batch loss; a `sample_weight`
    scales each image's part but does not re-weight pixels inside the sort, and a
    sample's value depends on the rest of the batch. `per_image=True`: each
    image is its own set and its value is its own loss; the default reduction
    averages them, as the authors' `per_image=True` does.

    Pixels labelled `ignore_index` are dropped before sorting (they are sorted
    after every other pixel with no weight). A pixel whose label is neither
    `ignore_index` nor a class id in `[0, C)` makes the value of its set NaN
    (every sample's value when `per_image=False`): a wrong label is never
    scored silently. So does a NaN or an infinity in `y_pred`, even at an
    ignored pixel: it means the model has diverged.

    Args:
        y_true: Class ids (integers), shape `(batch, ...)`, e.g. `(batch, H, W)`,
            or the same with a trailing axis of size 1 (`(batch, H, W, 1)`).
        y_pred: Class probabilities (a softmax output), shape `(batch, ..., C)`
            with `C >= 2` classes on the last axis; logits if `from_logits`.
        classes: `"present"` (default), `"all"`, or a non-empty list of distinct
            class ids `>= 0` (each `< C`).
        per_image: Whether each image is its own set of pixels (see above).
            Defaults to `False`.
        ignore_index: A label whose pixels are dropped, or `None` (default).
        from_logits: Whether `y_pred` holds logits, turned into probabilities by
            a softmax over the last axis. Defaults to `False`.

    Returns:
        The per-sample loss, shape `(batch,)`.

    Raises:
        ValueError: If an argument is not valid (`classes` including
            `ignore_index`, or a class id `>= C`), or the shapes do not fit.

    Examples:
        >>> import numpy as np
        >>> from lossbook import lovasz_softmax_loss
        >>> y_true = np.array([[0, 1, 1], [2, 2, 0]])
        >>> y_pred = np.array(
        ...     [
        ...         [[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.5, 0.4, 0.1]],
        ...         [[0.1, 0.2, 0.7], [0.2, 0.2, 0.6], [0.6, 0.3, 0.1]],
        ...     ]
        ... )
        >>> loss = lovasz_softmax_loss(y_true, y_pred, per_image=True)
        >>> print(np.round(np.asarray(loss), 4))
        [0.4333 0.375 ]
        >>> batch = np.asarray(lovasz_softmax_loss(y_true, y_pred))
        >>> print(np.round(batch, 4), round(float(batch.mean()), 4))
        [0.4878 0.3289] 0.4083

        Pixels labelled `ignore_index` do not count:

        >>> import numpy as np
        >>> from lossbook import lovasz_softmax_loss
        >>> y_true = np.array([[0, 1, 255]])
        >>> y_pred = np.array([[[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]])
        >>> loss = lovasz_softmax_loss(y_true, y_pred, ignore_index=255)
        >>> print(np.round(np.asarray(loss), 4))
        [0.175]

    References:
        Berman, Rannen Triki and Blaschko, "The Lovász-Softmax loss: A tractable
        surrogate for the optimization of the intersection-over-union measure in
        neural networks", CVPR 2018, Algorithm 1 and Eq. 8–9; reference code:
        github.com/bermanmaxim/LovaszSoftmax.
    """
    labels, scores, result_dtype = _class_ids_and_scores(y_true, y_pred)
    num_classes = scores.shape[-1]
    if isinstance(classes, tuple) and num_classes is not None:
        if max(classes) >= num_classes:
            raise ValueError(
                f"`classes` must hold class ids below the number of classes, "
                f"{num_classes} (the last axis of y_pred.shape="
                f"{tuple(scores.shape)}), got classes={classes!r}."
            )
    probabilities = ops.softmax(scores, axis=-1) if from_logits else scores
    if is_empty(probabilities):
        # An empty batch, or images without pixels: nothing to sort.
        axes = tuple(range(1, len(probabilities.shape)))
        return empty_values(probabilities, axes, result_dtype)
    batch_size, dtype = ops.shape(scores)[0], probabilities.dtype
    rows = batch_size if per_image else 1
    labels = ops.reshape(labels, (rows, -1))
    # (rows, C, P): each class of each set sorts its pixels along the last axis.
    probabilities = ops.transpose(
        ops.reshape(probabilities, (rows, -1, ops.shape(scores)[-1])), (0, 2, 1)
    )
    class_ids = ops.arange(ops.shape(scores)[-1], dtype=dtype)[:, None]
    is_class = labels[:, None, :] == class_ids
    known = ops.any(is_class, axis=1)
    valid = ops.ones_like(known) if ignore_index is None else labels != ignore_index
    foreground = ops.cast(ops.logical_and(is_class, valid[:, None, :]), dtype)
    errors = ops.abs(foreground - probabilities)
    errors = ops.where(valid[:, None, :], errors, ops.zeros_like(errors))
    # Errors are >= 0: an ignored pixel at -1 sorts after every other pixel, where
    # it changes no other pixel's weight, and its own error of 0 counts nothing.
    last = ops.where(valid[:, None, :], errors, -ops.ones_like(errors))
    order = ops.argsort(-last, axis=-1)
    gradient = _lovasz_gradient(ops.take_along_axis(foreground, order, axis=-1))
    if classes == "all":
        scored = ops.ones_like(ops.sum(foreground, axis=-1))
    elif classes == "present":
        scored = ops.cast(ops.sum(foreground, axis=-1) > 0, dtype)
    else:
        chosen = ops.any(class_ids == ops.convert_to_tensor(classes, dtype), axis=-1)
        scored = ops.broadcast_to(ops.cast(chosen, dtype), ops.shape(gradient)[:2])
    count = ops.sum(scored, axis=-1, keepdims=True)
    # A set where no class is scored has loss 0 (0 / 1), not 0 / 0.
    class_weights = scored / ops.where(count > 0, count, ops.ones_like(count))
    errors_sorted = ops.take_along_axis(errors, order, axis=-1)
    if per_image:
        losses = ops.sum(class_weights * ops.sum(errors_sorted * gradient, -1), -1)
    else:
        # Put each pixel's weight back in its place, so that every image's part of
        # the one batch-wide sum can be added up.
        unsorted = ops.take_along_axis(gradient, ops.argsort(order, axis=-1), axis=-1)
        parts = ops.sum(class_weights[..., None] * errors * unsorted, axis=1)
        losses = ops.sum(ops.reshape(parts, (batch_size, -1)), axis=-1)
        losses = losses * ops.cast(batch_size, losses.dtype)
    # A label that is neither ignored nor a class id (NaN included) spoils its set,
    # and so does a NaN or an infinity in y_pred, even at an ignored pixel.
    spoiled = ops.any(ops.logical_and(valid, ops.logical_not(known)), axis=-1)
    not_finite = ops.sum(probabilities - probabilities, axis=(1, 2))
    if not per_image:
        spoiled = ops.broadcast_to(spoiled, (batch_size,))
        not_finite = ops.broadcast_to(not_finite, (batch_size,))
    losses = ops.where(spoiled, ops.full_like(losses, float("nan")), losses)
    losses = losses + not_finite
    return ops.cast(losses, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class LovaszSoftmaxLoss(FunctionLoss):
    """Lovász-Softmax loss on class probabilities, a surrogate of the mean IoU.

    The class form of `lovasz_softmax_loss`. With the default reduction it equals
    the authors' reference `lovasz_softmax(probas, labels, classes, per_image,
    ignore)` (probabilities channels-last here, channels-first there).

    Args:
        classes: `"present"` (default): the classes present in the ground truth
            of each set; `"all"`: every class; or a non-empty list of distinct
            class ids `>= 0`.
        per_image: `False` (default): the batch is sorted as one set of pixels.
            `True`: each image is sorted on its own and the loss is the mean over
            images.
        ignore_index: A label whose pixels are dropped, or `None` (default).
        from_logits: Whether `y_pred` holds logits (a softmax over the last axis
            is applied first). Defaults to `False`: probabilities.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"lovasz_softmax_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `classes` is not `"all"`, `"present"` or a list of
            distinct ids `>= 0` without `ignore_index`, `per_image` or
            `from_logits` is not a bool, or `ignore_index` is not None or an int.

    Examples:
        >>> import numpy as np
        >>> from lossbook import LovaszSoftmaxLoss
        >>> y_true = np.array([[0, 1, 1], [2, 2, 0]])
        >>> y_pred = np.array(
        ...     [
        ...         [[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.5, 0.4, 0.1]],
        ...         [[0.1, 0.2, 0.7], [0.2, 0.2, 0.6], [0.6, 0.3, 0.1]],
        ...     ]
        ... )
        >>> round(float(LovaszSoftmaxLoss()(y_true, y_pred)), 4)
        0.4083
        >>> per_image = LovaszSoftmaxLoss(classes="all", per_image=True)
        >>> round(float(per_image(y_true, y_pred)), 4)
        0.3361
        >>> LovaszSoftmaxLoss(classes="absent")
        Traceback (most recent call last):
        ...
        ValueError: `classes` must be 'all', 'present' or ... got classes='absent'.

        With `classes="all"` and `per_image=True`, the first image's class 2,
        absent from its labels, costs its largest probability, 0.1.
    """

    def __init__(
        self,
        classes: str | list[int] = "present",
        per_image: bool = False,
        ignore_index: int | None = None,
        from_logits: bool = False,
        reduction: str | None = "sum_over_batch_size",
        name: str = "lovasz_softmax_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            lovasz_softmax_loss,
            classes=classes,
            per_image=per_image,
            ignore_index=ignore_index,
            from_logits=from_logits,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )

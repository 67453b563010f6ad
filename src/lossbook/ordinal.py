"""Ordinal-classification losses: classes with an order, where far misses cost more."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from lossbook._core import (
    FunctionLoss,
    check_choice,
    check_int,
    check_positive,
    loss_function,
    mean,
    prepare_inputs,
)

_WEIGHTAGES = ("linear", "quadratic")


def _check_num_classes(name: str, num_classes: Any) -> int:
    number = check_int(name, num_classes)
    if number < 2:
        raise ValueError(f"`{name}` must be >= 2, got {name}={num_classes!r}.")
    return number


def _check_weightage(name: str, value: Any) -> str:
    return check_choice(name, value, _WEIGHTAGES)


@loss_function(
    num_classes=_check_num_classes,
    weightage=_check_weightage,
    epsilon=check_positive,
)
def weighted_kappa_loss(
    y_true: Any,
    y_pred: Any,
    *,
    num_classes: int,
    weightage: str = "quadratic",
    epsilon: float = 1e-6,
) -> Any:
    """Weighted kappa loss of a batch, `log(1 - kappa + epsilon)`, as in TF Addons.

    Formula:

    ```
    W[a, b]    = (|a - b| / (C - 1)) ** p      p = 1 ("linear") or 2 ("quadratic")
    label_i    = sum_j j * y_true[i, j]        (the class of sample i)
    numerator  = sum_ij W[label_i, j] * y_pred[i, j]
    denominator = sum_ab (sum_i y_true[i, a]) * W[a, b] * (sum_i y_pred[i, b]) / N
    loss       = log(numerator / denominator + epsilon)    (0 / 0 counts as 0)
    ```

    over a batch of `N` samples and `C = num_classes` classes. When the rows of
    `y_pred` sum to 1, the ratio is one minus Cohen's weighted kappa of the
    expected confusion matrix `y_true^T y_pred`; for one-hot `y_pred` it is
    exactly `1 - kappa` of the hard predictions (scikit-learn's
    `cohen_kappa_score`). This is TensorFlow Addons'
    `WeightedKappaLoss`, formula for formula, `divide_no_nan` included. The
    loss is `log(epsilon)` (about -13.8) at perfect agreement and about 0 at
    chance agreement (`kappa = 0`).

    The loss is a statistic of the whole batch, not a sum over samples. So that
    Keras' reductions work, every sample gets the batch's value: the returned
    per-sample values are all equal, and the default reduction
    (`"sum_over_batch_size"`) gives back TF Addons' value. A `sample_weight`
    then multiplies that value by the mean weight; it does not weight samples
    inside the kappa statistic.

    Args:
        y_true: One-hot targets, shape `(batch, num_classes)`.
        y_pred: Predicted class probabilities (softmax outputs), same shape.
        num_classes: The number of ordered classes `C`, an int >= 2.
        weightage: `"linear"` or `"quadratic"` disagreement weights. Defaults to
            `"quadratic"`.
        epsilon: Added to the ratio before the log, a number > 0. Defaults to
            `1e-6`.

    Returns:
        The batch loss repeated once per sample, shape `(batch,)`.

    Raises:
        ValueError: If an argument is out of range, the inputs are not of shape
            `(batch, num_classes)`, or the shapes do not match.

    Examples:
        >>> import numpy as np
        >>> from lossbook import weighted_kappa_loss
        >>> y_true = np.eye(4)[[2, 1, 0, 3]]
        >>> y_pred = np.array(
        ...     [
        ...         [0.1, 0.2, 0.6, 0.1],
        ...         [0.1, 0.5, 0.3, 0.1],
        ...         [0.8, 0.05, 0.05, 0.1],
        ...         [0.01, 0.09, 0.1, 0.8],
        ...     ]
        ... )
        >>> loss = weighted_kappa_loss(y_true, y_pred, num_classes=4)
        >>> print(np.round(np.asarray(loss), 4))
        [-1.1612 -1.1612 -1.1612 -1.1612]

        Every sample carries the batch's value, which is TF Addons' `-1.1611923`.
        Only two weightings exist:

        >>> import numpy as np
        >>> from lossbook import weighted_kappa_loss
        >>> y_true = np.eye(4)[[2, 1, 0, 3]]
        >>> weighted_kappa_loss(y_true, y_true, num_classes=4, weightage="cubic")
        Traceback (most recent call last):
        ...
        ValueError: `weightage` must be one of (...), got weightage='cubic'.

    References:
        de la Torre, Puig and Valls, "Weighted kappa loss function for
        multi-class classification of ordinal data in deep learning", Pattern
        Recognition Letters 105, 2018. TensorFlow Addons,
        `tfa.losses.WeightedKappaLoss`.
    """
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    if len(y_pred.shape) != 2 or y_pred.shape[-1] != num_classes:
        raise ValueError(
            "`y_true` and `y_pred` must have shape "
            f"(batch, num_classes={num_classes}), got y_true.shape="
            f"{tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}."
        )
    classes = ops.arange(num_classes, dtype=y_pred.dtype)
    labels = ops.sum(y_true * classes, axis=-1, keepdims=True)
    scale = float(num_classes - 1)
    if weightage == "linear":
        weight = ops.abs(labels - classes) / scale
        weight_matrix = ops.abs(classes[:, None] - classes[None, :]) / scale
    else:
        weight = ops.square(labels - classes) / scale**2
        weight_matrix = ops.square(classes[:, None] - classes[None, :]) / scale**2
    numerator = ops.sum(weight * y_pred)
    mean_true = mean(y_true, axis=0)
    total_pred = ops.sum(y_pred, axis=0)
    denominator = ops.sum(mean_true[:, None] * weight_matrix * total_pred[None, :])
    # divide_no_nan as a select: Keras's PyTorch divide_no_nan computes in float32.
    undefined = denominator == 0
    ratio = numerator / ops.where(undefined, ops.ones_like(denominator), denominator)
    ratio = ops.where(undefined, ops.zeros_like(ratio), ratio)
    loss = ops.log(ratio + epsilon)
    return ops.cast(loss + ops.zeros_like(y_pred[:, 0]), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class WeightedKappaLoss(FunctionLoss):
    """Weighted kappa loss for ordinal classes, as in TensorFlow Addons.

    The class form of `weighted_kappa_loss`. With the default reduction its
    value is TF Addons' `WeightedKappaLoss` of the batch: `log(1 - kappa +
    epsilon)`, where `kappa` is Cohen's weighted kappa between the one-hot
    targets and the predicted probabilities. Minimising it maximises agreement,
    and a miss by two classes costs more than a miss by one. It is a batch
    statistic: use batches large enough to contain several classes.

    Args:
        num_classes: The number of ordered classes, an int >= 2.
        weightage: `"linear"` or `"quadratic"`. Defaults to `"quadratic"`.
        epsilon: Added to the ratio before the log, a number > 0. Defaults to
            `1e-6`.
        reduction: `"sum_over_batch_size"` (default, TF Addons' value), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"weighted_kappa_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `num_classes` is not an int >= 2, `weightage` is not
            `"linear"` or `"quadratic"`, or `epsilon <= 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import WeightedKappaLoss
        >>> y_true = np.eye(4)[[2, 1, 0, 3]]
        >>> y_pred = np.array(
        ...     [
        ...         [0.1, 0.2, 0.6, 0.1],
        ...         [0.1, 0.5, 0.3, 0.1],
        ...         [0.8, 0.05, 0.05, 0.1],
        ...         [0.01, 0.09, 0.1, 0.8],
        ...     ]
        ... )
        >>> round(float(WeightedKappaLoss(num_classes=4)(y_true, y_pred)), 4)
        -1.1612
        >>> round(float(WeightedKappaLoss(4, weightage="linear")(y_true, y_pred)), 4)
        -0.9998
        >>> WeightedKappaLoss(num_classes=1)
        Traceback (most recent call last):
        ...
        ValueError: `num_classes` must be >= 2, got num_classes=1.
    """

    def __init__(
        self,
        num_classes: int,
        weightage: str = "quadratic",
        epsilon: float = 1e-6,
        reduction: str | None = "sum_over_batch_size",
        name: str = "weighted_kappa_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            weighted_kappa_loss,
            num_classes=num_classes,
            weightage=weightage,
            epsilon=epsilon,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )

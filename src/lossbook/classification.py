"""Classification losses."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from lossbook._core import (
    check_bool,
    check_closed_unit_interval,
    check_int,
    check_positive,
    prepare_inputs,
)


def weighted_binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    pos_weight: float = 1.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Binary cross-entropy whose positive term is multiplied by `pos_weight`.

    Formula:

    ```
    loss = mean(-(pos_weight * y * log(p) + (1 - y) * log(1 - p)), axis=axis)
    ```

    With `pos_weight > 1` a missed positive (a false negative) costs more than a
    false alarm; with `pos_weight = 1` this is `keras.losses.binary_crossentropy`.
    For logits `x` the loss is computed in the stable form
    `(1 - y) * x + (1 + (pos_weight - 1) * y) * softplus(-x)`, which equals
    `tf.nn.weighted_cross_entropy_with_logits` and PyTorch's
    `BCEWithLogitsLoss(pos_weight=...)`. Probabilities are clipped to
    `[epsilon, 1 - epsilon]` as Keras clips them.

    Args:
        y_true: Binary targets (0 or 1; soft targets in between are allowed).
        y_pred: Predicted probabilities, or logits if `from_logits=True`. Same shape
            as `y_true`, or one trailing axis of size 1 more or less.
        pos_weight: Weight of the positive term, a number > 0. Defaults to `1.0`.
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
    pos_weight = check_positive("pos_weight", pos_weight)
    label_smoothing = check_closed_unit_interval("label_smoothing", label_smoothing)
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # One softplus per element; log(sigmoid(x)) and log(1 - sigmoid(x)) both
        # reduce to it, and softplus(-x) never overflows for large |x|.
        positive_factor = 1.0 + (pos_weight - 1.0) * y_true
        losses = (1.0 - y_true) * y_pred + positive_factor * ops.softplus(-y_pred)
    else:
        epsilon = keras.backend.epsilon()
        p = ops.clip(y_pred, epsilon, 1.0 - epsilon)
        losses = -(pos_weight * y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))
    return ops.cast(ops.mean(losses, axis=axis), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class WeightedBinaryCrossentropy(keras.losses.Loss):
    """Binary cross-entropy that weights the positive class by `pos_weight`.

    The class form of `weighted_binary_crossentropy`: per-sample values are
    reduced with `reduction` and weighted by `sample_weight`, as for every Keras
    loss. Use it to make false negatives cost `pos_weight` times a false positive.

    Args:
        pos_weight: Weight of the positive term, a number > 0. Defaults to `1.0`,
            which is `keras.losses.BinaryCrossentropy`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: In `[0, 1]`. Defaults to `0.0`.
        axis: The axis the mean is taken over. Defaults to `-1`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"weighted_binary_crossentropy"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `pos_weight <= 0`, `label_smoothing` is outside `[0, 1]`, or
            `from_logits` is not a bool.

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
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "weighted_binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.pos_weight = check_positive("pos_weight", pos_weight)
        self.from_logits = check_bool("from_logits", from_logits)
        self.label_smoothing = check_closed_unit_interval(
            "label_smoothing", label_smoothing
        )
        self.axis = check_int("axis", axis)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return weighted_binary_crossentropy(
            y_true,
            y_pred,
            pos_weight=self.pos_weight,
            from_logits=self.from_logits,
            label_smoothing=self.label_smoothing,
            axis=self.axis,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "pos_weight": self.pos_weight,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }

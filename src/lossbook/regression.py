"""Regression losses."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from lossbook._core import check_positive, prepare_inputs


def scaled_mean_squared_error(y_true: Any, y_pred: Any, scale: float = 1.0) -> Any:
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
    scale = check_positive("scale", scale)
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    losses = scale * ops.mean(ops.square(y_pred - y_true), axis=-1)
    return ops.cast(losses, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class ScaledMeanSquaredError(keras.losses.Loss):
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
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.scale = check_positive("scale", scale)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return scaled_mean_squared_error(y_true, y_pred, scale=self.scale)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale}

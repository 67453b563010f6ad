"""Composite losses: weighted sums of losses that save and load with their parts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import ops

from lossbook._core import (
    FunctionLoss,
    align_ranks,
    check_finite,
    check_numbers,
    float_dtypes,
    loss_function,
    shapes_match,
)


def _check_losses(name: str, losses: Any) -> list[keras.losses.Loss]:
    if not isinstance(losses, list | tuple) or not losses:
        raise ValueError(
            f"`{name}` must be a non-empty list of keras.losses.Loss instances, "
            f"got {name}={losses!r}."
        )
    for index, loss in enumerate(losses):
        if not isinstance(loss, keras.losses.Loss):
            raise ValueError(
                f"`{name}[{index}]` must be a keras.losses.Loss, "
                f"got {name}[{index}]={loss!r}."
            )
    return list(losses)


def _check_weights(name: str, weights: Any) -> list[float] | None:
    return None if weights is None else check_numbers(name, weights, check_finite)


def _one_weight_per_loss(arguments: dict[str, Any]) -> dict[str, Any]:
    losses, weights = arguments["losses"], arguments["weights"]
    if weights is None:
        return {**arguments, "weights": [1.0] * len(losses)}
    if len(weights) != len(losses):
        raise ValueError(
            f"`weights` must hold one number per loss, {len(losses)} in all, "
            f"got weights={weights!r}."
        )
    return arguments


@loss_function(
    losses=_check_losses, weights=_check_weights, jointly=_one_weight_per_loss
)
def combined_loss(
    y_true: Any,
    y_pred: Any,
    *,
    losses: Sequence[keras.losses.Loss],
    weights: Sequence[float] | None = None,
) -> Any:
    """Weighted sum of the per-sample values of several losses.

    Formula:

    ```
    loss = sum_k weights[k] * losses[k].call(y_true, y_pred)
    ```

    Each part contributes its *per-sample* values (`Loss.call`), before any
    reduction or sample weight, so a reduction and sample weights applied to the
    sum act once, exactly as on a single loss. The parts' own `reduction` and
    `dtype` are not used.

    Args:
        y_true: Targets, as every part expects them.
        y_pred: Predictions, as every part expects them.
        losses: A non-empty list of `keras.losses.Loss` instances (lossbook or
            Keras losses; names such as `"mse"` and plain functions are not
            accepted).
        weights: One finite number per loss. Defaults to `None`, which weights
            every loss by 1.

    Returns:
        The per-sample weighted sum, of the shape every part returns.

    Raises:
        ValueError: If `losses` or `weights` is invalid, a part rejects the
            inputs, or two parts return per-sample values of different shapes.

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> from lossbook import WeightedBinaryCrossentropy, combined_loss
        >>> y_true = np.array([[1.0], [0.0]])
        >>> y_pred = np.array([[0.2], [0.2]])
        >>> parts = [
        ...     WeightedBinaryCrossentropy(pos_weight=3.0),
        ...     keras.losses.MeanSquaredError(),
        ... ]
        >>> loss = combined_loss(y_true, y_pred, losses=parts, weights=[1.0, 0.5])
        >>> print(np.round(np.asarray(loss), 4))
        [5.1483 0.2431]

        The first sample costs `3 * -log(0.2) + 0.5 * 0.8**2`.
    """
    y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
    # Aligned once, so that Keras parts (which align on their own, but return one
    # number for a rank-1 pair) and lossbook parts see the same inputs.
    y_true, y_pred = align_ranks(y_true, y_pred)
    compute_dtype, result_dtype = float_dtypes(y_pred)
    total, total_shape, first_name = None, None, None
    for loss, weight in zip(losses, weights, strict=True):
        values = ops.cast(loss.call(y_true, y_pred), compute_dtype)
        shape = tuple(values.shape)
        if total is None:
            total, total_shape, first_name = weight * values, shape, loss.name
            continue
        if not shapes_match(shape, total_shape):
            raise ValueError(
                "The parts of a combined loss must return per-sample values of one "
                f"shape, got {total_shape} from {first_name!r} and {shape} from "
                f"{loss.name!r}."
            )
        total = total + weight * values
    return ops.cast(total, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class CombinedLoss(FunctionLoss):
    """A weighted sum of losses that saves and loads with its parts.

    The class form of `combined_loss`. Its per-sample values are
    `sum_k weights[k] * losses[k].call(y_true, y_pred)`; the combined loss's
    `reduction` and `sample_weight` then apply once. `get_config` stores every
    part with `keras.saving.serialize_keras_object` and `from_config` rebuilds
    them, so a model compiled with it goes through `model.save` and
    `keras.models.load_model(..., safe_mode=True)`, as long as every part is a
    registered (lossbook) or built-in Keras loss.

    Args:
        losses: A non-empty list of `keras.losses.Loss` instances. Loss names
            (`"mse"`) and plain functions are not accepted: wrap them in their
            Keras classes (`keras.losses.MeanSquaredError()`).
        weights: One finite number per loss. Defaults to `None`, which weights
            every loss by 1.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"combined_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx). The
            parts' own `dtype` and `reduction` are not used.

    Raises:
        ValueError: If `losses` is empty or holds something other than a
            `keras.losses.Loss`, or `weights` is not one finite number per loss.

    Examples:
        >>> import numpy as np
        >>> from lossbook import CombinedLoss, JaccardLoss, WeightedBinaryCrossentropy
        >>> loss_fn = CombinedLoss(
        ...     [WeightedBinaryCrossentropy(pos_weight=3.0), JaccardLoss()],
        ...     weights=[1.0, 0.5],
        ... )
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.9, 0.6, 0.2, 0.1], [0.1, 0.3, 0.2, 0.7]])
        >>> print(np.round(np.asarray(loss_fn.call(y_true, y_pred)), 4))
        [0.6655 0.6119]
        >>> round(float(loss_fn(y_true, y_pred)), 4)
        0.6387

        Per sample, `bce + 0.5 * jaccard`: `0.5443 + 0.5 * 0.2424` for the first
        row. The parts travel with the configuration, and only loss objects are
        parts:

        >>> from lossbook import CombinedLoss, JaccardLoss, WeightedBinaryCrossentropy
        >>> loss_fn = CombinedLoss([WeightedBinaryCrossentropy(), JaccardLoss()])
        >>> clone = CombinedLoss.from_config(loss_fn.get_config())
        >>> [type(part).__name__ for part in clone.losses]
        ['WeightedBinaryCrossentropy', 'JaccardLoss']
        >>> CombinedLoss(["mse"])
        Traceback (most recent call last):
        ...
        ValueError: `losses[0]` must be a keras.losses.Loss, got losses[0]='mse'.
    """

    def __init__(
        self,
        losses: Sequence[keras.losses.Loss],
        weights: Sequence[float] | None = None,
        reduction: str | None = "sum_over_batch_size",
        name: str = "combined_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            combined_loss,
            losses=losses,
            weights=weights,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["losses"] = [keras.saving.serialize_keras_object(p) for p in self.losses]
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CombinedLoss:
        config = dict(config)
        config["losses"] = [
            part
            if isinstance(part, keras.losses.Loss)
            else keras.saving.deserialize_keras_object(part)
            for part in config["losses"]
        ]
        return cls(**config)

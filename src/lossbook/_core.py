"""Shared mechanics of every lossbook loss: argument checks and input preparation."""

from __future__ import annotations

import math
from typing import Any

from keras import backend, ops

_HALF = ("float16", "bfloat16")


def check_positive(name: str, value: Any) -> float:
    """Returns `value` as a float, or raises if it is not a finite number > 0."""
    number = check_finite(name, value)
    if not number > 0:
        raise ValueError(f"`{name}` must be > 0, got {name}={value!r}.")
    return number


def check_closed_unit_interval(name: str, value: Any) -> float:
    """Returns `value` as a float, or raises if it is not a number in [0, 1]."""
    number = check_finite(name, value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"`{name}` must be in [0, 1], got {name}={value!r}.")
    return number


def check_open_unit_interval(name: str, value: Any) -> float:
    """Returns `value` as a float, or raises if it is not a number in (0, 1)."""
    number = check_finite(name, value)
    if not 0.0 < number < 1.0:
        raise ValueError(f"`{name}` must be in (0, 1), got {name}={value!r}.")
    return number


def check_non_negative(name: str, value: Any) -> float:
    """Returns `value` as a float, or raises if it is not a finite number >= 0."""
    number = check_finite(name, value)
    if not number >= 0:
        raise ValueError(f"`{name}` must be >= 0, got {name}={value!r}.")
    return number


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Returns `value`, or raises if it is not one of `choices`."""
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}, got {name}={value!r}.")
    return value


def check_bool(name: str, value: Any) -> bool:
    """Returns `value`, or raises if it is not a bool (`0`/`1` are ambiguous here)."""
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be True or False, got {name}={value!r}.")
    return value


def check_int(name: str, value: Any) -> int:
    """Returns `value`, or raises if it is not an int."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"`{name}` must be an int, got {name}={value!r}.")
    return value


def check_finite(name: str, value: Any) -> float:
    """Returns `value` as a float, or raises if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"`{name}` must be a number, got {name}={value!r}.")
    number = float(value)
    # Comparisons, not math.isfinite: TorchDynamo (torch.compile) cannot trace the
    # latter when a loss validates its arguments inside a compiled function.
    if not -math.inf < number < math.inf:
        raise ValueError(f"`{name}` must be finite, got {name}={value!r}.")
    return number


def float_dtypes(y_pred: Any) -> tuple[str, str]:
    """`(compute_dtype, result_dtype)` of a loss whose predictions are `y_pred`.

    The result keeps the float dtype of `y_pred` (float32 for integers); half
    precision is computed in float32, where logs and exponentials keep their digits.
    """
    result_dtype = backend.standardize_dtype(ops.convert_to_tensor(y_pred).dtype)
    if not backend.is_float_dtype(result_dtype):
        result_dtype = "float32"
    return ("float32" if result_dtype in _HALF else result_dtype), result_dtype


def shapes_match(shape: tuple, other: tuple) -> bool:
    """Whether two static shapes are equal, unknown (None) dimensions matching any."""
    return len(shape) == len(other) and all(
        a is None or b is None or a == b for a, b in zip(shape, other, strict=True)
    )


def prepare_inputs(y_true: Any, y_pred: Any) -> tuple[Any, Any, str]:
    """Converts both inputs to one float dtype and aligns their ranks like Keras.

    Returns `(y_true, y_pred, result_dtype)`. Half-precision and integer predictions
    are computed in float32 (logs and exponentials of float16 lose most of their
    digits); the caller casts its result to `result_dtype`, the float dtype of the
    `y_pred` it was given (float32 for integers). A rank difference of one with a
    trailing axis of size 1, such as `(8,)` against `(8, 1)`, is aligned the way
    Keras aligns it for plain functions. Any other difference raises instead of
    broadcasting.
    """
    compute_dtype, result_dtype = float_dtypes(y_pred)
    y_pred = ops.cast(y_pred, compute_dtype)
    y_true = ops.cast(y_true, compute_dtype)
    y_true, y_pred = _align_ranks(y_true, y_pred)
    check_same_shape(y_true, y_pred)
    return y_true, y_pred, result_dtype


def _align_ranks(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    true_rank, pred_rank = len(y_true.shape), len(y_pred.shape)
    if pred_rank == true_rank + 1 and y_pred.shape[-1] == 1:
        y_true = ops.expand_dims(y_true, -1)
    elif true_rank == pred_rank + 1 and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    return y_true, y_pred


def check_same_shape(y_true: Any, y_pred: Any) -> None:
    """Raises a ValueError naming both shapes unless they match (unknown dims pass)."""
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if not shapes_match(true_shape, pred_shape):
        raise ValueError(
            "`y_true` and `y_pred` must have the same shape, got "
            f"y_true.shape={true_shape} and y_pred.shape={pred_shape}."
        )

"""Shared mechanics of every lossbook loss.

- Argument checks that name the argument and its value (`check_*`).
- `prepare_inputs`: one dtype for both inputs and Keras's rank alignment.
- `loss_function` and `FunctionLoss`: a loss function and its class validate their
  hyperparameters through the same code, and the class gets `call` and
  `get_config` from the function (the idea of Keras's `LossFunctionWrapper`).
- A few `keras.ops` replacements that keep float64 in float64 on every backend.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from keras import backend, ops

# How `keras.losses.Loss.__call__` finds the mask of `y_pred` on every backend
# (JAX arrays take no attributes, so Keras keeps their masks in a table of its
# own); Keras 3 has no public name for it.
from keras.src.backend import get_keras_mask

_HALF = ("float16", "bfloat16")

# ---------------------------------------------------------------------------
# Argument checks. Python and NumPy numbers are accepted alike, so that
# `np.float32(0.5)` or `y.max() + 1` can be passed where a number is expected;
# the values are stored as Python numbers, which serialize to JSON.


def _describe(name: str, value: Any) -> str:
    return f"{name}={value!r}"


def _number(name: str, value: Any) -> float:
    """`value` as a float, or raises naming its type if it is not a real number."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        raise ValueError(
            f"`{name}` must be a number, got {_describe(name, value)} of type "
            f"{type(value).__name__}."
        )
    return float(value)


def check_finite(name: str, value: Any) -> float:
    """Returns `value` as a float, or raises if it is not a finite number."""
    number = _number(name, value)
    # Comparisons, not math.isfinite: TorchDynamo (torch.compile) cannot trace the
    # latter when a loss validates its arguments inside a compiled function.
    if not -math.inf < number < math.inf:
        raise ValueError(f"`{name}` must be finite, got {_describe(name, value)}.")
    return number


def check_positive(name: str, value: Any) -> float:
    """Returns `value` as a float, or raises if it is not a finite number > 0."""
    number = check_finite(name, value)
    if not number > 0:
        raise ValueError(f"`{name}` must be > 0, got {_describe(name, value)}.")
    return number


def check_non_negative(name: str, value: Any) -> float:
    """Returns `value` as a float, or raises if it is not a finite number >= 0."""
    number = check_finite(name, value)
    if not number >= 0:
        raise ValueError(f"`{name}` must be >= 0, got {_describe(name, value)}.")
    return number


def check_closed_unit_interval(name: str, value: Any) -> float:
    """Returns `value` as a float, or raises if it is not a number in [0, 1]."""
    number = check_finite(name, value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"`{name}` must be in [0, 1], got {_describe(name, value)}.")
    return number


def check_open_unit_interval(name: str, value: Any) -> float:
    """Returns `value` as a float, or raises if it is not a number in (0, 1)."""
    number = check_finite(name, value)
    if not 0.0 < number < 1.0:
        raise ValueError(f"`{name}` must be in (0, 1), got {_describe(name, value)}.")
    return number


def check_bool(name: str, value: Any) -> bool:
    """Returns `value` as a bool, or raises if it is not one (`0`/`1` are ambiguous)."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(
            f"`{name}` must be True or False, got {_describe(name, value)} of type "
            f"{type(value).__name__}."
        )
    return bool(value)


def check_int(name: str, value: Any) -> int:
    """Returns `value` as an int, or raises if it is not an integer."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise ValueError(
            f"`{name}` must be an int, got {_describe(name, value)} of type "
            f"{type(value).__name__}."
        )
    return int(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Returns `value`, or raises if it is not one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"`{name}` must be one of {choices}, got {_describe(name, value)}."
        )
    return value


def is_sequence(value: Any) -> bool:
    """Whether `value` is a list, a tuple or a NumPy array of rank >= 1."""
    return isinstance(value, list | tuple) or (
        isinstance(value, np.ndarray) and value.ndim >= 1
    )


def check_numbers(
    name: str, values: Any, check: Callable[[str, Any], float]
) -> list[float]:
    """A non-empty list, tuple or 1-D array, each item checked by `check`."""
    if not is_sequence(values) or np.ndim(values) != 1 or len(values) == 0:
        raise ValueError(
            f"`{name}` must be a non-empty list of numbers, got "
            f"{_describe(name, values)}."
        )
    return [check(f"{name}[{index}]", item) for index, item in enumerate(values)]


# ---------------------------------------------------------------------------
# Inputs.


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


def align_ranks(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    """Aligns ranks that differ by a trailing axis of size 1, exactly as Keras does.

    This is `squeeze_or_expand_to_same_rank` of `keras.losses`, which every plain
    Keras loss function applies: `(B, 1)` against `(B,)` (either way round) expands
    the rank-1 side to `(B, 1)`; `(B, T)` against `(B, T, 1)` (either way round)
    squeezes the size-1 axis away. Then a rank-1 pair becomes `(B, 1)`: lossbook
    treats each entry of a rank-1 input as one sample (Keras's plain functions
    average a rank-1 pair over the batch into one number instead). Any other rank
    difference is left for `check_same_shape` to reject.
    """
    true_rank, pred_rank = len(y_true.shape), len(y_pred.shape)
    if pred_rank == true_rank + 1 and y_pred.shape[-1] == 1:
        if true_rank == 1:
            y_true = ops.expand_dims(y_true, -1)
        else:
            y_pred = ops.squeeze(y_pred, -1)
    elif true_rank == pred_rank + 1 and y_true.shape[-1] == 1:
        if pred_rank == 1:
            y_pred = ops.expand_dims(y_pred, -1)
        else:
            y_true = ops.squeeze(y_true, -1)
    if len(y_true.shape) == len(y_pred.shape) == 1:
        y_true, y_pred = ops.expand_dims(y_true, -1), ops.expand_dims(y_pred, -1)
    return y_true, y_pred


def check_same_shape(y_true: Any, y_pred: Any) -> None:
    """Raises a ValueError naming both shapes unless they match (unknown dims pass)."""
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if not shapes_match(true_shape, pred_shape):
        raise ValueError(
            "`y_true` and `y_pred` must have the same shape, got "
            f"y_true.shape={true_shape} and y_pred.shape={pred_shape}."
        )


def check_batch_axis(y_true: Any, y_pred: Any) -> None:
    """Raises a ValueError naming both shapes if either input is a scalar."""
    if len(y_true.shape) == 0 or len(y_pred.shape) == 0:
        raise ValueError(
            "`y_true` and `y_pred` must have a batch axis, got "
            f"y_true.shape={tuple(y_true.shape)} and "
            f"y_pred.shape={tuple(y_pred.shape)}."
        )


def prepare_inputs(y_true: Any, y_pred: Any) -> tuple[Any, Any, str]:
    """Converts both inputs to one float dtype and aligns their ranks like Keras.

    Returns `(y_true, y_pred, result_dtype)`. Half-precision and integer predictions
    are computed in float32 (logs and exponentials of float16 lose most of their
    digits); the caller casts its result to `result_dtype`, the float dtype of the
    `y_pred` it was given (float32 for integers). Ranks are aligned by
    `align_ranks`; shapes that still differ raise instead of broadcasting.
    """
    compute_dtype, result_dtype = float_dtypes(y_pred)
    y_pred = ops.cast(y_pred, compute_dtype)
    y_true = ops.cast(y_true, compute_dtype)
    check_batch_axis(y_true, y_pred)
    y_true, y_pred = align_ranks(y_true, y_pred)
    check_same_shape(y_true, y_pred)
    return y_true, y_pred, result_dtype


def check_classes(y_true: Any, y_pred: Any) -> None:
    """Raises if the class axis (the last) has size 1: a softmax over one class is 1.

    Keras's categorical cross-entropy only warns and returns a constant with a
    zero gradient; a loss that can never train is an error here.
    """
    if y_pred.shape[-1] == 1:
        raise ValueError(
            "The last axis holds the classes and must have size >= 2 (a softmax "
            "over one class is constant), got "
            f"y_true.shape={tuple(y_true.shape)} and "
            f"y_pred.shape={tuple(y_pred.shape)}."
        )


def is_empty(x: Any) -> bool:
    """Whether the static shape of `x` has a dimension of size 0."""
    return 0 in tuple(x.shape)


def empty_values(x: Any, axis: int | tuple[int, ...], dtype: str) -> Any:
    """The values of a loss over an empty batch: `x` summed over `axis`.

    For losses whose maxima, sorts or pairings fail on zero elements: the result
    has the right (empty) shape and is still a function of `x`, so that a
    gradient (of size 0) exists.
    """
    return ops.cast(ops.sum(x, axis=axis), dtype)


# ---------------------------------------------------------------------------
# float64 on every backend. Keras computes some ops in float32 whatever their
# inputs (`mean` on JAX; `maximum`, `minimum` on PyTorch): these do not.


def mean(x: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    """`ops.mean`, in the dtype of `x` on every backend."""
    axes = tuple(range(len(x.shape))) if axis is None else axis
    count = 1
    for a in axes if isinstance(axes, tuple) else (axes,):
        count = count * ops.shape(x)[a]
    return ops.sum(x, axis=axis) / ops.cast(count, x.dtype)


def maximum(x: Any, y: Any) -> Any:
    """`ops.maximum` as a select, in the dtype of `x` on every backend."""
    return ops.where(x >= y, x, y)


def l2_normalize(x: Any, axis: int = -1) -> Any:
    """`x / ||x||` along `axis` as `tf.math.l2_normalize` computes it,
    `x * rsqrt(max(||x||**2, 1e-12))`: a zero vector stays 0, with finite
    gradients."""
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x * ops.rsqrt(maximum(squares, ops.cast(1e-12, x.dtype)))


def minimum(x: Any, y: Any) -> Any:
    """`ops.minimum` as a select, in the dtype of `x` on every backend."""
    return ops.where(x <= y, x, y)


def nan_if_not_finite(values: Any, inputs: Any) -> Any:
    """`values`, or NaN everywhere if `inputs` holds a NaN or an infinity.

    For losses whose selects and sorts would otherwise turn a NaN input into a
    finite number: `inputs - inputs` is 0 for every finite entry, NaN otherwise.
    """
    return values + ops.sum(inputs - inputs)


# ---------------------------------------------------------------------------
# A loss function and its class.


def loss_function(
    jointly: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    **checks: Callable[[str, Any], Any],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Makes `compute(y_true, y_pred, *, **hyperparameters)` a public loss function.

    `checks` maps each keyword-only hyperparameter of `compute` to its check,
    `check(name, value) -> validated value`; `jointly(arguments) -> arguments`
    checks (and may complete) them together. The public function validates its
    hyperparameters with them on every call, the class built on it
    (`FunctionLoss`) once in its constructor: one path, so that the class and the
    function accept and reject the same values. The function is registered with
    Keras, so that a model compiled with it saves and loads.
    """

    def decorate(compute: Callable[..., Any]) -> Callable[..., Any]:
        parameters = list(inspect.signature(compute).parameters.values())
        hyperparameters = {p.name: p for p in parameters[2:]}
        if set(hyperparameters) != set(checks) or any(
            p.kind is not p.KEYWORD_ONLY for p in hyperparameters.values()
        ):
            raise TypeError(
                f"{compute.__name__}: the keyword-only hyperparameters "
                f"{sorted(hyperparameters)} must be exactly those checked, "
                f"{sorted(checks)}."
            )
        defaults = {
            name: p.default
            for name, p in hyperparameters.items()
            if p.default is not p.empty
        }

        def check_arguments(**arguments: Any) -> dict[str, Any]:
            unknown = sorted(set(arguments) - set(checks))
            if unknown:
                raise TypeError(
                    f"{compute.__name__}() got unexpected keyword arguments {unknown}."
                )
            arguments = {**defaults, **arguments}
            missing = sorted(set(checks) - set(arguments))
            if missing:
                raise TypeError(
                    f"{compute.__name__}() is missing the keyword arguments {missing}."
                )
            validated = {name: checks[name](name, arguments[name]) for name in checks}
            return validated if jointly is None else jointly(validated)

        @functools.wraps(compute)
        def function(y_true: Any, y_pred: Any, **arguments: Any) -> Any:
            return compute(y_true, y_pred, **check_arguments(**arguments))

        function.check_arguments = check_arguments
        function.compute = compute
        return keras.saving.register_keras_serializable(package="lossbook")(function)

    return decorate


def _serialize_dtype(dtype: Any) -> Any:
    if isinstance(dtype, keras.DTypePolicy):
        return keras.dtype_policies.serialize(dtype)
    return dtype


class FunctionLoss(keras.losses.Loss):
    """A `keras.losses.Loss` whose `call` is a lossbook loss function.

    A subclass passes its function and its hyperparameters to `__init__`; they
    are validated by the function's own checks, become attributes of the loss,
    and make up `get_config` with `name`, `reduction` and `dtype`.

    On top of Keras's `Loss.__call__`, it rejects a `sample_weight` or a mask
    (of `y_pred`, from a `Masking` layer for example) that does not fit the
    per-sample values: Keras aligns them like `y_true` and `y_pred`, then
    broadcasts, which for a weight of
    shape `(B, T)` against values of shape `(B,)` either fails inside the
    backend or, when `B == T`, silently gives `(B, B)` values.
    """

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        reduction: str | None,
        name: str,
        dtype: Any,
        **hyperparameters: Any,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._function = function
        self._dtype_argument = dtype
        self._hyperparameter_names = tuple(hyperparameters)
        for key, value in function.check_arguments(**hyperparameters).items():
            setattr(self, key, value)
        self._weight_shapes: tuple = ()

    def hyperparameters(self) -> dict[str, Any]:
        """The hyperparameters of the loss, as passed to its function."""
        return {key: getattr(self, key) for key in self._hyperparameter_names}

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        mask = get_keras_mask(y_pred)
        self._weight_shapes = tuple(
            (label, _static_shape(weights))
            for label, weights in (("sample_weight", sample_weight), ("mask", mask))
            if weights is not None
        )
        try:
            return super().__call__(y_true, y_pred, sample_weight=sample_weight)
        finally:
            self._weight_shapes = ()

    def call(self, y_true: Any, y_pred: Any) -> Any:
        values = self._function.compute(y_true, y_pred, **self.hyperparameters())
        for label, shape in self._weight_shapes:
            check_weights_fit(tuple(values.shape), label, shape)
        return values

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "dtype": _serialize_dtype(self._dtype_argument),
            **self.hyperparameters(),
        }


def _static_shape(x: Any) -> tuple:
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def check_weights_fit(values_shape: tuple, label: str, shape: tuple) -> None:
    """Raises unless weights of `shape` fit per-sample values of `values_shape`.

    Keras first aligns the two ranks as it aligns `y_true` and `y_pred` (a
    trailing axis of size 1 is added or removed); after that the weights must
    broadcast to the values without changing the values' shape.
    """
    weights = tuple(shape)
    if len(weights) == len(values_shape) + 1 and weights[-1] == 1:
        weights = weights[:-1]
    elif len(values_shape) == len(weights) + 1 and values_shape[-1] == 1:
        weights = weights + (1,)
    if len(weights) == len(values_shape):
        fits = all(
            w in (1, None) or v is None or w == v
            for w, v in zip(weights, values_shape, strict=True)
        )
    else:
        # Keras multiplies from the trailing axes: a (B,) weight against (B, T)
        # values would weight the time steps (or fail), so a weight of lower rank
        # than the values may only be a scalar in disguise, of sizes 1.
        fits = len(weights) < len(values_shape) and all(w in (1, None) for w in weights)
    if not fits:
        raise ValueError(
            f"`{label}` of shape {tuple(shape)} does not fit the per-sample loss "
            f"values of shape {values_shape}: give one weight per value, or add "
            "trailing axes of size 1 (e.g. shape (batch, 1)) to weight whole samples."
        )


def require_at_run_time(values: Any, condition: Any, message: str) -> Any:
    """`values`, checked against a scalar boolean `condition` when the graph runs.

    For conditions only the batch can tell (its size unknown while tracing, as in
    TensorFlow's `fit`). A TensorFlow graph raises `InvalidArgumentError` with
    `message`; where nothing can raise at run time (XLA drops assertions), the
    values become NaN, which shows in the loss instead of training silently.
    """
    if backend.backend() == "tensorflow":
        import tensorflow as tf

        if not tf.executing_eagerly():
            assertion = tf.debugging.Assert(condition, [message])
            with tf.control_dependencies([assertion]):
                values = tf.identity(values)
    return ops.where(condition, values, ops.full_like(values, float("nan")))

"""The contract's data: every public loss, its valid inputs, references and limits.

One module per module of `src/lossbook/`, each defining
- `SPECS`: one `LossSpec` per public loss class (its function, its invalid
  arguments, a value for every hyperparameter that differs from the default);
- `CASES`: `LossCase`s, a loss with chosen hyperparameters, its float64
  reference and how to draw valid inputs.
`tests/test_contract.py` runs every property on every spec and case it applies to.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FAMILIES = (
    "classification",
    "regression",
    "distillation",
    "segmentation",
    "metric_learning",
    "detection",
    "ordinal",
    "composition",
)

# Shapes of y_true and y_pred, which decide which alignment tests apply:
# "same": one shape (Keras's rank alignment applies), per-sample values over the
#   last axis or over all non-batch axes;
# "classes": one shape whose last axis holds >= 2 classes (a rank-1 pair or a
#   trailing axis of size 1 has one class and raises);
# "own": a rule of the loss's own, tested in its family's module.
SAME, CLASSES, OWN = "same", "classes", "own"


@dataclass(frozen=True)
class LossSpec:
    """One public loss class with its functional twin."""

    loss_class: type
    function: Callable[..., Any]
    # Every hyperparameter at a value other than its default (required ones too).
    non_default: dict[str, Any]
    # (hyperparameters, regex the ValueError must match), for class and function.
    invalid: tuple[tuple[dict[str, Any], str], ...]
    # Hyperparameters without a default, needed to build the loss at all.
    required: dict[str, Any] = field(default_factory=dict)
    # (rng, shape) -> inputs that fit `non_default`, if the first case's do not.
    make_inputs: Callable[[np.random.Generator, tuple[int, ...]], tuple] | None = None

    def __str__(self) -> str:
        return self.loss_class.__name__


@dataclass(frozen=True)
class KerasTwin:
    """A Keras built-in that equals the lossbook loss under `kwargs`.

    `make(reduction=...)` builds it; lossbook's loss is `scale` times it.
    """

    kwargs: dict[str, Any]
    make: Callable[..., Any]
    scale: float = 1.0


@dataclass(frozen=True)
class LossCase:
    """A loss with chosen hyperparameters, its reference and its inputs."""

    name: str
    loss_class: type
    function: Callable[..., Any]
    kwargs: dict[str, Any]
    # Float64 per-sample values of (y_true, y_pred).
    reference: Callable[[np.ndarray, np.ndarray], np.ndarray]
    # (rng, shape) -> float32 (y_true, y_pred) for `shape[0]` samples.
    make_inputs: Callable[[np.random.Generator, tuple[int, ...]], tuple]
    shapes: str = SAME
    # Inputs (B, T, C) give values (B, T), so per-time-step weights and masks apply.
    values_per_position: bool = True
    keras_twin: KerasTwin | None = None
    # A sample's value depends on that sample only (weight k == repeating it k times).
    independent_samples: bool = True
    # y_true enters the value (not a dummy), so a NaN there must propagate.
    uses_y_true: bool = True
    # False when the columns of y_pred index the batch too (a (B, B) similarity
    # matrix): a replica's rows alone are not an input of the loss, and under
    # tf.distribute.MirroredStrategy the loss raises its shape error.
    splits_by_rows: bool = True
    # Options of the Dense layer that produces y_pred in the save/load test.
    model_output: dict[str, Any] = field(default_factory=dict)
    # How to reorder a batch without changing the loss; (order, y_true, y_pred).
    permute: Callable[..., tuple] = lambda order, y_true, y_pred: (
        y_true[order],
        y_pred[order],
    )
    # Moves inputs away from kinks and clipping bounds for finite differences.
    for_finite_differences: Callable[..., tuple] = lambda y_true, y_pred: (
        y_true,
        y_pred,
    )
    half_precision_rtol: float = 0.05
    # Backends on which Keras code inside the loss (a Keras part of a combined
    # loss) computes float64 in float32, so float64 results have float32 digits.
    float32_inside_on: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name


def binary_targets_and_logits(rng, shape):
    y = (rng.random(shape) < 0.3).astype("float32")
    return y, rng.normal(0, 3, shape).astype("float32")


def binary_targets_and_probabilities(rng, shape):
    y, logits = binary_targets_and_logits(rng, shape)
    return y, (1 / (1 + np.exp(-logits))).astype("float32")


def two_sets_of_logits(rng, shape):
    return (
        rng.normal(0, 3, shape).astype("float32"),
        rng.normal(0, 3, shape).astype("float32"),
    )


def one_hot_and_logits(rng, shape):
    labels = rng.integers(0, shape[-1], shape[:-1])
    y_true = np.eye(shape[-1], dtype="float32")[labels]
    return y_true, rng.normal(0, 3, shape).astype("float32")


def one_hot_and_probabilities(rng, shape):
    # Softer logits than above: float16 rounds probabilities below ~6e-8 to 0, and
    # the half-precision test would then compare two different clipped values.
    y_true, logits = one_hot_and_logits(rng, shape)
    logits = logits / 1.5
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return y_true, (e / e.sum(axis=-1, keepdims=True)).astype("float32")


def clipped_probabilities(y_true, y_pred):
    """Away from the clipping bounds, where the gradient is cut off."""
    return y_true, np.clip(y_pred, 0.05, 0.95)


SPECS: list[LossSpec] = []
CASES: list[LossCase] = []
for family in FAMILIES:
    module = importlib.import_module(f"cases.{family}")
    SPECS += module.SPECS
    CASES += module.CASES

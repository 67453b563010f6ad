"""One entry per public loss: how to build it, its reference, and valid inputs.

The contract tests (test_contract.py) run every property on every case that it
applies to; the flags below say which. Cases of later families live in
`cases_<family>.py` files, each defining `CASES`, gathered at the end.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import references

import lossbook


def permute_rows(order, y_true, y_pred):
    return y_true[order], y_pred[order]


def unchanged(y_true, y_pred):
    return y_true, y_pred


@dataclass(frozen=True)
class LossCase:
    name: str
    loss_class: type
    function: Callable[..., Any]
    kwargs: dict[str, Any]
    reference: Callable[[np.ndarray, np.ndarray], np.ndarray]
    make_inputs: Callable[[np.random.Generator, tuple[int, ...]], tuple]
    # Options of the Dense layer that produces y_pred in the save/load test.
    model_output: dict[str, Any] = field(default_factory=dict)
    # y_true and y_pred have the same shape (rank alignment and mismatch tests).
    same_shape: bool = True
    # The function returns one value per sample, shape (batch,).
    per_sample_output: bool = True
    # A sample's value depends on that sample only (weight k == repeating it k times).
    independent_samples: bool = True
    # How to reorder a batch without changing the loss; (order, y_true, y_pred).
    permute: Callable[..., tuple] = permute_rows
    # Moves inputs away from kinks and clipping bounds for finite differences.
    for_finite_differences: Callable[..., tuple] = unchanged
    gradient_rtol: float = 1e-5
    half_precision_rtol: float = 0.05

    def __str__(self) -> str:
        return self.name


def binary_targets_and_logits(rng, shape):
    return (rng.random(shape) < 0.3).astype("float32"), rng.normal(0, 3, shape).astype(
        "float32"
    )


def binary_targets_and_probabilities(rng, shape):
    y, logits = binary_targets_and_logits(rng, shape)
    return y, (1 / (1 + np.exp(-logits))).astype("float32")


def two_sets_of_logits(rng, shape):
    return rng.normal(0, 3, shape).astype("float32"), rng.normal(0, 3, shape).astype(
        "float32"
    )


CASES = [
    LossCase(
        "weighted_bce_logits",
        lossbook.WeightedBinaryCrossentropy,
        lossbook.weighted_binary_crossentropy,
        {"pos_weight": 3.0, "from_logits": True},
        lambda y, x: references.weighted_bce_from_logits(y, x, 3.0),
        binary_targets_and_logits,
    ),
    LossCase(
        "weighted_bce_probabilities",
        lossbook.WeightedBinaryCrossentropy,
        lossbook.weighted_binary_crossentropy,
        {"pos_weight": 0.5},
        lambda y, p: references.weighted_bce_from_probabilities(y, p, 0.5),
        binary_targets_and_probabilities,
        {"activation": "sigmoid"},
        for_finite_differences=lambda y, p: (y, np.clip(p, 0.05, 0.95)),
    ),
    LossCase(
        "distillation",
        lossbook.DistillationLoss,
        lossbook.distillation_loss,
        {"temperature": 2.5},
        lambda t, s: references.distillation(t, s, 2.5),
        two_sets_of_logits,
    ),
    LossCase(
        "scaled_mse",
        lossbook.ScaledMeanSquaredError,
        lossbook.scaled_mean_squared_error,
        {"scale": 0.6},
        lambda y, p: references.scaled_mse(y, p, 0.6),
        two_sets_of_logits,
    ),
]

for module in sorted(Path(__file__).parent.glob("cases_*.py")):
    CASES += importlib.import_module(module.stem).CASES

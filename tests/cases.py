"""One entry per public loss: how to build it, its reference, and valid inputs."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import references

import lossbook


@dataclass(frozen=True)
class LossCase:
    name: str
    loss_class: type
    function: Callable[..., Any]
    kwargs: dict[str, Any]
    reference: Callable[[np.ndarray, np.ndarray], np.ndarray]
    make_inputs: Callable[[np.random.Generator, tuple[int, ...]], tuple]
    model_output: dict[str, Any] = field(default_factory=dict)

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

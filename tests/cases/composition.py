"""Contract data of the composite losses (src/lossbook/composition.py)."""

import keras
import numpy as np
from references import classification, distillation, regression

import lossbook
from cases import (
    CLASSES,
    LossCase,
    LossSpec,
    binary_targets_and_logits,
    binary_targets_and_probabilities,
    clipped_probabilities,
    two_sets_of_logits,
)

TWO_PARTS = [lossbook.JaccardLoss(), keras.losses.MeanSquaredError()]

SPECS = [
    LossSpec(
        lossbook.CombinedLoss,
        lossbook.combined_loss,
        non_default={"losses": TWO_PARTS, "weights": [0.5, 2.0]},
        required={"losses": TWO_PARTS},
        invalid=(
            (
                {"losses": []},
                "`losses` must be a non-empty list of keras.losses.Loss instances",
            ),
            ({"losses": None}, "`losses` must be a non-empty list .*, got losses=None"),
            (
                {"losses": "mse"},
                "`losses` must be a non-empty list .*, got losses='mse'",
            ),
            (
                {"losses": ["mse"]},
                r"`losses\[0\]` must be a keras.losses.Loss, got losses\[0\]='mse'",
            ),
            (
                {"losses": [lossbook.JaccardLoss(), keras.losses.mean_squared_error]},
                r"`losses\[1\]` must be a keras.losses.Loss, got losses\[1\]=<function",
            ),
            (
                {"weights": [1.0]},
                r"`weights` must hold one number per loss, .*got weights=\[1.0\]",
            ),
            (
                {"weights": (1, 2, 3)},
                r"`weights` must hold one .*, 2 in all, got weights=\[1.0, 2.0, 3.0\]",
            ),
            (
                {"weights": 2.0},
                "`weights` must be a non-empty list of numbers, got weights=2.0",
            ),
            (
                {"weights": [1.0, float("nan")]},
                r"`weights\[1\]` must be finite, got weights\[1\]=nan",
            ),
            (
                {"weights": [1.0, "2"]},
                r"`weights\[1\]` must be a number, got weights\[1\]='2'",
            ),
            (
                {"weights": [True, 1.0]},
                r"`weights\[0\]` must be a number, got weights\[0\]=True",
            ),
        ),
    )
]


def mean_absolute_error(y, p):
    return np.mean(np.abs(np.float64(p) - np.float64(y)), axis=-1)


def bce_plus_half_brier(y, p):
    bce = classification.weighted_bce_from_probabilities(y, p, 3.0)
    return bce + 0.5 * regression.scaled_mse(y, p, 1.0)


def distillation_mse_and_mae(t, s):
    return (
        0.7 * distillation.distillation(t, s, 2.0)
        + 0.3 * regression.scaled_mse(t, s, 0.5)
        + 0.1 * mean_absolute_error(t, s)
    )


CASES = [
    LossCase(
        "combined_bce_and_keras_mse",
        lossbook.CombinedLoss,
        lossbook.combined_loss,
        {
            "losses": [
                lossbook.WeightedBinaryCrossentropy(pos_weight=3.0),
                keras.losses.MeanSquaredError(),
            ],
            "weights": [1.0, 0.5],
        },
        bce_plus_half_brier,
        binary_targets_and_probabilities,
        model_output={"activation": "sigmoid"},
        for_finite_differences=clipped_probabilities,
        # Keras 3.15's mean_squared_error averages float64 in float32 there.
        float32_inside_on=("jax", "torch"),
    ),
    LossCase(
        "combined_distillation_mse_mae",
        lossbook.CombinedLoss,
        lossbook.combined_loss,
        {
            "losses": [
                lossbook.DistillationLoss(temperature=2.0),
                lossbook.ScaledMeanSquaredError(scale=0.5),
                keras.losses.MeanAbsoluteError(),
            ],
            "weights": [0.7, 0.3, 0.1],
        },
        distillation_mse_and_mae,
        two_sets_of_logits,
        # The distillation part needs >= 2 classes on the last axis.
        shapes=CLASSES,
        # Keras 3.15's mean_absolute_error averages float64 in float32 there.
        float32_inside_on=("jax", "torch"),
    ),
    LossCase(
        "combined_lossbook_parts",
        lossbook.CombinedLoss,
        lossbook.combined_loss,
        {
            "losses": [
                lossbook.WeightedBinaryCrossentropy(pos_weight=2.0, from_logits=True),
                lossbook.ScaledMeanSquaredError(scale=0.5),
            ],
            "weights": [1.0, 0.25],
        },
        lambda y, x: (
            classification.weighted_bce_from_logits(y, x, 2.0)
            + 0.25 * regression.scaled_mse(y, x, 0.5)
        ),
        binary_targets_and_logits,
    ),
    # A combined loss nested in a combined loss is saved and loaded in
    # test_composition.py (the contract's save/load test costs ~4 s a case).
]

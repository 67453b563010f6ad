"""Contract cases of the composite losses (src/lossbook/composition.py)."""

import keras
import numpy as np
import references
from cases import (
    LossCase,
    binary_targets_and_probabilities,
    two_sets_of_logits,
)

import lossbook


def mean_squared_error(y, p):
    return np.mean((np.float64(p) - np.float64(y)) ** 2, axis=-1)


def mean_absolute_error(y, p):
    return np.mean(np.abs(np.float64(p) - np.float64(y)), axis=-1)


def bce_plus_half_brier(y, p):
    return references.weighted_bce_from_probabilities(
        y, p, 3.0
    ) + 0.5 * mean_squared_error(y, p)


def distillation_mse_and_mae(t, s):
    return (
        0.7 * references.distillation(t, s, 2.0)
        + 0.3 * references.scaled_mse(t, s, 0.5)
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
        {"activation": "sigmoid"},
        for_finite_differences=lambda y, p: (y, np.clip(p, 0.05, 0.95)),
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
    ),
    # A combined loss nested in a combined loss is saved and loaded in
    # test_composition.py (the contract's save/load test costs ~4 s a case).
]

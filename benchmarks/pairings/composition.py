"""Pairings of src/lossbook/composition.py."""

import keras

import lossbook
from benchmarks.pairings import Call, Named, Pairing, elementwise

L = keras.losses


def bce_plus_half_mse():
    bce, mse = L.BinaryCrossentropy(), L.MeanSquaredError()
    return lambda y, p: bce(y, p) + 0.5 * mse(y, p)


PAIRINGS = [
    Pairing(
        lossbook.CombinedLoss,
        {
            "losses": [
                Call(lossbook.WeightedBinaryCrossentropy, pos_weight=1.0),
                Call(L.MeanSquaredError),
            ],
            "weights": [1.0, 0.5],
        },
        "combined_bce_and_keras_mse",
        Named("BinaryCrossentropy() + 0.5 * MeanSquaredError()", bce_plus_half_mse),
        "same",
        elementwise(16),
    ),
]

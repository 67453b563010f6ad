"""Pairings of src/lossbook/regression.py."""

import keras
from keras import ops

import lossbook
from benchmarks.pairings import ArticleLoss, Call, Named, Pairing, elementwise

L = keras.losses


def article_mse(y_true, y_pred):
    """The article's custom_loss (a mean squared error), translated to keras.ops."""
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


PAIRINGS = [
    Pairing(
        lossbook.ScaledMeanSquaredError,
        {"scale": 1.0},
        "scaled_mse",
        Call(L.MeanSquaredError),
        "same",
        elementwise(16),
        naive=Named("article's custom_loss (MSE)", lambda: ArticleLoss(article_mse)),
    ),
    Pairing(
        lossbook.SmoothL1Loss,
        {"beta": 1.0},
        "smooth_l1",
        Call(L.Huber, delta=1.0),
        "same",
        elementwise(16),
    ),
    Pairing(
        lossbook.SmoothL1Loss,
        {"beta": 0.0},
        "smooth_l1_beta_zero",
        Call(L.MeanAbsoluteError),
        "same",
        elementwise(16),
    ),
    Pairing(
        lossbook.PinballLoss,
        {"quantiles": 0.5},
        "pinball_one_quantile",
        Call(L.MeanAbsoluteError),
        "same x0.5",
        elementwise(16),
    ),
]

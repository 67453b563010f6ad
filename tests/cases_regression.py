"""Contract cases of the regression family (SmoothL1Loss, PinballLoss) and PolyLoss."""

import numpy as np
import references_regression as ref
from cases import LossCase, two_sets_of_logits

from lossbook.classification import PolyLoss, poly_loss
from lossbook.regression import (
    PinballLoss,
    SmoothL1Loss,
    pinball_loss,
    smooth_l1_loss,
)

QUANTILES = [0.1, 0.5, 0.9]


def target_and_quantile_predictions(rng, shape):
    """y_true (batch, 1), y_pred (batch, 3): the second number of shape is unused."""
    batch = shape[0]
    y_true = rng.normal(0, 3, (batch, 1)).astype("float32")
    return y_true, rng.normal(0, 3, (batch, len(QUANTILES))).astype("float32")


def rank_one_target_and_quantile_predictions(rng, shape):
    y_true, y_pred = target_and_quantile_predictions(rng, shape)
    return y_true[:, 0], y_pred


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


CASES = [
    LossCase(
        "smooth_l1",
        SmoothL1Loss,
        smooth_l1_loss,
        {"beta": 1.0},
        lambda y, p: ref.smooth_l1(y, p, 1.0),
        two_sets_of_logits,
    ),
    LossCase(
        "smooth_l1_beta_zero",
        SmoothL1Loss,
        smooth_l1_loss,
        {"beta": 0.0},
        lambda y, p: ref.smooth_l1(y, p, 0.0),
        two_sets_of_logits,
    ),
    LossCase(
        "pinball_one_quantile",
        PinballLoss,
        pinball_loss,
        {"quantiles": 0.9},
        lambda y, p: ref.pinball(y, p, 0.9),
        two_sets_of_logits,
    ),
    LossCase(
        "pinball_three_quantiles",
        PinballLoss,
        pinball_loss,
        {"quantiles": QUANTILES},
        lambda y, p: ref.pinball(y, p, QUANTILES),
        target_and_quantile_predictions,
        # y_true (batch, 1) is broadcast against y_pred (batch, 3) on purpose; the
        # shape rules of this mode are tested in test_regression.py.
        same_shape=False,
    ),
    LossCase(
        "pinball_three_quantiles_rank_one_targets",
        PinballLoss,
        pinball_loss,
        {"quantiles": QUANTILES},
        lambda y, p: ref.pinball(y, p, QUANTILES),
        rank_one_target_and_quantile_predictions,
        # y_true (batch,) is broadcast against y_pred (batch, 3), as above.
        same_shape=False,
    ),
    LossCase(
        "poly_logits",
        PolyLoss,
        poly_loss,
        {"epsilon": 1.0, "from_logits": True},
        lambda y, x: ref.poly1(y, x, 1.0, True),
        one_hot_and_logits,
    ),
    LossCase(
        "poly_probabilities",
        PolyLoss,
        poly_loss,
        {"epsilon": -1.0, "label_smoothing": 0.1},
        lambda y, p: ref.poly1(y, p, -1.0, False, 0.1),
        one_hot_and_probabilities,
        {"activation": "softmax"},
        # Away from the clipping bounds, where the gradient is cut off.
        for_finite_differences=lambda y, p: (y, np.clip(p, 0.05, 0.95)),
    ),
]

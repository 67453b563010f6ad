"""Contract data of the regression losses (src/lossbook/regression.py)."""

import keras
import numpy as np
from references import regression as ref

import lossbook
from cases import OWN, KerasTwin, LossCase, LossSpec, two_sets_of_logits

QUANTILES = [0.1, 0.5, 0.9]

SPECS = [
    LossSpec(
        lossbook.ScaledMeanSquaredError,
        lossbook.scaled_mean_squared_error,
        non_default={"scale": 0.6},
        invalid=(
            ({"scale": 0}, "`scale` must be > 0, got scale=0"),
            ({"scale": -0.6}, "`scale` must be > 0, got scale=-0.6"),
            ({"scale": float("nan")}, "`scale` must be finite, got scale=nan"),
            ({"scale": "0.6"}, "`scale` must be a number, got scale='0.6'"),
        ),
    ),
    LossSpec(
        lossbook.SmoothL1Loss,
        lossbook.smooth_l1_loss,
        non_default={"beta": 0.25},
        invalid=(
            ({"beta": -1.0}, "`beta` must be >= 0, got beta=-1.0"),
            ({"beta": float("inf")}, "`beta` must be finite, got beta=inf"),
            ({"beta": None}, "`beta` must be a number, got beta=None of type NoneType"),
            ({"beta": True}, "`beta` must be a number, got beta=True of type bool"),
        ),
    ),
    LossSpec(
        lossbook.PinballLoss,
        lossbook.pinball_loss,
        non_default={"quantiles": [0.2, 0.8]},
        make_inputs=lambda rng, shape: (
            rng.normal(0, 3, (shape[0], 1)).astype("float32"),
            rng.normal(0, 3, (shape[0], 2)).astype("float32"),
        ),
        invalid=(
            ({"quantiles": 0.0}, r"`quantiles` must be in \(0, 1\), got quantiles=0.0"),
            ({"quantiles": 1}, r"`quantiles` must be in \(0, 1\), got quantiles=1"),
            (
                {"quantiles": []},
                r"`quantiles` must be a non-empty list of numbers, got quantiles=\[\]",
            ),
            (
                {"quantiles": [0.1, 1.0, 0.9]},
                r"`quantiles\[1\]` must be in \(0, 1\), got quantiles\[1\]=1.0",
            ),
            ({"quantiles": "0.5"}, "`quantiles` must be a number, got quantiles='0.5'"),
            ({"quantiles": True}, "`quantiles` must be a number, got quantiles=True"),
            (
                {"quantiles": float("nan")},
                "`quantiles` must be finite, got quantiles=nan",
            ),
            (
                {"quantiles": [0.5, None]},
                r"`quantiles\[1\]` must be a number, got quantiles\[1\]=None",
            ),
            (
                {"quantiles": [[0.1, 0.9]]},
                r"`quantiles` must be a non-empty list of numbers, got quantiles=\[\[",
            ),
        ),
    ),
]


def target_and_quantile_predictions(rng, shape):
    """y_true (batch, 1), y_pred (batch, 3): the second number of shape is unused."""
    batch = shape[0]
    y_true = rng.normal(0, 3, (batch, 1)).astype("float32")
    return y_true, rng.normal(0, 3, (batch, len(QUANTILES))).astype("float32")


def rank_one_target_and_quantile_predictions(rng, shape):
    y_true, y_pred = target_and_quantile_predictions(rng, shape)
    return y_true[:, 0], y_pred


CASES = [
    LossCase(
        "scaled_mse",
        lossbook.ScaledMeanSquaredError,
        lossbook.scaled_mean_squared_error,
        {"scale": 0.6},
        lambda y, p: ref.scaled_mse(y, p, 0.6),
        two_sets_of_logits,
        keras_twin=KerasTwin({"scale": 1.0}, keras.losses.MeanSquaredError),
    ),
    LossCase(
        "smooth_l1",
        lossbook.SmoothL1Loss,
        lossbook.smooth_l1_loss,
        {"beta": 1.0},
        lambda y, p: ref.smooth_l1(y, p, 1.0),
        two_sets_of_logits,
        keras_twin=KerasTwin(
            {"beta": 1.0}, lambda **options: keras.losses.Huber(delta=1.0, **options)
        ),
    ),
    LossCase(
        "smooth_l1_beta_zero",
        lossbook.SmoothL1Loss,
        lossbook.smooth_l1_loss,
        {"beta": 0.0},
        lambda y, p: ref.smooth_l1(y, p, 0.0),
        two_sets_of_logits,
        keras_twin=KerasTwin({"beta": 0.0}, keras.losses.MeanAbsoluteError),
    ),
    LossCase(
        "pinball_one_quantile",
        lossbook.PinballLoss,
        lossbook.pinball_loss,
        {"quantiles": 0.9},
        lambda y, p: ref.pinball(y, p, 0.9),
        two_sets_of_logits,
        keras_twin=KerasTwin(
            {"quantiles": 0.5}, keras.losses.MeanAbsoluteError, scale=0.5
        ),
    ),
    LossCase(
        "pinball_three_quantiles",
        lossbook.PinballLoss,
        lossbook.pinball_loss,
        {"quantiles": QUANTILES},
        lambda y, p: ref.pinball(y, p, QUANTILES),
        target_and_quantile_predictions,
        # y_true (batch, 1) is broadcast against y_pred (batch, 3) on purpose; the
        # shape rules of this mode are tested in test_regression.py.
        shapes=OWN,
        values_per_position=False,
    ),
    LossCase(
        "pinball_three_quantiles_rank_one_targets",
        lossbook.PinballLoss,
        lossbook.pinball_loss,
        {"quantiles": np.array(QUANTILES)},
        lambda y, p: ref.pinball(y, p, QUANTILES),
        rank_one_target_and_quantile_predictions,
        # y_true (batch,) is broadcast against y_pred (batch, 3), as above.
        shapes=OWN,
        values_per_position=False,
    ),
]

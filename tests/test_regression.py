"""Regression losses against Keras, scikit-learn, PyTorch and NumPy, and at edges.

ScaledMeanSquaredError: a constant factor on Keras's mean squared error.
SmoothL1Loss: PyTorch's SmoothL1Loss, and Keras's Huber up to a factor.
PinballLoss: scikit-learn's mean_pinball_loss, for one quantile or several.
Arguments, Keras twins at the defaults, rank alignment and compilation are
checked for every loss by test_contract.py.
"""

import keras
import numpy as np
import pytest
from helpers import gradient, numpy, shapes_pattern
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from references import regression as ref
from sklearn.metrics import mean_pinball_loss

from lossbook import (
    PinballLoss,
    SmoothL1Loss,
    pinball_loss,
    scaled_mean_squared_error,
    smooth_l1_loss,
)


def batch(seed=0, shape=(32, 3)):
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(size=shape).astype("float32") for _ in range(2))


def test_scale_multiplies_the_loss_and_its_gradient_and_nothing_else():
    y_true, y_pred = batch()

    def loss_and_gradient(scale):
        function = lambda p: scaled_mean_squared_error(  # noqa: E731
            y_true, p, scale=scale
        )
        return numpy(function(y_pred)), gradient(function, y_pred)

    loss_1, gradient_1 = loss_and_gradient(1.0)
    loss_06, gradient_06 = loss_and_gradient(0.6)
    np.testing.assert_allclose(loss_06, 0.6 * loss_1, rtol=1e-6)
    np.testing.assert_allclose(gradient_06, 0.6 * gradient_1, rtol=1e-6)


# SmoothL1Loss ---------------------------------------------------------------


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 3.0])
def test_smooth_l1_matches_torch_smooth_l1_loss_elementwise(beta):
    torch = pytest.importorskip(
        "torch", reason="PyTorch is a test dependency (torch==2.13.0)"
    )
    y_true, y_pred = batch(seed=4, shape=(32, 5))
    elementwise = torch.nn.SmoothL1Loss(beta=beta, reduction="none")(
        torch.from_numpy(y_pred), torch.from_numpy(y_true)
    )
    np.testing.assert_allclose(
        numpy(smooth_l1_loss(y_true, y_pred, beta=beta)),
        elementwise.mean(dim=-1).numpy(),
        rtol=1e-5,
        atol=1e-7,
    )


@pytest.mark.parametrize("delta", [0.25, 2.5])
def test_keras_huber_equals_delta_times_smooth_l1_with_beta_delta(delta):
    y_true, y_pred = batch(seed=5)
    huber = keras.losses.Huber(delta=delta, reduction=None)(y_true, y_pred)
    ours = SmoothL1Loss(beta=delta, reduction=None)(y_true, y_pred)
    np.testing.assert_allclose(delta * numpy(ours), numpy(huber), rtol=1e-5)


@pytest.mark.parametrize("beta", [0.0, 1.0])
def test_smooth_l1_is_zero_with_zero_gradient_at_a_perfect_prediction(beta):
    y_true, _ = batch(seed=7, shape=(4, 3))
    function = lambda p: smooth_l1_loss(y_true, p, beta=beta)  # noqa: E731
    np.testing.assert_array_equal(numpy(function(y_true)), 0.0)
    np.testing.assert_array_equal(gradient(function, y_true), 0.0)


def test_smooth_l1_gradient_is_d_over_beta_inside_and_its_sign_outside():
    y_true = np.zeros((1, 4), "float32")
    y_pred = np.array([[-5.0, -0.5, 0.25, 40.0]], "float32")
    grads = gradient(lambda p: smooth_l1_loss(y_true, p, beta=2.0), y_pred)
    # Mean over 4 values: each gradient is divided by 4.
    np.testing.assert_allclose(grads, [[-1 / 4, -0.25 / 4, 0.125 / 4, 1 / 4]])


@settings(max_examples=25, deadline=None)
@given(
    y_pred=hnp.arrays(
        np.float32,
        (3, 4),
        elements=st.sampled_from([0.0, 1.0, -1.0, 1e-30, 100.0, -100.0, 1e6]),
    ),
    beta=st.sampled_from([0.0, 1e-6, 1.0, 1e3]),
)
def test_smooth_l1_values_and_gradients_stay_finite_at_edges(y_pred, beta):
    # Zeros of y_true put errors exactly at 0 and exactly at beta = 1.
    y_true = np.zeros((3, 4), "float32")
    function = lambda p: smooth_l1_loss(y_true, p, beta=beta)  # noqa: E731
    values, grads = numpy(function(y_pred)), gradient(function, y_pred)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads))
    # atol: 0.5 * (1e-30)**2 / beta underflows to 0 in float32, as it should.
    expected = ref.smooth_l1(y_true, y_pred, beta)
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-30)
    assert np.all(np.abs(grads) <= 1 / 4 + 1e-7)


# PinballLoss ------------------------------------------------------------------


@pytest.mark.parametrize("quantile", [0.05, 0.5, 0.9])
def test_one_quantile_matches_sklearn_mean_pinball_loss(quantile):
    y_true, y_pred = batch(seed=9, shape=(64, 3))
    ours = PinballLoss(quantiles=quantile)(y_true, y_pred)
    expected = mean_pinball_loss(np.float64(y_true), np.float64(y_pred), alpha=quantile)
    assert float(ours) == pytest.approx(expected, rel=1e-5)


def test_several_quantiles_equal_the_mean_of_sklearn_per_quantile():
    quantiles = [0.1, 0.25, 0.5, 0.9]
    rng = np.random.default_rng(10)
    y_true = rng.normal(size=64).astype("float32")
    y_pred = rng.normal(size=(64, 4)).astype("float32")
    ours = PinballLoss(quantiles=quantiles)(y_true, y_pred)
    expected = np.mean(
        [
            mean_pinball_loss(np.float64(y_true), np.float64(y_pred[:, k]), alpha=q)
            for k, q in enumerate(quantiles)
        ]
    )
    assert float(ours) == pytest.approx(expected, rel=1e-5)


def test_several_quantiles_keep_extra_batch_axes_of_the_targets():
    quantiles = (0.2, 0.7, 0.95)
    rng = np.random.default_rng(11)
    y_true = rng.normal(size=(5, 6)).astype("float32")
    y_pred = rng.normal(size=(5, 6, 3)).astype("float32")
    got = numpy(pinball_loss(y_true, y_pred, quantiles=quantiles))
    assert got.shape == (5, 6)
    np.testing.assert_allclose(got, ref.pinball(y_true, y_pred, quantiles), rtol=1e-5)


def test_a_list_of_one_quantile_equals_the_float_quantile():
    y_true, y_pred = batch(seed=13, shape=(8, 1))
    np.testing.assert_allclose(
        numpy(pinball_loss(y_true, y_pred, quantiles=[0.3])),
        numpy(pinball_loss(y_true, y_pred, quantiles=0.3)),
    )


@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.8])
def test_the_best_constant_prediction_is_the_empirical_quantile(quantile):
    y = np.random.default_rng(15).exponential(size=401).astype("float32")
    candidates = np.linspace(0, 3, 301, dtype="float32")
    # Row k compares every y with the constant candidates[k]: one mean per row.
    totals = numpy(
        pinball_loss(
            np.broadcast_to(y, (candidates.size, y.size)),
            np.broadcast_to(candidates[:, None], (candidates.size, y.size)),
            quantiles=quantile,
        )
    )
    best = candidates[int(np.argmin(totals))]
    assert best == pytest.approx(np.quantile(y, quantile), abs=0.01)


def test_pinball_is_zero_with_finite_gradient_at_a_perfect_prediction():
    y_true = np.array([[1.0], [-2.0]], "float32")
    y_pred = np.repeat(y_true, 3, axis=1)
    function = lambda p: pinball_loss(y_true, p, quantiles=[0.1, 0.5, 0.9])  # noqa: E731
    np.testing.assert_array_equal(numpy(function(y_pred)), 0.0)
    assert np.all(np.isfinite(gradient(function, y_pred)))


@settings(max_examples=25, deadline=None)
@given(
    y_pred=hnp.arrays(
        np.float32, (4, 3), elements=st.sampled_from([0.0, 1.0, -1e6, 1e6, 1e-30])
    ),
    quantiles=st.lists(st.floats(1e-6, 1 - 1e-6), min_size=3, max_size=3),
)
def test_pinball_values_and_gradients_are_finite_and_bounded_at_edges(
    y_pred, quantiles
):
    y_true = np.array([0.0, 1.0, -3.0, 1e6], "float32")
    function = lambda p: pinball_loss(y_true, p, quantiles=quantiles)  # noqa: E731
    values, grads = numpy(function(y_pred)), gradient(function, y_pred)
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    # Each prediction moves the loss by at most max(q, 1 - q) / K per unit.
    assert np.all(np.abs(grads) <= 1 / 3 + 1e-7)


@pytest.mark.parametrize(
    ("true_shape", "pred_shape"),
    [
        ((8, 3), (8, 4)),  # four columns for three quantiles
        ((8, 1), (8, 2)),  # two predictions for three quantiles
        ((8,), (8, 4)),
        ((4,), (8, 3)),  # different batch sizes
        ((8, 2, 1), (8, 3)),
        ((8, 1), (3,)),
    ],
)
def test_quantile_shape_mismatch_raises_naming_both_shapes(true_shape, pred_shape):
    y_true, y_pred = np.zeros(true_shape, "float32"), np.zeros(pred_shape, "float32")
    with pytest.raises(ValueError, match=shapes_pattern(true_shape, pred_shape)):
        pinball_loss(y_true, y_pred, quantiles=[0.1, 0.5, 0.9])
    with pytest.raises(ValueError, match=shapes_pattern(true_shape, pred_shape)):
        PinballLoss(quantiles=[0.1, 0.5, 0.9])(y_true, y_pred)


def test_one_quantile_refuses_to_broadcast_a_column_against_a_matrix():
    with pytest.raises(ValueError, match=shapes_pattern((8, 1), (8, 3))):
        pinball_loss(np.zeros((8, 1)), np.zeros((8, 3)), quantiles=0.5)


def test_quantiles_apply_column_by_column_to_targets_of_the_shape_of_y_pred():
    # Addons' PinballLoss(tau=[...]) on several targets: column k, quantile k.
    rng = np.random.default_rng(3)
    y_true = rng.normal(size=(6, 3)).astype("float32")
    y_pred = rng.normal(size=(6, 3)).astype("float32")
    quantiles = [0.1, 0.5, 0.9]
    columns = [
        numpy(pinball_loss(y_true[:, k], y_pred[:, k], quantiles=q))
        for k, q in enumerate(quantiles)
    ]
    expected = np.mean(np.stack(columns, axis=-1), axis=-1)
    np.testing.assert_allclose(
        numpy(pinball_loss(y_true, y_pred, quantiles=quantiles)), expected, rtol=1e-6
    )
    d = y_true.astype("float64") - y_pred
    q = np.array(quantiles)
    reference = np.mean(np.maximum(q * d, (q - 1) * d), axis=-1)
    np.testing.assert_allclose(
        numpy(PinballLoss(quantiles=quantiles, reduction=None)(y_true, y_pred)),
        reference,
        rtol=1e-6,
    )

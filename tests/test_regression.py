"""Regression losses against Keras, scikit-learn, PyTorch and NumPy, and at edges.

ScaledMeanSquaredError: a constant factor on Keras's mean squared error.
SmoothL1Loss: PyTorch's SmoothL1Loss, and Keras's Huber up to a factor.
PinballLoss: scikit-learn's mean_pinball_loss, for one quantile or several.
"""

import keras
import numpy as np
import pytest
from backend_tools import gradient, jit
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from keras import ops
from references_regression import pinball, smooth_l1
from sklearn.metrics import mean_pinball_loss

from lossbook import (
    PinballLoss,
    ScaledMeanSquaredError,
    SmoothL1Loss,
    pinball_loss,
    scaled_mean_squared_error,
    smooth_l1_loss,
)


def batch(seed=0, shape=(32, 3)):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape).astype("float32"), rng.normal(size=shape).astype(
        "float32"
    )


def test_scale_one_equals_keras_mean_squared_error():
    y_true, y_pred = batch()
    ours = ScaledMeanSquaredError()(y_true, y_pred)
    assert float(ours) == pytest.approx(
        float(keras.losses.MeanSquaredError()(y_true, y_pred)), rel=1e-6
    )


def test_scale_multiplies_the_loss_and_its_gradient_and_nothing_else():
    y_true, y_pred = batch()

    def loss_and_gradient(scale):
        loss = ops.sum(scaled_mean_squared_error(y_true, y_pred, scale))
        grad = gradient(lambda p: scaled_mean_squared_error(y_true, p, scale), y_pred)
        return float(loss), grad

    loss_1, gradient_1 = loss_and_gradient(1.0)
    loss_06, gradient_06 = loss_and_gradient(0.6)
    assert loss_06 == pytest.approx(0.6 * loss_1, rel=1e-6)
    np.testing.assert_allclose(gradient_06, 0.6 * gradient_1, rtol=1e-6)


@pytest.mark.parametrize("scale", [0, -0.6, float("nan"), "0.6"])
def test_invalid_scale_raises_naming_it(scale):
    with pytest.raises(ValueError, match=rf"`scale` must be .*scale={scale!r}"):
        ScaledMeanSquaredError(scale=scale)


def numpy(x):
    return ops.convert_to_numpy(x)


# SmoothL1Loss ---------------------------------------------------------------


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 3.0])
def test_smooth_l1_matches_numpy_formula_on_random_inputs(beta):
    y_true, y_pred = batch(seed=3)
    got = numpy(smooth_l1_loss(y_true, y_pred, beta))
    np.testing.assert_allclose(got, smooth_l1(y_true, y_pred, beta), rtol=1e-5)


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
        numpy(smooth_l1_loss(y_true, y_pred, beta)),
        elementwise.mean(dim=-1).numpy(),
        rtol=1e-5,
        atol=1e-7,
    )


@pytest.mark.parametrize("delta", [0.25, 1.0, 2.5])
def test_keras_huber_equals_delta_times_smooth_l1_with_beta_delta(delta):
    y_true, y_pred = batch(seed=5)
    huber = keras.losses.Huber(delta=delta, reduction=None)(y_true, y_pred)
    ours = SmoothL1Loss(beta=delta, reduction=None)(y_true, y_pred)
    np.testing.assert_allclose(delta * numpy(ours), numpy(huber), rtol=1e-5)


def test_smooth_l1_with_beta_zero_is_keras_mean_absolute_error():
    y_true, y_pred = batch(seed=6)
    np.testing.assert_allclose(
        numpy(smooth_l1_loss(y_true, y_pred, beta=0.0)),
        numpy(keras.losses.mean_absolute_error(y_true, y_pred)),
        rtol=1e-6,
    )


@pytest.mark.parametrize("beta", [0.0, 1.0])
def test_smooth_l1_is_zero_with_zero_gradient_at_a_perfect_prediction(beta):
    y_true, _ = batch(seed=7, shape=(4, 3))
    loss = numpy(smooth_l1_loss(y_true, y_true, beta))
    grads = gradient(lambda p: smooth_l1_loss(y_true, p, beta), y_true)
    np.testing.assert_array_equal(loss, 0.0)
    np.testing.assert_array_equal(grads, 0.0)


def test_smooth_l1_gradient_is_d_over_beta_inside_and_its_sign_outside():
    y_true = np.zeros((1, 4), "float32")
    y_pred = np.array([[-5.0, -0.5, 0.25, 40.0]], "float32")
    grads = gradient(lambda p: smooth_l1_loss(y_true, p, 2.0), y_pred)
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
    values = numpy(smooth_l1_loss(y_true, y_pred, beta))
    grads = gradient(lambda p: smooth_l1_loss(y_true, p, beta), y_pred)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads))
    # atol: 0.5 * (1e-30)**2 / beta underflows to 0 in float32, as it should.
    expected = smooth_l1(y_true, y_pred, beta)
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-30)
    assert np.all(np.abs(grads) <= 1 / 4 + 1e-7)


def test_smooth_l1_compiles_and_agrees_with_eager():
    y_true, y_pred = batch(seed=8)
    loss = SmoothL1Loss(beta=0.5)
    assert float(jit(loss)(y_true, y_pred)) == pytest.approx(
        float(loss(y_true, y_pred)), rel=1e-6
    )


@pytest.mark.parametrize(
    ("beta", "message"),
    [
        (-0.5, "`beta` must be >= 0, got beta=-0.5"),
        (float("nan"), "`beta` must be finite, got beta=nan"),
        (float("inf"), "`beta` must be finite, got beta=inf"),
        ("1", "`beta` must be a number, got beta='1'"),
        (True, "`beta` must be a number, got beta=True"),
        (None, "`beta` must be a number, got beta=None"),
    ],
)
def test_invalid_beta_raises_naming_it_in_class_and_function(beta, message):
    with pytest.raises(ValueError, match=message):
        SmoothL1Loss(beta=beta)
    with pytest.raises(ValueError, match=message):
        smooth_l1_loss(np.zeros((2, 1)), np.zeros((2, 1)), beta=beta)


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


def test_several_quantiles_match_numpy_per_sample_and_per_quantile():
    quantiles = (0.2, 0.7, 0.95)
    rng = np.random.default_rng(11)
    y_true = rng.normal(size=(5, 6)).astype("float32")
    y_pred = rng.normal(size=(5, 6, 3)).astype("float32")
    got = numpy(pinball_loss(y_true, y_pred, quantiles))
    assert got.shape == (5, 6)
    np.testing.assert_allclose(got, pinball(y_true, y_pred, quantiles), rtol=1e-5)


def test_targets_with_and_without_a_trailing_unit_axis_give_the_same_loss():
    rng = np.random.default_rng(12)
    y_true = rng.normal(size=8).astype("float32")
    y_pred = rng.normal(size=(8, 3)).astype("float32")
    loss = PinballLoss(quantiles=[0.1, 0.5, 0.9])
    assert float(loss(y_true, y_pred)) == pytest.approx(
        float(loss(y_true[:, None], y_pred)), rel=1e-7
    )


def test_a_list_of_one_quantile_equals_the_float_quantile():
    y_true, y_pred = batch(seed=13, shape=(8, 1))
    np.testing.assert_allclose(
        numpy(pinball_loss(y_true, y_pred, [0.3])),
        numpy(pinball_loss(y_true, y_pred, 0.3)),
    )


def test_median_pinball_is_half_the_mean_absolute_error():
    y_true, y_pred = batch(seed=14)
    np.testing.assert_allclose(
        numpy(pinball_loss(y_true, y_pred, 0.5)),
        0.5 * numpy(keras.losses.mean_absolute_error(y_true, y_pred)),
        rtol=1e-6,
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
            quantile,
        )
    )
    best = candidates[int(np.argmin(totals))]
    assert best == pytest.approx(np.quantile(y, quantile), abs=0.01)


def test_pinball_is_zero_with_finite_gradient_at_a_perfect_prediction():
    y_true = np.array([[1.0], [-2.0]], "float32")
    y_pred = np.repeat(y_true, 3, axis=1)
    function = lambda p: pinball_loss(y_true, p, [0.1, 0.5, 0.9])  # noqa: E731
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
    values = numpy(pinball_loss(y_true, y_pred, quantiles))
    grads = gradient(lambda p: pinball_loss(y_true, p, quantiles), y_pred)
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    # Each prediction moves the loss by at most max(q, 1 - q) / K per unit.
    assert np.all(np.abs(grads) <= 1 / 3 + 1e-7)


@pytest.mark.parametrize(
    ("true_shape", "pred_shape"),
    [
        ((8, 3), (8, 3)),  # one target per quantile is not this loss's layout
        ((8, 1), (8, 2)),  # two predictions for three quantiles
        ((8,), (8, 4)),
        ((4,), (8, 3)),  # different batch sizes
        ((8, 2, 1), (8, 3)),
        ((8, 1), (3,)),
    ],
)
def test_quantile_shape_mismatch_raises_naming_both_shapes(true_shape, pred_shape):
    y_true, y_pred = np.zeros(true_shape, "float32"), np.zeros(pred_shape, "float32")
    expected = rf"y_true.shape={true_shape}.*y_pred.shape={pred_shape}".replace(
        "(", r"\("
    ).replace(")", r"\)")
    with pytest.raises(ValueError, match=expected):
        pinball_loss(y_true, y_pred, [0.1, 0.5, 0.9])
    with pytest.raises(ValueError, match=expected):
        PinballLoss([0.1, 0.5, 0.9])(y_true, y_pred)


def test_one_quantile_refuses_to_broadcast_a_column_against_a_matrix():
    with pytest.raises(ValueError, match=r"y_true.shape=\(8, 1\).*\(8, 3\)"):
        pinball_loss(np.zeros((8, 1)), np.zeros((8, 3)), 0.5)


@pytest.mark.parametrize(
    ("quantiles", "expected"),
    [(0.25, 0.25), (np.float64(0.75), 0.75), ([0.1, 0.9], [0.1, 0.9]), ((0.5,), [0.5])],
)
def test_get_config_serializes_quantiles_as_float_or_list(quantiles, expected):
    config = PinballLoss(quantiles=quantiles).get_config()
    assert config["quantiles"] == expected
    assert type(config["quantiles"]) is type(expected)
    assert PinballLoss.from_config(config).get_config() == config


@pytest.mark.parametrize(
    ("quantiles", "message"),
    [
        (0.0, r"`quantiles` must be in \(0, 1\), got quantiles=0.0"),
        (1, r"`quantiles` must be in \(0, 1\), got quantiles=1"),
        (float("nan"), "`quantiles` must be finite, got quantiles=nan"),
        ("0.5", "`quantiles` must be a number, got quantiles='0.5'"),
        (True, "`quantiles` must be a number, got quantiles=True"),
        ([], r"`quantiles` must be a number in \(0, 1\) or a non-empty sequence"),
        ([0.5, 1.5], r"`quantiles\[1\]` must be in \(0, 1\), got quantiles\[1\]=1.5"),
        ([0.5, None], r"`quantiles\[1\]` must be a number, got quantiles\[1\]=None"),
    ],
)
def test_invalid_quantiles_raise_naming_them_in_class_and_function(quantiles, message):
    with pytest.raises(ValueError, match=message):
        PinballLoss(quantiles=quantiles)
    with pytest.raises(ValueError, match=message):
        pinball_loss(np.zeros((2, 1)), np.zeros((2, 1)), quantiles=quantiles)

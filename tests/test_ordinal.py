"""WeightedKappaLoss against TF Addons' formula and scikit-learn's kappa, and edges.

Arguments and the values on random batches are checked by test_contract.py.
"""

import numpy as np
import pytest
from cases.ordinal import one_hot_targets_and_probabilities
from helpers import all_finite, float64, gradient, numpy, shapes_pattern
from hypothesis import given, settings
from hypothesis import strategies as st
from references.ordinal import tfa_weighted_kappa_loss
from sklearn.metrics import cohen_kappa_score

from lossbook import WeightedKappaLoss, weighted_kappa_loss

WEIGHTAGES = ["linear", "quadratic"]
by_weightage = pytest.mark.parametrize("weightage", WEIGHTAGES)


def batch(num_classes=5, size=32, seed=0):
    return one_hot_targets_and_probabilities(num_classes)(
        np.random.default_rng(seed), (size, num_classes)
    )


def test_tf_addons_documented_example_gives_its_value():
    # The usage example of tfa.losses.WeightedKappaLoss prints -1.1611923.
    y_true = np.eye(4, dtype="float32")[[2, 1, 0, 3]]
    y_pred = np.array(
        [
            [0.1, 0.2, 0.6, 0.1],
            [0.1, 0.5, 0.3, 0.1],
            [0.8, 0.05, 0.05, 0.1],
            [0.01, 0.09, 0.1, 0.8],
        ],
        dtype="float32",
    )
    loss = WeightedKappaLoss(num_classes=4)(y_true, y_pred)
    assert float(loss) == pytest.approx(-1.1611923, rel=1e-6)


@by_weightage
@pytest.mark.parametrize("num_classes", [2, 3, 7])
def test_default_reduction_gives_tf_addons_batch_value(weightage, num_classes):
    y_true, y_pred = batch(num_classes, seed=num_classes)
    expected = tfa_weighted_kappa_loss(y_true, y_pred, num_classes, weightage)
    loss = WeightedKappaLoss(num_classes=num_classes, weightage=weightage)
    assert float(loss(y_true, y_pred)) == pytest.approx(expected, rel=1e-5)


@by_weightage
def test_soft_targets_follow_tf_addons_expected_label(weightage):
    rng = np.random.default_rng(1)
    y_true = rng.dirichlet(np.ones(4), 16).astype("float32")
    _, y_pred = batch(4, size=16, seed=1)
    expected = tfa_weighted_kappa_loss(y_true, y_pred, 4, weightage)
    got = weighted_kappa_loss(y_true, y_pred, num_classes=4, weightage=weightage)
    np.testing.assert_allclose(numpy(got), np.full(16, expected), rtol=1e-5)


@by_weightage
@pytest.mark.parametrize("seed", range(5))
def test_one_hot_predictions_give_one_minus_sklearn_kappa(weightage, seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 5, 40)
    guess = np.clip(truth + rng.integers(-2, 3, 40), 0, 4)
    kappa = cohen_kappa_score(truth, guess, labels=np.arange(5), weights=weightage)
    with float64():
        loss = weighted_kappa_loss(
            np.eye(5)[truth], np.eye(5)[guess], num_classes=5, weightage=weightage
        )
    ratio = np.exp(numpy(loss)) - 1e-6
    np.testing.assert_allclose(ratio, 1 - kappa, rtol=1e-10)


@by_weightage
def test_soft_predictions_give_one_minus_kappa_of_the_expected_confusion(weightage):
    y_true, y_pred = (np.float64(a) for a in batch(6, size=50, seed=2))
    # Rows summing to 1 in float64: TF Addons divides by the batch size, this
    # formula by the total mass of the confusion matrix.
    y_pred /= y_pred.sum(axis=1, keepdims=True)
    confusion = y_true.T @ y_pred  # expected counts of (true class, predicted class)
    chance = np.outer(confusion.sum(1), confusion.sum(0)) / confusion.sum()
    distance = np.abs(np.subtract.outer(np.arange(6), np.arange(6)))
    weights = distance if weightage == "linear" else distance**2
    kappa = 1 - (weights * confusion).sum() / (weights * chance).sum()
    with float64():
        loss = weighted_kappa_loss(y_true, y_pred, num_classes=6, weightage=weightage)
    np.testing.assert_allclose(np.exp(numpy(loss)) - 1e-6, 1 - kappa, rtol=1e-10)


@by_weightage
def test_perfect_predictions_give_log_epsilon(weightage):
    y_true = np.eye(4)[[0, 1, 2, 3, 3, 1]]
    with float64():
        loss = weighted_kappa_loss(
            y_true, y_true, num_classes=4, weightage=weightage, epsilon=1e-4
        )
    np.testing.assert_allclose(numpy(loss), np.log(1e-4), rtol=1e-12)


def test_batch_of_one_class_is_chance_agreement_with_loss_near_zero():
    # All targets in one class: observed and chance agreement are the same sum.
    y_true = np.eye(3, dtype="float32")[[1, 1, 1, 1]]
    _, y_pred = batch(3, size=4, seed=3)
    loss = numpy(weighted_kappa_loss(y_true, y_pred, num_classes=3))
    np.testing.assert_allclose(loss, np.log1p(1e-6), atol=1e-6)


def test_zero_over_zero_counts_as_zero_as_in_divide_no_nan():
    # One class, predicted exactly: numerator and denominator are both 0.
    y_true = np.eye(3)[[2, 2, 2]]
    function = lambda p: weighted_kappa_loss(y_true, p, num_classes=3)  # noqa: E731
    with float64():
        np.testing.assert_allclose(numpy(function(y_true)), np.log(1e-6), rtol=1e-12)
    assert all_finite(gradient(function, y_true))


def test_every_sample_carries_the_batch_value_and_weights_scale_it():
    y_true, y_pred = batch(4, size=8, seed=4)
    values = numpy(weighted_kappa_loss(y_true, y_pred, num_classes=4))
    assert values.shape == (8,) and np.ptp(values) == 0
    weights = np.arange(1, 9, dtype="float32")
    weighted = WeightedKappaLoss(num_classes=4)(y_true, y_pred, sample_weight=weights)
    assert float(weighted) == pytest.approx(weights.mean() * values[0], rel=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    labels=st.lists(st.integers(0, 3), min_size=8, max_size=8),
    rows=st.lists(
        st.lists(st.sampled_from([0.0, 1.0]) | st.floats(0, 1), min_size=4, max_size=4),
        min_size=8,
        max_size=8,
    ),
    weightage=st.sampled_from(WEIGHTAGES),
)
def test_values_and_gradients_stay_finite_for_any_probabilities(
    labels, rows, weightage
):
    # Exact zeros and ones, perfect and single-class batches included; one
    # shape for every example (on JAX each new shape compiles again).
    y_true = np.eye(4, dtype="float32")[labels]
    y_pred = np.array(rows, dtype="float32")
    sums = y_pred.sum(axis=1, keepdims=True)
    y_pred = np.where(sums > 0, y_pred / np.maximum(sums, 1e-30), 0.25)
    y_pred = y_pred.astype("float32")
    function = lambda p: weighted_kappa_loss(  # noqa: E731
        y_true, p, num_classes=4, weightage=weightage
    )
    assert all_finite(function(y_pred), gradient(function, y_pred))


def test_num_classes_is_required_by_class_and_function():
    with pytest.raises(TypeError, match="num_classes"):
        WeightedKappaLoss()
    y = np.eye(4)[[0, 1]]
    with pytest.raises(TypeError, match=r"missing the keyword arguments \['num_"):
        weighted_kappa_loss(y, y)


@pytest.mark.parametrize(
    ("true_shape", "pred_shape"),
    [((8, 3), (8, 3)), ((8, 4, 2), (8, 4, 2)), ((8, 4), (8, 5)), ((8,), (8, 4))],
)
def test_wrong_shapes_raise_naming_both_shapes(true_shape, pred_shape):
    y_true, y_pred = np.zeros(true_shape), np.zeros(pred_shape)
    with pytest.raises(ValueError, match=shapes_pattern(true_shape, pred_shape)):
        weighted_kappa_loss(y_true, y_pred, num_classes=4)
    with pytest.raises(ValueError, match=shapes_pattern(true_shape, pred_shape)):
        WeightedKappaLoss(num_classes=4)(y_true, y_pred)

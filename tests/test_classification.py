"""Classification losses against Keras, TensorFlow and PyTorch, and at edges.

WeightedBinaryCrossentropy: Keras's BCE, tf.nn and PyTorch's pos_weight.
PolyLoss: Keras's categorical cross-entropy at epsilon=0, the paper's code.
Arguments, Keras twins at the defaults, rank alignment and compilation are
checked for every loss by test_contract.py.
"""

import keras
import numpy as np
import pytest
from helpers import BACKEND, float64, gradient, numpy, shapes_pattern
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from references import classification as ref
from references import log_softmax

from lossbook import (
    PolyLoss,
    WeightedBinaryCrossentropy,
    poly_loss,
    weighted_binary_crossentropy,
)

torch = pytest.importorskip(
    "torch", reason="PyTorch is a test dependency (torch==2.13.0)"
)


def random_batch(seed=0, shape=(32, 4)):
    rng = np.random.default_rng(seed)
    y = (rng.random(shape) < 0.3).astype("float32")
    return y, rng.normal(0, 3, shape).astype("float32")


@pytest.mark.parametrize("from_logits", [True, False])
def test_pos_weight_one_with_label_smoothing_equals_keras_binary_crossentropy(
    from_logits,
):
    y, logits = random_batch()
    y_pred = logits if from_logits else 1 / (1 + np.exp(-logits))
    options = {"from_logits": from_logits, "label_smoothing": 0.1}
    ours = WeightedBinaryCrossentropy(pos_weight=1.0, **options)(y, y_pred)
    keras_loss = keras.losses.BinaryCrossentropy(**options)(y, y_pred)
    assert float(ours) == pytest.approx(float(keras_loss), rel=1e-5)


@pytest.mark.parametrize("pos_weight", [0.25, 1.0, 3.0, 20.0])
def test_logits_match_torch_bce_with_logits_pos_weight(pos_weight):
    y, logits = random_batch()
    torch_loss = torch.nn.BCEWithLogitsLoss(
        pos_weight=torch.tensor(pos_weight), reduction="none"
    )(torch.from_numpy(logits), torch.from_numpy(y))
    ours = weighted_binary_crossentropy(
        y, logits, pos_weight=pos_weight, from_logits=True
    )
    np.testing.assert_allclose(numpy(ours), torch_loss.mean(dim=-1).numpy(), rtol=1e-5)


def test_logits_match_tf_weighted_cross_entropy_with_logits():
    tf = pytest.importorskip("tensorflow")
    y, logits = random_batch()
    tf_loss = tf.nn.weighted_cross_entropy_with_logits(y, logits, pos_weight=4.0)
    ours = weighted_binary_crossentropy(y, logits, pos_weight=4.0, from_logits=True)
    np.testing.assert_allclose(
        numpy(ours), tf.reduce_mean(tf_loss, axis=-1).numpy(), rtol=1e-5
    )


def test_label_smoothing_moves_targets_towards_one_half():
    y, logits = random_batch()
    ours = weighted_binary_crossentropy(
        y, logits, pos_weight=2.0, from_logits=True, label_smoothing=0.2
    )
    expected = ref.weighted_bce_from_logits(y * 0.8 + 0.1, logits, 2.0)
    np.testing.assert_allclose(numpy(ours), expected, rtol=1e-5)


def test_axis_chooses_the_averaged_axis():
    y, logits = random_batch(shape=(4, 3, 5))
    ours = weighted_binary_crossentropy(
        y, logits, pos_weight=2.0, from_logits=True, axis=1
    )
    expected = ref.weighted_bce_from_logits(
        np.moveaxis(y, 1, -1), np.moveaxis(logits, 1, -1), 2.0
    )
    assert ours.shape == (4, 5)
    np.testing.assert_allclose(numpy(ours), expected, rtol=1e-5)


def test_extreme_logits_give_exact_finite_values_and_gradients():
    y = np.array([[1.0], [1.0], [0.0], [0.0]], dtype="float32")
    logits = np.array([[-100.0], [100.0], [-100.0], [100.0]], dtype="float32")
    function = lambda x: weighted_binary_crossentropy(  # noqa: E731
        y, x, pos_weight=3.0, from_logits=True
    )
    # A confident miss costs pos_weight * 100 for a positive, 100 for a negative.
    # The exact "zeros" are 3 * softplus(-100) = 1.1e-43: torch keeps the subnormal.
    np.testing.assert_allclose(
        numpy(function(logits)), [300.0, 0.0, 0.0, 100.0], atol=1e-40
    )
    np.testing.assert_allclose(
        gradient(function, logits)[:, 0], [-3.0, 0.0, 0.0, 1.0], atol=1e-6
    )


def test_probabilities_of_exactly_zero_and_one_give_finite_values_and_gradients():
    y = np.array([[1.0], [1.0], [0.0], [0.0]], dtype="float32")
    p = np.array([[0.0], [1.0], [0.0], [1.0]], dtype="float32")
    function = lambda x: weighted_binary_crossentropy(y, x, pos_weight=2.0)  # noqa: E731
    values = numpy(function(p))
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(gradient(function, p)))
    # Clipped to [eps, 1 - eps] in float32, where 1 - eps rounds to 1 - 1.19e-7.
    eps = np.float32(keras.backend.epsilon())
    at_zero, at_one = -np.log(eps), -np.log(np.float32(1) - (np.float32(1) - eps))
    np.testing.assert_allclose(
        values, [2 * at_zero, 0, 0, at_one], rtol=1e-5, atol=1e-6
    )


def test_from_logits_yes_raises_instead_of_counting_as_true():
    # The example: a truthy string used to switch logits on silently.
    y, logits = random_batch()
    with pytest.raises(ValueError, match="`from_logits` must be True or False"):
        weighted_binary_crossentropy(y, logits, pos_weight=3.0, from_logits="yes")


# PolyLoss ---------------------------------------------------------------------


def one_hot_batch(seed=0, shape=(32, 5), scale=3.0):
    rng = np.random.default_rng(seed)
    y = np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])]
    return y, rng.normal(0, scale, shape).astype("float32")


def softmax(x):
    return np.exp(log_softmax(x)).astype("float32")


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_poly_epsilon_zero_equals_keras_categorical_crossentropy(
    from_logits, label_smoothing
):
    y, logits = one_hot_batch(seed=20)
    y_pred = logits if from_logits else softmax(logits)
    options = {"from_logits": from_logits, "label_smoothing": label_smoothing}
    ours = PolyLoss(epsilon=0.0, **options, reduction=None)(y, y_pred)
    keras_loss = keras.losses.CategoricalCrossentropy(**options, reduction=None)
    np.testing.assert_allclose(
        numpy(ours), numpy(keras_loss(y, y_pred)), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("epsilon", [-1.0, 0.5, 1.0, 4.0])
@pytest.mark.parametrize("from_logits", [True, False])
def test_poly_matches_numpy_formula_with_label_smoothing(epsilon, from_logits):
    y, logits = one_hot_batch(seed=21)
    y_pred = logits if from_logits else softmax(logits)
    got = poly_loss(
        y, y_pred, epsilon=epsilon, from_logits=from_logits, label_smoothing=0.2
    )
    expected = ref.poly1(y, y_pred, epsilon, from_logits, 0.2)
    np.testing.assert_allclose(numpy(got), expected, rtol=1e-5, atol=1e-6)


def paper_poly1_cross_entropy(logits, labels, epsilon, alpha):
    """The paper's label-smoothing code (Leng et al. 2022, appendix), as printed."""
    import tensorflow as tf

    num_classes = labels.get_shape().as_list()[-1]
    smooth_labels = labels * (1 - alpha) + alpha / num_classes
    one_minus_pt = tf.reduce_sum(smooth_labels * (1 - tf.nn.softmax(logits)), axis=-1)
    CE_loss = tf.keras.losses.CategoricalCrossentropy(  # noqa: N806
        from_logits=True, label_smoothing=alpha, reduction="none"
    )
    CE = CE_loss(labels, logits)  # noqa: N806
    Poly1 = CE + epsilon * one_minus_pt  # noqa: N806
    return Poly1


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="the paper's code calls tf.keras, which is Keras 3 on the active backend",
)
@pytest.mark.parametrize(("epsilon", "alpha"), [(1.0, 0.0), (2.0, 0.1), (-1.0, 0.3)])
def test_poly_matches_the_papers_tensorflow_code(epsilon, alpha):
    import tensorflow as tf

    y, logits = one_hot_batch(seed=22)
    expected = paper_poly1_cross_entropy(
        tf.constant(logits), tf.constant(y), epsilon, alpha
    )
    ours = poly_loss(
        y, logits, epsilon=epsilon, from_logits=True, label_smoothing=alpha
    )
    np.testing.assert_allclose(numpy(ours), expected.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_poly_matches_torch_cross_entropy_plus_epsilon_times_one_minus_pt(
    label_smoothing,
):
    y, logits = one_hot_batch(seed=23)
    x = torch.from_numpy(logits)
    cross_entropy = torch.nn.functional.cross_entropy(
        x,
        torch.from_numpy(y.argmax(-1)),
        label_smoothing=label_smoothing,
        reduction="none",
    )
    smoothed = torch.from_numpy(y) * (1 - label_smoothing) + label_smoothing / 5
    p_t = (smoothed * torch.softmax(x, dim=-1)).sum(dim=-1)
    expected = cross_entropy + 2.0 * (1 - p_t)
    ours = poly_loss(
        y, logits, epsilon=2.0, from_logits=True, label_smoothing=label_smoothing
    )
    np.testing.assert_allclose(numpy(ours), expected.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("epsilon", [-1.0, 0.0, 1.0, 3.0])
def test_poly_logit_gradient_is_one_plus_epsilon_pt_times_p_minus_y(epsilon):
    y, logits = (np.float64(a) for a in one_hot_batch(seed=24, shape=(6, 4)))
    p = np.exp(log_softmax(logits))
    p_t = (y * p).sum(axis=-1, keepdims=True)
    with float64():
        grads = gradient(
            lambda x: poly_loss(y, x, epsilon=epsilon, from_logits=True), logits
        )
    assert grads.dtype == np.float64
    expected = (1 + epsilon * p_t) * (p - y)
    np.testing.assert_allclose(grads, expected, rtol=1e-10, atol=1e-11)


def test_poly_extreme_logits_give_exact_finite_values_and_gradients():
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], "float32")
    logits = np.array(
        [[100.0, -100.0, 0.0], [100.0, -100.0, 0.0], [1e4, -1e4, 1e4]], "float32"
    )
    function = lambda x: poly_loss(y, x, epsilon=1.0, from_logits=True)  # noqa: E731
    # Right and sure: 0. Wrong by 200: CE 200 plus epsilon * (1 - 0). A tie
    # between two classes at 1e4: CE log 2 plus epsilon * 1/2.
    np.testing.assert_allclose(
        numpy(function(logits)), [0.0, 201.0, np.log(2) + 0.5], atol=1e-5
    )
    assert np.all(np.isfinite(gradient(function, logits)))


def test_poly_probabilities_at_a_perfect_prediction_are_zero_and_finite():
    y, _ = one_hot_batch(seed=25, shape=(4, 3))
    function = lambda p: poly_loss(y, p, epsilon=1.0)  # noqa: E731
    np.testing.assert_allclose(numpy(function(y)), 0.0, atol=1e-6)
    assert np.all(np.isfinite(gradient(function, y)))


@settings(max_examples=25, deadline=None)
@given(
    logits=hnp.arrays(
        np.float32, (3, 4), elements=st.sampled_from([-1e4, -100.0, 0.0, 1.0, 100.0])
    ),
    epsilon=st.sampled_from([-1.0, 0.0, 1.0, 5.0]),
    label_smoothing=st.sampled_from([0.0, 0.1, 1.0]),
)
def test_poly_logits_give_finite_non_negative_values_and_finite_gradients(
    logits, epsilon, label_smoothing
):
    # -log(p) >= 1 - p, so even epsilon = -1 keeps every value >= 0.
    y = np.eye(4, dtype="float32")[[0, 2, 3]]
    function = lambda x: poly_loss(  # noqa: E731
        y, x, epsilon=epsilon, from_logits=True, label_smoothing=label_smoothing
    )
    values = numpy(function(logits))
    assert np.all(np.isfinite(values)) and np.all(values >= -1e-5)
    assert np.all(np.isfinite(gradient(function, logits)))
    np.testing.assert_allclose(
        values,
        ref.poly1(y, logits, epsilon, True, label_smoothing),
        rtol=1e-5,
        atol=1e-5,
    )


def test_poly_logits_with_a_trailing_unit_axis_equal_logits_without_it():
    y, logits = one_hot_batch(seed=26, shape=(8, 5))
    expected = numpy(poly_loss(y, logits, epsilon=2.0, from_logits=True))
    got = poly_loss(y, logits[..., None], epsilon=2.0, from_logits=True)
    np.testing.assert_array_equal(numpy(got), expected)
    loss = PolyLoss(epsilon=2.0, from_logits=True)
    assert float(loss(y, logits[..., None])) == float(loss(y, logits))


def test_poly_with_one_class_raises_naming_both_shapes():
    # A softmax over one class is 1 whatever the logit: nothing to learn.
    y, logits = one_hot_batch(seed=27, shape=(8, 1))
    message = "size >= 2.*" + shapes_pattern((8, 1), (8, 1))
    with pytest.raises(ValueError, match=message):
        poly_loss(y, logits, from_logits=True)
    with pytest.raises(ValueError, match=message):
        PolyLoss(from_logits=True)(y, logits)


@pytest.mark.parametrize("from_logits", [False, True])
def test_pos_and_neg_weight_equal_keras_bce_weighted_by_class(from_logits):
    # What class_weight={0: 0.5, 1: 5.0} does in fit: a sample weight per class.
    rng = np.random.default_rng(4)
    y = (rng.random((16, 1)) < 0.4).astype("float32")
    x = rng.normal(size=(16, 1)).astype("float32")
    y_pred = x if from_logits else 1.0 / (1.0 + np.exp(-x))
    by_class = np.where(y[:, 0] == 1.0, 5.0, 0.5)
    for reduction in ("sum", "sum_over_batch_size", None):
        ours = WeightedBinaryCrossentropy(
            pos_weight=5.0, neg_weight=0.5, from_logits=from_logits, reduction=reduction
        )(y, y_pred)
        theirs = keras.losses.BinaryCrossentropy(
            from_logits=from_logits, reduction=reduction
        )(y, y_pred, sample_weight=by_class)
        np.testing.assert_allclose(numpy(ours), numpy(theirs), rtol=1e-5)

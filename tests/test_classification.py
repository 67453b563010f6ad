"""Classification losses against Keras, TensorFlow and PyTorch, and at edges.

WeightedBinaryCrossentropy: Keras's BCE, tf.nn and PyTorch's pos_weight.
PolyLoss: Keras's categorical cross-entropy at epsilon=0, the paper's code.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from backend_tools import gradient
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from keras import ops
from references import weighted_bce_from_logits
from references_regression import poly1

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
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_pos_weight_one_equals_keras_binary_crossentropy(from_logits, label_smoothing):
    y, logits = random_batch()
    y_pred = logits if from_logits else 1 / (1 + np.exp(-logits))
    options = {"from_logits": from_logits, "label_smoothing": label_smoothing}
    ours = WeightedBinaryCrossentropy(pos_weight=1.0, **options)(y, y_pred)
    keras_loss = keras.losses.BinaryCrossentropy(**options)(y, y_pred)
    assert float(ours) == pytest.approx(float(keras_loss), rel=1e-5)


@pytest.mark.parametrize("pos_weight", [0.25, 1.0, 3.0, 20.0])
def test_logits_match_torch_bce_with_logits_pos_weight(pos_weight):
    y, logits = random_batch()
    torch_loss = torch.nn.BCEWithLogitsLoss(
        pos_weight=torch.tensor(pos_weight), reduction="none"
    )(torch.from_numpy(logits), torch.from_numpy(y))
    ours = weighted_binary_crossentropy(y, logits, pos_weight, from_logits=True)
    np.testing.assert_allclose(
        ops.convert_to_numpy(ours), torch_loss.mean(dim=-1).numpy(), rtol=1e-5
    )


def test_logits_match_tf_weighted_cross_entropy_with_logits():
    y, logits = random_batch()
    tf_loss = tf.nn.weighted_cross_entropy_with_logits(y, logits, pos_weight=4.0)
    ours = weighted_binary_crossentropy(y, logits, 4.0, from_logits=True)
    np.testing.assert_allclose(
        ops.convert_to_numpy(ours), tf.reduce_mean(tf_loss, axis=-1).numpy(), rtol=1e-5
    )


def test_label_smoothing_moves_targets_towards_one_half():
    y, logits = random_batch()
    ours = weighted_binary_crossentropy(
        y, logits, 2.0, from_logits=True, label_smoothing=0.2
    )
    expected = weighted_bce_from_logits(y * 0.8 + 0.1, logits, 2.0)
    np.testing.assert_allclose(ops.convert_to_numpy(ours), expected, rtol=1e-5)


def test_axis_chooses_the_averaged_axis():
    y, logits = random_batch(shape=(4, 3, 5))
    ours = weighted_binary_crossentropy(y, logits, 2.0, from_logits=True, axis=1)
    expected = weighted_bce_from_logits(
        np.moveaxis(y, 1, -1), np.moveaxis(logits, 1, -1), 2.0
    )
    assert ours.shape == (4, 5)
    np.testing.assert_allclose(ops.convert_to_numpy(ours), expected, rtol=1e-5)


def test_extreme_logits_give_exact_finite_values_and_gradients():
    y = np.array([[1.0], [1.0], [0.0], [0.0]], dtype="float32")
    logits = np.array([[-100.0], [100.0], [-100.0], [100.0]], dtype="float32")
    losses = weighted_binary_crossentropy(y, logits, 3.0, from_logits=True)
    grads = gradient(lambda x: weighted_binary_crossentropy(y, x, 3.0, True), logits)
    # A confident miss costs pos_weight * 100 for a positive, 100 for a negative.
    # The exact "zeros" are 3 * softplus(-100) = 1.1e-43: torch keeps the subnormal.
    np.testing.assert_allclose(
        ops.convert_to_numpy(losses), [300.0, 0.0, 0.0, 100.0], atol=1e-40
    )
    np.testing.assert_allclose(grads[:, 0], [-3.0, 0.0, 0.0, 1.0], atol=1e-6)


def test_probabilities_of_exactly_zero_and_one_give_finite_values_and_gradients():
    y = np.array([[1.0], [1.0], [0.0], [0.0]], dtype="float32")
    p = np.array([[0.0], [1.0], [0.0], [1.0]], dtype="float32")
    losses = weighted_binary_crossentropy(y, p, 2.0)
    grads = gradient(lambda x: weighted_binary_crossentropy(y, x, 2.0), p)
    values = ops.convert_to_numpy(losses)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads))
    # Clipped to [eps, 1 - eps] in float32, where 1 - eps rounds to 1 - 1.19e-7.
    eps = np.float32(keras.backend.epsilon())
    at_zero, at_one = -np.log(eps), -np.log(np.float32(1) - (np.float32(1) - eps))
    np.testing.assert_allclose(
        values, [2 * at_zero, 0, 0, at_one], rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"pos_weight": 0.0}, "`pos_weight` must be > 0, got pos_weight=0.0"),
        ({"pos_weight": -2}, "`pos_weight` must be > 0, got pos_weight=-2"),
        (
            {"pos_weight": float("nan")},
            "`pos_weight` must be finite, got pos_weight=nan",
        ),
        ({"pos_weight": "3"}, "`pos_weight` must be a number, got pos_weight='3'"),
        ({"pos_weight": True}, "`pos_weight` must be a number, got pos_weight=True"),
        (
            {"label_smoothing": 1.5},
            r"`label_smoothing` must be in \[0, 1\], got label_smoothing=1.5",
        ),
        (
            {"from_logits": "yes"},
            "`from_logits` must be True or False, got from_logits='yes'",
        ),
        ({"axis": 1.0}, "`axis` must be an int, got axis=1.0"),
    ],
)
def test_invalid_arguments_raise_naming_the_argument_and_value(arguments, message):
    with pytest.raises(ValueError, match=message):
        WeightedBinaryCrossentropy(**arguments)


def test_function_rejects_invalid_pos_weight_too():
    with pytest.raises(ValueError, match="pos_weight=-1.0"):
        weighted_binary_crossentropy(np.ones((2, 1)), np.ones((2, 1)), pos_weight=-1.0)


# PolyLoss ---------------------------------------------------------------------


def one_hot_batch(seed=0, shape=(32, 5), scale=3.0):
    rng = np.random.default_rng(seed)
    y = np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])]
    return y, rng.normal(0, scale, shape).astype("float32")


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype("float32")


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
        ops.convert_to_numpy(ours),
        ops.convert_to_numpy(keras_loss(y, y_pred)),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("epsilon", [-1.0, 0.5, 1.0, 4.0])
@pytest.mark.parametrize("from_logits", [True, False])
def test_poly_matches_numpy_formula_on_random_inputs(epsilon, from_logits):
    y, logits = one_hot_batch(seed=21)
    y_pred = logits if from_logits else softmax(logits)
    got = ops.convert_to_numpy(poly_loss(y, y_pred, epsilon, from_logits, 0.2))
    expected = poly1(y, y_pred, epsilon, from_logits, 0.2)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def paper_poly1_cross_entropy(logits, labels, epsilon, alpha):
    """The paper's label-smoothing code (Leng et al. 2022, appendix), as printed."""
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
    keras.backend.backend() != "tensorflow",
    reason="the paper's code calls tf.keras, which is Keras 3 on the active backend",
)
@pytest.mark.parametrize(("epsilon", "alpha"), [(1.0, 0.0), (2.0, 0.1), (-1.0, 0.3)])
def test_poly_matches_the_papers_tensorflow_code(epsilon, alpha):
    y, logits = one_hot_batch(seed=22)
    expected = paper_poly1_cross_entropy(
        tf.constant(logits), tf.constant(y), epsilon, alpha
    )
    ours = poly_loss(y, logits, epsilon, from_logits=True, label_smoothing=alpha)
    np.testing.assert_allclose(
        ops.convert_to_numpy(ours), expected.numpy(), rtol=1e-5, atol=1e-6
    )


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
    ours = poly_loss(y, logits, 2.0, from_logits=True, label_smoothing=label_smoothing)
    np.testing.assert_allclose(
        ops.convert_to_numpy(ours), expected.numpy(), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("epsilon", [-1.0, 0.0, 1.0, 3.0])
def test_poly_logit_gradient_is_one_plus_epsilon_pt_times_p_minus_y(epsilon):
    y, logits = (np.float64(a) for a in one_hot_batch(seed=24, shape=(6, 4)))
    p = np.exp(logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True))
    p_t = (y * p).sum(axis=-1, keepdims=True)
    grads = gradient(lambda x: poly_loss(y, x, epsilon, from_logits=True), logits)
    # JAX computes in float32 unless jax_enable_x64 is set.
    rtol = 1e-10 if grads.dtype == np.float64 else 1e-5
    expected = (1 + epsilon * p_t) * (p - y)
    np.testing.assert_allclose(grads, expected, rtol=rtol, atol=rtol / 10)


def test_poly_extreme_logits_give_exact_finite_values_and_gradients():
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], "float32")
    logits = np.array(
        [[100.0, -100.0, 0.0], [100.0, -100.0, 0.0], [1e4, -1e4, 1e4]], "float32"
    )
    values = ops.convert_to_numpy(poly_loss(y, logits, 1.0, from_logits=True))
    grads = gradient(lambda x: poly_loss(y, x, 1.0, from_logits=True), logits)
    # Right and sure: 0. Wrong by 200: CE 200 plus epsilon * (1 - 0). A tie
    # between two classes at 1e4: CE log 2 plus epsilon * 1/2.
    np.testing.assert_allclose(values, [0.0, 201.0, np.log(2) + 0.5], atol=1e-5)
    assert np.all(np.isfinite(grads))


def test_poly_probabilities_at_a_perfect_prediction_are_zero_and_finite():
    y, _ = one_hot_batch(seed=25, shape=(4, 3))
    values = ops.convert_to_numpy(poly_loss(y, y, 1.0))
    grads = gradient(lambda p: poly_loss(y, p, 1.0), y)
    np.testing.assert_allclose(values, 0.0, atol=1e-6)
    assert np.all(np.isfinite(grads))


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
        y, x, epsilon, from_logits=True, label_smoothing=label_smoothing
    )
    values = ops.convert_to_numpy(function(logits))
    grads = gradient(function, logits)
    assert np.all(np.isfinite(values)) and np.all(values >= -1e-5)
    assert np.all(np.isfinite(grads))
    np.testing.assert_allclose(
        values,
        poly1(y, logits, epsilon, True, label_smoothing),
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"epsilon": -1.5}, "`epsilon` must be >= -1, got epsilon=-1.5"),
        ({"epsilon": float("nan")}, "`epsilon` must be finite, got epsilon=nan"),
        ({"epsilon": float("inf")}, "`epsilon` must be finite, got epsilon=inf"),
        ({"epsilon": "1"}, "`epsilon` must be a number, got epsilon='1'"),
        ({"epsilon": True}, "`epsilon` must be a number, got epsilon=True"),
        (
            {"label_smoothing": -0.1},
            r"`label_smoothing` must be in \[0, 1\], got label_smoothing=-0.1",
        ),
        (
            {"from_logits": 1},
            "`from_logits` must be True or False, got from_logits=1",
        ),
    ],
)
def test_poly_invalid_arguments_raise_naming_them_in_class_and_function(
    arguments, message
):
    with pytest.raises(ValueError, match=message):
        PolyLoss(**arguments)
    with pytest.raises(ValueError, match=message):
        poly_loss(np.eye(2), np.eye(2), **arguments)


def test_poly_epsilon_minus_one_is_accepted():
    assert PolyLoss(epsilon=-1).get_config()["epsilon"] == -1.0

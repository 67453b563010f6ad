"""WeightedBinaryCrossentropy against Keras, TensorFlow and PyTorch, and at edges."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops
from references import weighted_bce_from_logits

from lossbook import WeightedBinaryCrossentropy, weighted_binary_crossentropy

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
    logits = tf.Variable([[-100.0], [100.0], [-100.0], [100.0]])
    with tf.GradientTape() as tape:
        losses = weighted_binary_crossentropy(y, logits, 3.0, from_logits=True)
        total = ops.sum(losses)
    grads = tape.gradient(total, logits).numpy()
    # A confident miss costs pos_weight * 100 for a positive, 100 for a negative.
    np.testing.assert_allclose(ops.convert_to_numpy(losses), [300.0, 0.0, 0.0, 100.0])
    np.testing.assert_allclose(grads[:, 0], [-3.0, 0.0, 0.0, 1.0], atol=1e-6)


def test_probabilities_of_exactly_zero_and_one_give_finite_values_and_gradients():
    y = np.array([[1.0], [1.0], [0.0], [0.0]], dtype="float32")
    p = tf.Variable([[0.0], [1.0], [0.0], [1.0]])
    with tf.GradientTape() as tape:
        losses = weighted_binary_crossentropy(y, p, 2.0)
        total = ops.sum(losses)
    grads = tape.gradient(total, p).numpy()
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

"""ScaledMeanSquaredError: a constant factor on Keras's mean squared error."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from lossbook import ScaledMeanSquaredError, scaled_mean_squared_error


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
        variable = tf.Variable(y_pred)
        with tf.GradientTape() as tape:
            loss = ops.sum(scaled_mean_squared_error(y_true, variable, scale))
        return float(loss), tape.gradient(loss, variable).numpy()

    loss_1, gradient_1 = loss_and_gradient(1.0)
    loss_06, gradient_06 = loss_and_gradient(0.6)
    assert loss_06 == pytest.approx(0.6 * loss_1, rel=1e-6)
    np.testing.assert_allclose(gradient_06, 0.6 * gradient_1, rtol=1e-6)


@pytest.mark.parametrize("scale", [0, -0.6, float("nan"), "0.6"])
def test_invalid_scale_raises_naming_it(scale):
    with pytest.raises(ValueError, match=rf"`scale` must be .*scale={scale!r}"):
        ScaledMeanSquaredError(scale=scale)

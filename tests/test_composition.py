"""CombinedLoss: a weighted sum of per-sample values that saves with its parts."""

import json
import re

import keras
import numpy as np
import pytest
from backend_tools import gradient
from keras import ops
from references import EPSILON, weighted_bce_from_probabilities

from lossbook import (
    CombinedLoss,
    DistillationLoss,
    JaccardLoss,
    ScaledMeanSquaredError,
    WeightedBinaryCrossentropy,
    combined_loss,
)


def numpy(x):
    return ops.convert_to_numpy(x)


def float64_tolerance(rtol, atol=0.0):
    """Tolerances for float64 inputs. Outside TensorFlow, Keras 3 promotes 64-bit
    dtypes to 32-bit in binary ops such as `maximum` (BIT64_TO_BIT32_DTYPE in
    keras/src/backend/common/dtypes.py), so results are float32-accurate."""
    if keras.backend.backend() == "tensorflow":
        return {"rtol": rtol, "atol": atol}
    return {"rtol": 1e-6, "atol": 2e-7}


def masks(seed=0, shape=(8, 16)):
    rng = np.random.default_rng(seed)
    y_true = (rng.random(shape) < 0.4).astype("float32")
    return y_true, rng.uniform(EPSILON, 1, shape).astype("float32")


def soft_jaccard(y, p, smooth=1.0):
    y, p = np.float64(y), np.float64(p)
    overlap = (y * p).sum(axis=-1)
    union = y.sum(axis=-1) + p.sum(axis=-1) - overlap
    return 1 - (overlap + smooth) / (union + smooth)


def the_issues_example():
    return CombinedLoss(
        [WeightedBinaryCrossentropy(pos_weight=3.0), JaccardLoss()], weights=[1.0, 0.5]
    )


def test_issue_example_is_weighted_bce_plus_half_soft_jaccard():
    y_true, y_pred = masks()
    expected = weighted_bce_from_probabilities(y_true, y_pred, 3.0) + 0.5 * (
        soft_jaccard(y_true, y_pred)
    )
    loss = the_issues_example()
    np.testing.assert_allclose(
        numpy(loss.call(y_true, y_pred)), expected, rtol=1e-5, atol=1e-6
    )
    assert float(loss(y_true, y_pred)) == pytest.approx(expected.mean(), rel=1e-5)


def test_per_sample_values_are_the_weighted_sum_of_each_parts_call():
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.normal(0, 2, (2, 8, 5)).astype("float32")
    parts = [
        DistillationLoss(temperature=3.0),
        ScaledMeanSquaredError(scale=2.0),
        keras.losses.Huber(delta=0.5),
    ]
    got = numpy(combined_loss(y_true, y_pred, parts, weights=[0.5, -0.25, 2.0]))
    expected = sum(
        w * numpy(part.call(y_true, y_pred))
        for w, part in zip([0.5, -0.25, 2.0], parts, strict=True)
    )
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_weights_default_to_one_each():
    y_true, y_pred = masks(seed=2)
    parts = [
        WeightedBinaryCrossentropy(pos_weight=2.0),
        keras.losses.MeanSquaredError(),
    ]
    loss = CombinedLoss(parts)
    assert loss.weights == [1.0, 1.0]
    np.testing.assert_allclose(
        numpy(loss.call(y_true, y_pred)),
        numpy(combined_loss(y_true, y_pred, parts, weights=[1, 1])),
    )


@pytest.mark.parametrize(
    "reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight", None]
)
def test_sample_weights_and_reduction_apply_once_whatever_the_parts_reductions(
    reduction,
):
    y_true, y_pred = masks(seed=3)
    weights = np.random.default_rng(3).random(8).astype("float32")
    # The parts' own reductions ("sum", None) are not used: only their call().
    parts = [
        WeightedBinaryCrossentropy(pos_weight=3.0, reduction="sum"),
        JaccardLoss(reduction=None),
    ]
    loss = CombinedLoss(parts, weights=[1.0, 0.5], reduction=reduction)
    per_sample = weighted_bce_from_probabilities(y_true, y_pred, 3.0) + 0.5 * (
        soft_jaccard(y_true, y_pred)
    )
    weighted = per_sample * weights
    expected = {
        "sum_over_batch_size": weighted.mean(),
        "sum": weighted.sum(),
        "mean_with_sample_weight": weighted.sum() / weights.sum(),
        None: weighted,
    }[reduction]
    got = numpy(loss(y_true, y_pred, sample_weight=weights))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_gradient_is_the_weighted_sum_of_the_parts_gradients():
    y_true, y_pred = (np.float64(a) for a in masks(seed=4, shape=(4, 6)))
    bce, jaccard = WeightedBinaryCrossentropy(pos_weight=3.0), JaccardLoss()
    got = gradient(lambda p: the_issues_example().call(y_true, p), y_pred)
    expected = gradient(lambda p: bce.call(y_true, p), y_pred) + 0.5 * gradient(
        lambda p: jaccard.call(y_true, p), y_pred
    )
    np.testing.assert_allclose(got, expected, **float64_tolerance(rtol=1e-10))


def test_parts_with_per_pixel_and_per_image_values_raise_naming_both_shapes():
    # On (batch, H, W, 1) masks the cross-entropy averages the last axis only,
    # (2, 4, 4); the Jaccard loss gives one value per image, (2,).
    y_true, y_pred = masks(seed=5, shape=(2, 4, 4, 1))
    message = re.escape(
        "got (2, 4, 4) from 'weighted_binary_crossentropy' and (2,) from 'jaccard_loss'"
    )
    with pytest.raises(ValueError, match=message):
        the_issues_example()(y_true, y_pred)
    flat = (a.reshape(2, -1) for a in (y_true, y_pred))
    assert np.isfinite(float(the_issues_example()(*flat)))


def test_a_part_that_rejects_the_inputs_raises_its_own_error():
    with pytest.raises(ValueError, match=r"y_true.shape=\(8, 2\).*y_pred.shape"):
        the_issues_example()(np.zeros((8, 2)), np.zeros((8, 3)))


def test_get_config_holds_each_part_serialized_and_is_json():
    config = the_issues_example().get_config()
    json.dumps(config)
    bce, jaccard = config["losses"]
    assert bce["registered_name"] == "lossbook>WeightedBinaryCrossentropy"
    assert bce["config"]["pos_weight"] == 3.0
    assert jaccard["registered_name"] == "lossbook>JaccardLoss"
    assert config["weights"] == [1.0, 0.5]
    keras_part = CombinedLoss([keras.losses.MeanAbsoluteError()]).get_config()
    assert keras_part["losses"][0]["module"] == "keras.losses"
    assert keras_part["losses"][0]["class_name"] == "MeanAbsoluteError"


def test_model_with_nested_lossbook_and_keras_parts_loads_in_safe_mode(tmp_path):
    inner = CombinedLoss(
        [WeightedBinaryCrossentropy(pos_weight=3.0), keras.losses.MeanSquaredError()],
        weights=[1.0, 2.0],
    )
    loss = CombinedLoss([inner, JaccardLoss(smooth=0.5)], weights=[1.0, 0.5])
    x = np.random.default_rng(6).normal(size=(8, 3)).astype("float32")
    y_true, _ = masks(seed=6, shape=(8, 4))
    model = keras.Sequential(
        [keras.Input(shape=(3,)), keras.layers.Dense(4, activation="sigmoid")]
    )
    model.compile(optimizer="adam", loss=loss)
    model.fit(x, y_true, epochs=1, verbose=0)
    before = model.evaluate(x, y_true, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    nested, jaccard = loaded.loss.losses
    assert type(nested) is CombinedLoss and type(jaccard) is JaccardLoss
    assert [type(p).__name__ for p in nested.losses] == [
        "WeightedBinaryCrossentropy",
        "MeanSquaredError",
    ]
    assert loaded.loss.get_config() == model.loss.get_config()
    assert loaded.evaluate(x, y_true, verbose=0) == pytest.approx(before, rel=1e-6)


@pytest.mark.parametrize(
    ("losses", "message"),
    [
        ([], "`losses` must be a non-empty list of keras.losses.Loss instances"),
        (None, "`losses` must be a non-empty list .*, got losses=None"),
        ("mse", "`losses` must be a non-empty list .*, got losses='mse'"),
        (
            ["mse"],
            "`losses\\[0\\]` must be a keras.losses.Loss, got losses\\[0\\]='mse'",
        ),
        (
            [JaccardLoss(), keras.losses.mean_squared_error],
            "`losses\\[1\\]` must be a keras.losses.Loss, got losses\\[1\\]=<function",
        ),
    ],
)
def test_invalid_losses_raise_naming_the_argument_and_value(losses, message):
    with pytest.raises(ValueError, match=message):
        CombinedLoss(losses)
    with pytest.raises(ValueError, match=message):
        combined_loss(np.zeros((2, 3)), np.zeros((2, 3)), losses)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (
            [1.0],
            r"`weights` must be a list of 2 numbers, one per loss, got weights=\[1.0\]",
        ),
        (
            (1, 2, 3),
            r"`weights` must be a list of 2 numbers, .*got weights=\(1, 2, 3\)",
        ),
        (2.0, "`weights` must be a list of 2 numbers, .*got weights=2.0"),
        ([1.0, float("nan")], r"`weights\[1\]` must be finite, got weights\[1\]=nan"),
        ([1.0, "2"], r"`weights\[1\]` must be a number, got weights\[1\]='2'"),
        ([True, 1.0], r"`weights\[0\]` must be a number, got weights\[0\]=True"),
    ],
)
def test_invalid_weights_raise_naming_the_argument_and_value(weights, message):
    parts = [JaccardLoss(), keras.losses.MeanSquaredError()]
    with pytest.raises(ValueError, match=message):
        CombinedLoss(parts, weights=weights)
    with pytest.raises(ValueError, match=message):
        combined_loss(np.zeros((2, 3)), np.zeros((2, 3)), parts, weights=weights)

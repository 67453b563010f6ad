"""CombinedLoss: a weighted sum of per-sample values that saves with its parts.

Arguments, rank alignment, weights and reductions on random batches are checked
by test_contract.py.
"""

import json
import re

import keras
import numpy as np
import pytest
from helpers import float64, gradient, numpy
from references import EPSILON
from references import classification as classification_ref
from references import segmentation as segmentation_ref

from lossbook import (
    CombinedLoss,
    DistillationLoss,
    JaccardLoss,
    ScaledMeanSquaredError,
    WeightedBinaryCrossentropy,
    combined_loss,
)


def masks(seed=0, shape=(8, 16)):
    rng = np.random.default_rng(seed)
    y_true = (rng.random(shape) < 0.4).astype("float32")
    return y_true, rng.uniform(EPSILON, 1, shape).astype("float32")


def the_issues_example():
    return CombinedLoss(
        [WeightedBinaryCrossentropy(pos_weight=3.0), JaccardLoss()], weights=[1.0, 0.5]
    )


def bce_plus_half_jaccard(y_true, y_pred):
    """The issue's example, per sample, in float64 NumPy."""
    bce = classification_ref.weighted_bce_from_probabilities(y_true, y_pred, 3.0)
    return bce + 0.5 * segmentation_ref.jaccard(y_true, y_pred, 1.0)


def test_issue_example_is_weighted_bce_plus_half_soft_jaccard():
    y_true, y_pred = masks()
    expected = bce_plus_half_jaccard(y_true, y_pred)
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
    weights = [0.5, -0.25, 2.0]
    got = numpy(combined_loss(y_true, y_pred, losses=parts, weights=weights))
    expected = sum(
        w * numpy(part.call(y_true, y_pred))
        for w, part in zip(weights, parts, strict=True)
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
        numpy(combined_loss(y_true, y_pred, losses=parts, weights=[1, 1])),
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
    weighted = bce_plus_half_jaccard(y_true, y_pred) * weights
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
    with float64():
        got = gradient(lambda p: the_issues_example().call(y_true, p), y_pred)
        expected = gradient(lambda p: bce.call(y_true, p), y_pred) + 0.5 * gradient(
            lambda p: jaccard.call(y_true, p), y_pred
        )
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-10)


@pytest.mark.parametrize(
    ("true_shape", "pred_shape"),
    [((8,), (8, 1)), ((8,), (8,))],
    ids=["(B,) vs (B,1)", "(B,) vs (B,)"],
)
def test_ranks_are_aligned_once_for_keras_and_lossbook_parts(true_shape, pred_shape):
    # A Keras part alone averages a rank-1 pair over the batch into one number;
    # aligned once to (B, 1), every part gives one value per sample.
    y_true, y_pred = masks(seed=7, shape=(8, 1))
    parts = [
        keras.losses.MeanSquaredError(),
        WeightedBinaryCrossentropy(pos_weight=2.0),
    ]
    expected = sum(numpy(part.call(y_true, y_pred)) for part in parts)
    got = combined_loss(
        y_true.reshape(true_shape), y_pred.reshape(pred_shape), losses=parts
    )
    assert tuple(got.shape) == (8,)
    np.testing.assert_allclose(numpy(got), expected, rtol=1e-6)


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

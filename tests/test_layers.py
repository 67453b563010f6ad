"""lossbook.layers.CosineHead: its cosines, its config, and a model that saves.

The head's cosines against NumPy's; the losses it feeds are compared with
pytorch-metric-learning through it in test_metric_learning.py.
"""

import keras
import numpy as np
import pytest
from helpers import all_finite, float64, gradient, numpy

import lossbook
from lossbook import ArcFaceLoss, CosFaceLoss, ProxyAnchorLoss
from lossbook.layers import CosineHead


def numpy_cosines(embeddings, kernel, sub_centers):
    x = embeddings / np.linalg.norm(embeddings, axis=-1, keepdims=True)
    w = kernel / np.linalg.norm(kernel, axis=0, keepdims=True)
    cosines = x @ w
    return cosines.reshape(*cosines.shape[:-1], -1, sub_centers).max(axis=-1)


@pytest.mark.parametrize("sub_centers", [1, 3])
def test_outputs_are_cosines_to_the_closest_sub_centre_of_each_class(sub_centers):
    rng = np.random.default_rng(0)
    embeddings, kernel = rng.normal(size=(7, 5)), rng.normal(size=(5, 4 * sub_centers))
    with float64():
        head = CosineHead(4, sub_centers=sub_centers, dtype="float64")
        head.build((None, 5))
        head.kernel.assign(kernel)
        got = numpy(head(embeddings))
    assert got.shape == (7, 4)
    np.testing.assert_allclose(got, numpy_cosines(embeddings, kernel, sub_centers))
    assert np.all(np.abs(got) <= 1.0 + 1e-12)


def test_leading_axes_are_kept_and_only_the_last_is_replaced():
    rng = np.random.default_rng(1)
    embeddings = rng.normal(size=(2, 3, 5)).astype("float32")
    head = CosineHead(4, sub_centers=2)
    got = numpy(head(embeddings))
    assert got.shape == (2, 3, 4) == head.compute_output_shape((2, 3, 5))
    expected = numpy_cosines(embeddings, numpy(head.kernel), 2)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_kernel_holds_every_sub_centre_of_every_class_as_a_column():
    head = CosineHead(10, sub_centers=3)
    head.build((None, 16))
    assert tuple(head.kernel.shape) == (16, 30)
    assert [w.name for w in head.trainable_weights] == ["kernel"]


def test_an_all_zero_embedding_gives_zero_cosines_and_finite_gradients():
    head = CosineHead(3)
    embeddings = np.zeros((2, 4), "float32")
    assert np.all(numpy(head(embeddings)) == 0.0)
    grads = gradient(lambda e: head(e), embeddings)
    assert all_finite(grads)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"num_classes": 0}, "`num_classes` must be >= 1, got num_classes=0"),
        ({"num_classes": 2.0}, "`num_classes` must be an int, got num_classes=2.0"),
        ({"num_classes": True}, "`num_classes` must be an int, got num_classes=True"),
        ({"num_classes": 3, "sub_centers": 0}, "`sub_centers` must be >= 1"),
        ({"num_classes": 3, "sub_centers": "2"}, "`sub_centers` must be an int"),
    ],
)
def test_invalid_arguments_raise_naming_the_argument(arguments, message):
    with pytest.raises(ValueError, match=message):
        CosineHead(**arguments)


def test_numpy_integers_are_accepted_and_stored_as_ints():
    head = CosineHead(np.int64(5), sub_centers=np.int32(2))
    assert head.get_config()["num_classes"] == 5
    assert type(head.num_classes) is int and type(head.sub_centers) is int


def test_get_config_round_trips():
    head = CosineHead(6, sub_centers=2, name="centres", dtype="float64")
    config = head.get_config()
    clone = CosineHead.from_config(config)
    assert clone.get_config() == config
    assert (config["num_classes"], config["sub_centers"]) == (6, 2)
    assert keras.saving.get_registered_name(CosineHead) == "lossbook>CosineHead"


def test_lossbook_layers_is_reachable_from_the_package():
    assert lossbook.layers.CosineHead is CosineHead
    assert "CosineHead" not in lossbook.__all__  # __all__ lists the losses


@pytest.mark.parametrize(
    "loss",
    [ArcFaceLoss(margin=0.3), CosFaceLoss(), ProxyAnchorLoss()],
    ids=lambda loss: type(loss).__name__,
)
def test_a_model_with_the_head_saves_and_loads_with_safe_mode(loss, tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 6)).astype("float32")
    labels = rng.integers(0, 4, 16)
    inputs = keras.Input(shape=(6,))
    embeddings = keras.layers.Dense(8)(inputs)
    model = keras.Model(inputs, CosineHead(4, sub_centers=2)(embeddings))
    model.compile(optimizer="adam", loss=loss)
    model.fit(x, labels, epochs=1, batch_size=8, verbose=0)
    before_outputs = numpy(model(x))
    before_loss = model.evaluate(x, labels, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    head = loaded.layers[-1]
    assert type(head) is CosineHead and head.sub_centers == 2
    assert type(loaded.loss) is type(loss)
    np.testing.assert_allclose(numpy(loaded(x)), before_outputs, rtol=1e-6)
    assert loaded.evaluate(x, labels, verbose=0) == pytest.approx(before_loss, 1e-6)

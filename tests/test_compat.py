"""`lossbook.compat.addons`: models saved with TensorFlow Addons losses load.

The configs below are what Addons' `get_config` wrote (its `LossFunctionWrapper`
adds the function's keyword arguments to `reduction` and `name`; its
`WeightedKappaLoss` forces `reduction="none"` and saves its dtype), with the
class names Addons registered under its package name, `"Addons>..."`.
"""

import json
import zipfile

import keras
import numpy as np
import pytest
from helpers import numpy

import lossbook
import lossbook.compat.addons as addons

ADDONS_CONFIGS = {
    "ContrastiveLoss": {
        "reduction": "sum_over_batch_size",
        "name": "contrastive_loss",
        "margin": 1.0,
    },
    "GIoULoss": {"reduction": "auto", "name": "giou_loss", "mode": "giou"},
    "LiftedStructLoss": {
        "reduction": "sum_over_batch_size",
        "name": None,
        "margin": 0.5,
    },
    "NpairsLoss": {"reduction": "sum_over_batch_size", "name": "npairs_loss"},
    "NpairsMultilabelLoss": {
        "reduction": "sum_over_batch_size",
        "name": "npairs_multilabel_loss",
    },
    "PinballLoss": {"reduction": "auto", "name": "pinball_loss", "tau": 0.9},
    "TripletHardLoss": {
        "reduction": "sum_over_batch_size",
        "name": None,
        "margin": 0.3,
        "soft": True,
        "distance_metric": "angular",
    },
    "TripletSemiHardLoss": {
        "reduction": "sum_over_batch_size",
        "name": None,
        "margin": 0.3,
        "distance_metric": "squared-L2",
    },
    "WeightedKappaLoss": {
        "reduction": "none",
        "name": "cohen_kappa_loss",
        "num_classes": 4,
        "weightage": "linear",
        "epsilon": 1e-6,
        "dtype": "float32",
    },
}

# The lossbook arguments each Addons config must become.
EXPECTED_ARGUMENTS = {
    "ContrastiveLoss": {"margin": 1.0},
    "GIoULoss": {"mode": "giou"},
    "LiftedStructLoss": {"margin": 0.5},
    "NpairsLoss": {},
    "NpairsMultilabelLoss": {},
    "PinballLoss": {"quantiles": 0.9},
    "TripletHardLoss": {"margin": 0.3, "soft": True, "distance_metric": "angular"},
    "TripletSemiHardLoss": {"margin": 0.3, "distance_metric": "squared-L2"},
    "WeightedKappaLoss": {"num_classes": 4, "weightage": "linear", "epsilon": 1e-6},
}


def test_every_addons_loss_class_is_mapped_or_explained():
    # Addons 0.23 has eleven loss classes.
    assert len(addons.EQUIVALENTS) + len(addons.NOT_PORTED) == 11
    assert set(addons.EQUIVALENTS) == set(ADDONS_CONFIGS)


@pytest.mark.parametrize("addons_name", sorted(ADDONS_CONFIGS))
def test_an_addons_config_loads_as_the_lossbook_class_with_its_arguments(addons_name):
    loss = keras.losses.deserialize(
        {"class_name": f"Addons>{addons_name}", "config": ADDONS_CONFIGS[addons_name]}
    )
    target, _ = addons.EQUIVALENTS[addons_name]
    assert type(loss) is target
    assert loss.reduction == "sum_over_batch_size"
    for argument, value in EXPECTED_ARGUMENTS[addons_name].items():
        assert getattr(loss, argument) == value


@pytest.mark.parametrize("addons_name", sorted(addons.NOT_PORTED))
def test_a_loss_without_equivalent_raises_saying_what_to_use(addons_name):
    config = {"class_name": f"Addons>{addons_name}", "config": {"name": "x"}}
    with pytest.raises(ValueError, match=f"Addons' {addons_name} has no lossbook"):
        keras.losses.deserialize(config)


def labelled_embeddings():
    rng = np.random.default_rng(0)
    return rng.integers(0, 3, 12), rng.normal(size=(12, 4)).astype("float32")


def embedding_model():
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(3, name="embedding")(inputs))


def as_saved_by_addons(path, addons_name, config, module):
    """Rewrites the loss of a saved `.keras` file the way Addons saved it."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    saved = json.loads(files["config.json"])
    saved["compile_config"]["loss"] = {
        "module": module,
        "class_name": addons_name,
        "config": config,
        "registered_name": f"Addons>{addons_name}",
    }
    files["config.json"] = json.dumps(saved).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


@pytest.mark.parametrize(
    ("addons_name", "module"),
    [
        ("TripletSemiHardLoss", "tensorflow_addons.losses.triplet"),
        ("TripletHardLoss", "tensorflow_addons.losses.triplet"),
    ],
)
def test_a_model_saved_with_an_addons_loss_loads_in_safe_mode_and_evaluates_alike(
    addons_name, module, tmp_path
):
    labels, x = labelled_embeddings()
    model = embedding_model()
    model.compile(loss="mse")
    path = tmp_path / "addons.keras"
    model.save(path)
    config = ADDONS_CONFIGS[addons_name]
    as_saved_by_addons(path, addons_name, config, module)

    loaded = keras.saving.load_model(path, safe_mode=True)

    target, _ = addons.EQUIVALENTS[addons_name]
    assert type(loaded.loss) is target
    expected = target(**EXPECTED_ARGUMENTS[addons_name])(labels, model.predict(x))
    assert float(loaded.evaluate(x, labels, verbose=0)) == pytest.approx(
        float(expected), rel=1e-5
    )
    # Saved again, the model names lossbook's class, not Addons'.
    loaded.save(tmp_path / "again.keras")
    with zipfile.ZipFile(tmp_path / "again.keras") as archive:
        saved = json.loads(archive.read("config.json"))
    assert saved["compile_config"]["loss"]["registered_name"] == (
        f"lossbook>{target.__name__}"
    )


def test_a_pinball_config_with_one_tau_per_target_column_loads_column_by_column():
    # Addons' tau could be a list, one quantile per target column.
    config = {"reduction": "auto", "name": "pinball_loss", "tau": [0.1, 0.5, 0.9]}
    loss = keras.losses.deserialize(
        {"class_name": "Addons>PinballLoss", "config": config}
    )
    y_true = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], "float32")
    y_pred = np.array([[1.5, 1.0, 2.0], [1.0, -1.0, 0.5]], "float32")
    tau = np.array([0.1, 0.5, 0.9])
    d = np.float64(y_true) - y_pred
    addons_values = np.mean(np.maximum(tau * d, (tau - 1) * d), axis=-1)
    assert float(loss(y_true, y_pred)) == pytest.approx(addons_values.mean(), rel=1e-6)


def addons_sigmoid_focal(y_true, y_pred, alpha, gamma):
    """Addons' `sigmoid_focal_crossentropy` on probabilities, in float64."""
    y_true, p = np.float64(y_true), np.float64(y_pred)
    ce = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    p_t = y_true * p + (1 - y_true) * (1 - p)
    alpha_factor = y_true * alpha + (1 - y_true) * (1 - alpha)
    return np.sum(alpha_factor * (1 - p_t) ** gamma * ce, axis=-1)


def test_the_advice_for_sigmoid_focal_crossentropy_holds_up_to_the_last_axis():
    # NOT_PORTED says: Keras's balanced binary focal loss computes the same
    # elements and averages the last axis where Addons sums it.
    rng = np.random.default_rng(1)
    y_true = (rng.random((6, 5)) < 0.4).astype("float32")
    y_pred = rng.uniform(0.05, 0.95, (6, 5)).astype("float32")
    keras_values = keras.losses.BinaryFocalCrossentropy(
        apply_class_balancing=True, alpha=0.25, gamma=2.0, reduction=None
    )(y_true, y_pred)
    np.testing.assert_allclose(
        numpy(keras_values) * 5,
        addons_sigmoid_focal(y_true, y_pred, 0.25, 2.0),
        rtol=1e-5,
    )


def test_lossbook_config_keeps_what_keras_3_accepts_and_renames_the_rest():
    config = addons.lossbook_config("PinballLoss", ADDONS_CONFIGS["PinballLoss"])
    assert config == {
        "reduction": "sum_over_batch_size",
        "name": "pinball_loss",
        "quantiles": 0.9,
    }
    assert lossbook.PinballLoss.from_config(config).get_config()["quantiles"] == 0.9

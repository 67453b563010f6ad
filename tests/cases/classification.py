"""Contract data of the classification losses (src/lossbook/classification.py)."""

import keras
import numpy as np
from references import classification as ref

import lossbook
from cases import (
    CLASSES,
    OWN,
    KerasTwin,
    LossCase,
    LossSpec,
    binary_targets_and_logits,
    binary_targets_and_probabilities,
    clipped_probabilities,
    one_hot_and_logits,
    one_hot_and_probabilities,
)

SPECS = [
    LossSpec(
        lossbook.WeightedBinaryCrossentropy,
        lossbook.weighted_binary_crossentropy,
        non_default={
            "pos_weight": 2.5,
            "neg_weight": 0.4,
            "from_logits": True,
            "label_smoothing": 0.1,
            "axis": 1,
        },
        invalid=(
            ({"pos_weight": 0.0}, r"`pos_weight` must be > 0, got pos_weight=0.0\."),
            ({"pos_weight": -2}, r"`pos_weight` must be > 0, got pos_weight=-2\."),
            ({"neg_weight": 0.0}, r"`neg_weight` must be > 0, got neg_weight=0.0\."),
            (
                {"neg_weight": float("inf")},
                "`neg_weight` must be finite, got neg_weight=inf",
            ),
            (
                {"pos_weight": float("nan")},
                "`pos_weight` must be finite, got pos_weight=nan",
            ),
            (
                {"pos_weight": "3"},
                "`pos_weight` must be a number, got pos_weight='3' of type str",
            ),
            (
                {"pos_weight": True},
                "`pos_weight` must be a number, got pos_weight=True of type bool",
            ),
            (
                {"label_smoothing": 1.5},
                r"`label_smoothing` must be in \[0, 1\], got label_smoothing=1.5",
            ),
            (
                {"from_logits": "yes"},
                "`from_logits` must be True or False, got from_logits='yes'",
            ),
            (
                {"from_logits": 1},
                "`from_logits` must be True or False, got from_logits=1 of type int",
            ),
            ({"axis": 1.0}, "`axis` must be an int, got axis=1.0 of type float"),
        ),
    ),
    LossSpec(
        lossbook.PolyLoss,
        lossbook.poly_loss,
        non_default={"epsilon": -0.5, "from_logits": True, "label_smoothing": 0.2},
        invalid=(
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
        ),
    ),
]

CASES = [
    LossCase(
        "weighted_bce_logits",
        lossbook.WeightedBinaryCrossentropy,
        lossbook.weighted_binary_crossentropy,
        {"pos_weight": 3.0, "neg_weight": 0.25, "from_logits": True},
        lambda y, x: ref.weighted_bce_from_logits(y, x, 3.0, 0.25),
        binary_targets_and_logits,
        keras_twin=KerasTwin(
            {"pos_weight": 1.0, "from_logits": True},
            lambda **options: keras.losses.BinaryCrossentropy(
                from_logits=True, **options
            ),
        ),
    ),
    LossCase(
        "weighted_bce_probabilities",
        lossbook.WeightedBinaryCrossentropy,
        lossbook.weighted_binary_crossentropy,
        {"pos_weight": 0.5, "neg_weight": 2.0},
        lambda y, p: ref.weighted_bce_from_probabilities(y, p, 0.5, 2.0),
        binary_targets_and_probabilities,
        keras_twin=KerasTwin({}, keras.losses.BinaryCrossentropy),
        model_output={"activation": "sigmoid"},
        for_finite_differences=clipped_probabilities,
    ),
    LossCase(
        "poly_logits",
        lossbook.PolyLoss,
        lossbook.poly_loss,
        {"epsilon": 1.0, "from_logits": True},
        lambda y, x: ref.poly1(y, x, 1.0, True),
        one_hot_and_logits,
        shapes=CLASSES,
        keras_twin=KerasTwin(
            {"epsilon": 0.0, "from_logits": True},
            lambda **options: keras.losses.CategoricalCrossentropy(
                from_logits=True, **options
            ),
        ),
    ),
    LossCase(
        "poly_probabilities",
        lossbook.PolyLoss,
        lossbook.poly_loss,
        {"epsilon": -1.0, "label_smoothing": 0.1},
        lambda y, p: ref.poly1(y, p, -1.0, False, 0.1),
        one_hot_and_probabilities,
        shapes=CLASSES,
        model_output={"activation": "softmax"},
        for_finite_differences=clipped_probabilities,
    ),
]


# SparseCategoricalFocalLoss ------------------------------------------------------


def labels_and_logits(rng, shape):
    """Float class indices of shape `shape[:-1]` against logits of `shape`."""
    labels = rng.integers(0, shape[-1], shape[:-1]).astype("float32")
    return labels, rng.normal(0, 3, shape).astype("float32")


def labels_and_probabilities(rng, shape):
    # Softer logits, for float16 (see one_hot_and_probabilities).
    labels, logits = labels_and_logits(rng, shape)
    logits = logits / 1.5
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return labels, (e / e.sum(axis=-1, keepdims=True)).astype("float32")


SPECS += [
    LossSpec(
        lossbook.SparseCategoricalFocalLoss,
        lossbook.sparse_categorical_focal_loss,
        # alpha has one weight per class of the first case's inputs (5 classes).
        non_default={
            "gamma": 0.5,
            "alpha": [0.1, 0.2, 0.3, 0.2, 0.2],
            "from_logits": True,
            "ignore_class": -1,
        },
        invalid=(
            ({"gamma": -1.0}, r"`gamma` must be >= 0, got gamma=-1.0\."),
            ({"gamma": float("nan")}, "`gamma` must be finite, got gamma=nan"),
            ({"gamma": "2"}, "`gamma` must be a number, got gamma='2' of type str"),
            ({"gamma": None}, "`gamma` must be a number, got gamma=None"),
            ({"alpha": 0.0}, r"`alpha` must be > 0, got alpha=0.0\."),
            ({"alpha": -0.25}, r"`alpha` must be > 0, got alpha=-0.25\."),
            ({"alpha": float("inf")}, "`alpha` must be finite, got alpha=inf"),
            ({"alpha": "0.25"}, "`alpha` must be a number, got alpha='0.25'"),
            ({"alpha": True}, "`alpha` must be a number, got alpha=True of type bool"),
            (
                {"alpha": [0.5, -1.0]},
                r"`alpha\[1\]` must be >= 0, got alpha\[1\]=-1.0\.",
            ),
            (
                {"alpha": [0.5, float("nan")]},
                r"`alpha\[1\]` must be finite, got alpha\[1\]=nan",
            ),
            (
                {"alpha": []},
                r"`alpha` must be a non-empty list of numbers, got alpha=\[\]",
            ),
            (
                {"alpha": [[1.0, 2.0]]},
                "`alpha` must be a non-empty list of numbers",
            ),
            (
                {"from_logits": 1},
                "`from_logits` must be True or False, got from_logits=1 of type int",
            ),
            (
                {"ignore_class": 255.0},
                "`ignore_class` must be an int, got ignore_class=255.0 of type float",
            ),
            (
                {"ignore_class": True},
                "`ignore_class` must be an int, got ignore_class=True of type bool",
            ),
        ),
    ),
]

# Labels (..., ) against predictions (..., classes): Keras's sparse alignment,
# tested in test_classification.py, as are the Keras twins (SparseCategorical-
# Crossentropy at gamma=0; CategoricalFocalCrossentropy on one-hot labels),
# under every reduction, with sample weights and with ignore_class.
CASES += [
    LossCase(
        "sparse_focal_logits",
        lossbook.SparseCategoricalFocalLoss,
        lossbook.sparse_categorical_focal_loss,
        {"gamma": 2.0, "alpha": 0.25, "from_logits": True},
        lambda y, x: ref.sparse_focal(y, x, 2.0, 0.25, from_logits=True),
        labels_and_logits,
        shapes=OWN,
        keras_twin=KerasTwin(
            {"gamma": 0.0, "from_logits": True},
            lambda **options: keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, **options
            ),
        ),
    ),
    LossCase(
        "sparse_focal_probabilities",
        lossbook.SparseCategoricalFocalLoss,
        lossbook.sparse_categorical_focal_loss,
        {"gamma": 0.5},
        lambda y, p: ref.sparse_focal(y, p, 0.5),
        labels_and_probabilities,
        shapes=OWN,
        keras_twin=KerasTwin(
            {"gamma": 0.0}, keras.losses.SparseCategoricalCrossentropy
        ),
        model_output={"activation": "softmax"},
        for_finite_differences=clipped_probabilities,
    ),
]

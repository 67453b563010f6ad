"""Pairings of src/lossbook/classification.py."""

import keras
from keras import ops

import lossbook
from benchmarks.pairings import ArticleLoss, Call, Named, Pairing, elementwise

L = keras.losses


def article_weighted_bce(y_true, y_pred):
    """The article's weighted_binary_crossentropy, translated to keras.ops."""
    weights = ops.convert_to_tensor([1.0, 5.0], dtype="float32")
    y_true = ops.cast(y_true, "float32")
    epsilon = keras.backend.epsilon()
    y_pred = ops.clip(y_pred, epsilon, 1 - epsilon)
    both = y_true * ops.log(y_pred) + (1 - y_true) * ops.log(1 - y_pred)
    return -ops.sum(weights * both, axis=-1)


PAIRINGS = [
    Pairing(
        lossbook.WeightedBinaryCrossentropy,
        {"pos_weight": 1.0, "from_logits": True},
        "weighted_bce_logits",
        Call(L.BinaryCrossentropy, from_logits=True),
        "same",
        elementwise(1),
    ),
    Pairing(
        lossbook.WeightedBinaryCrossentropy,
        {"pos_weight": 1.0},
        "weighted_bce_probabilities",
        Call(L.BinaryCrossentropy),
        "same",
        elementwise(1),
        naive=Named(
            "article's weighted_binary_crossentropy (weights [1, 5])",
            lambda: ArticleLoss(article_weighted_bce),
        ),
        notes=(
            "The article's weights [1, 5] broadcast (n, 1) to (n, 2): it computes "
            "6 x the cross-entropy, not a weighted one.",
        ),
    ),
    Pairing(
        lossbook.PolyLoss,
        {"epsilon": 0.0, "from_logits": True},
        "poly_logits",
        Call(L.CategoricalCrossentropy, from_logits=True),
        "same",
        elementwise(64),
    ),
    Pairing(
        lossbook.PolyLoss,
        {"epsilon": 0.0},
        "poly_probabilities",
        Call(L.CategoricalCrossentropy),
        "same",
        elementwise(64),
    ),
    Pairing(
        lossbook.SparseCategoricalFocalLoss,
        {"gamma": 0.0, "from_logits": True},
        "sparse_focal_logits",
        Call(L.SparseCategoricalCrossentropy, from_logits=True),
        "same",
        elementwise(64),
    ),
    Pairing(
        lossbook.SparseCategoricalFocalLoss,
        {"gamma": 2.0, "from_logits": True},
        "sparse_focal_logits",
        Call(L.SparseCategoricalCrossentropy, from_logits=True),
        "nearest",
        elementwise(64),
        notes=(
            "The focal factor (1 - p_t)**gamma is one power per row, on top of "
            "the cross-entropy's one exponential per element.",
        ),
    ),
]

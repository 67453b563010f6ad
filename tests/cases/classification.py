"""Contract data of the classification losses (src/lossbook/classification.py)."""

import keras
from references import classification as ref

import lossbook
from cases import (
    CLASSES,
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

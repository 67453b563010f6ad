"""Contract data of the segmentation losses (src/lossbook/segmentation.py).

`make_inputs(rng, (batch, pixels))` gives `batch` flat masks of `pixels` pixels.
"""

import keras
import numpy as np
from references import segmentation as ref

import lossbook
from cases import (
    OWN,
    KerasTwin,
    LossCase,
    LossSpec,
    binary_targets_and_logits,
    binary_targets_and_probabilities,
)

SPECS = [
    LossSpec(
        lossbook.JaccardLoss,
        lossbook.jaccard_loss,
        non_default={"smooth": 0.5, "axis": (1,)},
        invalid=(
            ({"smooth": -1.0}, "`smooth` must be >= 0, got smooth=-1.0"),
            ({"smooth": float("nan")}, "`smooth` must be finite, got smooth=nan"),
            ({"smooth": "1"}, "`smooth` must be a number, got smooth='1'"),
            ({"axis": 0}, "`axis` must not include the batch axis 0 .*got axis=0"),
            (
                {"axis": (0, 1)},
                r"`axis` must not include the batch axis 0 .*got axis=\(0, 1\)",
            ),
            ({"axis": []}, r"`axis` must not be empty, got axis=\[\]"),
            ({"axis": (1, 1)}, r"`axis` must not repeat an axis, got axis=\(1, 1\)"),
            ({"axis": 1.5}, "`axis` must be an int, got axis=1.5 of type float"),
            ({"axis": (1, "2")}, "`axis` must be an int, got axis='2' of type str"),
        ),
    ),
    LossSpec(
        lossbook.FocalTverskyLoss,
        lossbook.focal_tversky_loss,
        non_default={"alpha": 0.4, "beta": 0.6, "gamma": 1.5, "smooth": 0.5},
        invalid=(
            ({"alpha": -0.1}, "`alpha` must be >= 0, got alpha=-0.1"),
            ({"alpha": True}, "`alpha` must be a number, got alpha=True"),
            ({"beta": -1}, "`beta` must be >= 0, got beta=-1"),
            ({"beta": float("nan")}, "`beta` must be finite, got beta=nan"),
            (
                {"alpha": 0.0, "beta": 0},
                "`alpha` and `beta` must not both be 0 .*got alpha=0.0 and beta=0.0",
            ),
            ({"gamma": 0.0}, "`gamma` must be > 0, got gamma=0.0"),
            ({"gamma": float("nan")}, "`gamma` must be finite, got gamma=nan"),
            ({"smooth": -1}, "`smooth` must be >= 0, got smooth=-1"),
        ),
    ),
    LossSpec(
        lossbook.LovaszHingeLoss,
        lossbook.lovasz_hinge_loss,
        non_default={"per_image": False},
        invalid=(
            ({"per_image": 1}, "`per_image` must be True or False, got per_image=1"),
            (
                {"per_image": "no"},
                "`per_image` must be True or False, got per_image='no'",
            ),
        ),
    ),
]

CASES = [
    LossCase(
        "jaccard",
        lossbook.JaccardLoss,
        lossbook.jaccard_loss,
        {},
        lambda y, p: ref.jaccard(y, p, 1.0),
        binary_targets_and_probabilities,
        values_per_position=False,
        model_output={"activation": "sigmoid"},
    ),
    LossCase(
        "jaccard_no_smoothing_last_axis",
        lossbook.JaccardLoss,
        lossbook.jaccard_loss,
        {"smooth": 0.0, "axis": -1},
        lambda y, p: ref.jaccard(y, p, 0.0, axis=-1),
        binary_targets_and_probabilities,
        model_output={"activation": "sigmoid"},
    ),
    LossCase(
        "focal_tversky",
        lossbook.FocalTverskyLoss,
        lossbook.focal_tversky_loss,
        {},
        lambda y, p: ref.focal_tversky(y, p, 0.7, 0.3, 0.75, 1.0),
        binary_targets_and_probabilities,
        values_per_position=False,
        model_output={"activation": "sigmoid"},
    ),
    LossCase(
        "focal_tversky_gamma_two_no_smoothing",
        lossbook.FocalTverskyLoss,
        lossbook.focal_tversky_loss,
        {"alpha": 0.3, "beta": 0.7, "gamma": 2.0, "smooth": 0.0},
        lambda y, p: ref.focal_tversky(y, p, 0.3, 0.7, 2.0, 0.0),
        binary_targets_and_probabilities,
        values_per_position=False,
        model_output={"activation": "sigmoid"},
    ),
    LossCase(
        "lovasz_hinge_per_image",
        lossbook.LovaszHingeLoss,
        lossbook.lovasz_hinge_loss,
        {},
        lambda y, x: ref.lovasz_hinge(y, x, per_image=True),
        binary_targets_and_logits,
        values_per_position=False,
    ),
    LossCase(
        "lovasz_hinge_whole_batch",
        lossbook.LovaszHingeLoss,
        lossbook.lovasz_hinge_loss,
        {"per_image": False},
        lambda y, x: ref.lovasz_hinge(y, x, per_image=False),
        binary_targets_and_logits,
        values_per_position=False,
        # The batch is sorted as one image: a sample's value is batch size times
        # its share of the batch-wide sum, so it depends on the other samples
        # (weight k is not k copies). Reordering the batch keeps the total, which
        # the batch-order test checks with the default permute.
        independent_samples=False,
    ),
]


# Dice: binary masks (batch, pixels); multiclass class ids (batch,) against a
# softmax over (batch, C), one pixel per image (a Dense layer's output shape);
# multilabel (batch, C), one pixel of C labels. Images of many pixels are tested
# in test_segmentation.py.

SPECS.append(
    LossSpec(
        lossbook.DiceLoss,
        lossbook.dice_loss,
        non_default={
            "mode": "multilabel",
            "from_logits": True,
            "class_weights": [1.0, 2.0, 0.5, 0.0, 3.0],
            "generalized": True,
            "ignore_index": -1,
            "log_loss": True,
            "smooth": 0.5,
            "per_image": True,
        },
        invalid=(
            (
                {"mode": "softmax"},
                r"`mode` must be one of \('binary', 'multiclass', 'multilabel'\), "
                "got mode='softmax'",
            ),
            ({"mode": None}, "`mode` must be one of .*got mode=None"),
            ({"smooth": -1.0}, "`smooth` must be >= 0, got smooth=-1.0"),
            ({"smooth": float("inf")}, "`smooth` must be finite, got smooth=inf"),
            (
                {"class_weights": [1.0, -0.5]},
                r"`class_weights\[1\]` must be >= 0, got class_weights\[1\]=-0.5",
            ),
            (
                {"class_weights": [0.0, 0]},
                r"`class_weights` must not all be 0 .*got class_weights=\[0.0, 0\]",
            ),
            (
                {"class_weights": 2.0},
                "`class_weights` must be a non-empty list of numbers, "
                "got class_weights=2.0",
            ),
            (
                {"class_weights": []},
                r"`class_weights` must be a non-empty list .*got class_weights=\[\]",
            ),
            (
                {"ignore_index": 1.5},
                "`ignore_index` must be an int, got ignore_index=1.5 of type float",
            ),
            (
                {"ignore_index": True},
                "`ignore_index` must be an int, got ignore_index=True",
            ),
            (
                {"from_logits": 1},
                "`from_logits` must be True or False, got from_logits=1",
            ),
            (
                {"generalized": None},
                "`generalized` must be True or False, got generalized=None",
            ),
            ({"log_loss": "no"}, "`log_loss` must be True or False, got log_loss='no'"),
            ({"per_image": 0}, "`per_image` must be True or False, got per_image=0"),
        ),
        make_inputs=lambda rng, shape: labels_with_ignored_and_logits(rng, shape),
    )
)


def labels_with_ignored_and_logits(rng, shape):
    """Multilabel 0/1 targets, about 15% of them -1 (ignored), and logits."""
    y = (rng.random(shape) < 0.4).astype("float32")
    y[rng.random(shape) < 0.15] = -1.0
    return y, rng.normal(0, 2, shape).astype("float32")


def labels_with_ignored_and_probabilities(rng, shape):
    y, logits = labels_with_ignored_and_logits(rng, shape)
    return y, (1 / (1 + np.exp(-logits))).astype("float32")


def class_indices_and_logits(rng, shape):
    """Class ids of shape `shape[:-1]` for logits of `shape`, `shape[-1]` classes."""
    classes = max(shape[-1], 2)
    labels = rng.integers(0, classes, shape[:-1]).astype("float32")
    return labels, rng.normal(0, 2, (*shape[:-1], classes)).astype("float32")


MULTICLASS_LOG = {"mode": "multiclass", "from_logits": True, "log_loss": True}
MULTILABEL_GENERALIZED = {
    "mode": "multilabel",
    "generalized": True,
    "ignore_index": -1,
    "smooth": 0.5,
    "per_image": True,
}

CASES += [
    LossCase(
        "dice",
        lossbook.DiceLoss,
        lossbook.dice_loss,
        {},
        lambda y, p: ref.dice(y, p),
        binary_targets_and_probabilities,
        values_per_position=False,
        model_output={"activation": "sigmoid"},
        # Sums over the whole batch: each sample's value is batch size times its
        # share of the batch's 1 - dice.
        independent_samples=False,
    ),
    LossCase(
        "dice_per_image",
        lossbook.DiceLoss,
        lossbook.dice_loss,
        {"per_image": True},
        lambda y, p: ref.dice(y, p, per_image=True),
        binary_targets_and_probabilities,
        values_per_position=False,
        # Keras adds epsilon = 1e-7 to denominators of about 1 to 5: below rtol.
        keras_twin=KerasTwin(
            {"per_image": True},
            lambda reduction: keras.losses.Dice(axis=(1,), reduction=reduction),
        ),
        model_output={"activation": "sigmoid"},
    ),
    LossCase(
        "dice_multiclass_logits_log",
        lossbook.DiceLoss,
        lossbook.dice_loss,
        {**MULTICLASS_LOG, "smooth": 1.0},
        lambda y, x: ref.dice(y, x, **MULTICLASS_LOG, smooth=1.0),
        class_indices_and_logits,
        # Class ids (batch,) against logits (batch, C).
        shapes=OWN,
        values_per_position=False,
        independent_samples=False,
    ),
    LossCase(
        "dice_multilabel_generalized_per_image_ignore",
        lossbook.DiceLoss,
        lossbook.dice_loss,
        MULTILABEL_GENERALIZED,
        lambda y, p: ref.dice(y, p, **MULTILABEL_GENERALIZED),
        labels_with_ignored_and_probabilities,
        values_per_position=False,
        model_output={"activation": "sigmoid"},
    ),
]


# Lovász-Softmax: class ids (batch, ...) against scores (batch, ..., C).

SPECS.append(
    LossSpec(
        lossbook.LovaszSoftmaxLoss,
        lossbook.lovasz_softmax_loss,
        non_default={
            "classes": [0, 2],
            "per_image": True,
            "ignore_index": 255,
            "from_logits": True,
        },
        invalid=(
            (
                {"classes": "none"},
                "`classes` must be 'all', 'present' or .*got classes='none'",
            ),
            ({"classes": []}, r"`classes` must be .*got classes=\[\]"),
            ({"classes": 2}, "`classes` must be .*got classes=2"),
            ({"classes": [0, -1]}, r"`classes` must be .*got classes=\[0, -1\]"),
            ({"classes": (1, 1)}, r"`classes` must be .*got classes=\(1, 1\)"),
            ({"classes": [0.5]}, r"`classes` must be .*got classes=\[0.5\]"),
            ({"per_image": 1}, "`per_image` must be True or False, got per_image=1"),
            (
                {"ignore_index": 1.5},
                "`ignore_index` must be an int, got ignore_index=1.5",
            ),
            (
                {"ignore_index": True},
                "`ignore_index` must be an int, got ignore_index=True",
            ),
            (
                {"from_logits": "yes"},
                "`from_logits` must be True or False, got from_logits='yes'",
            ),
            (
                {"classes": [0, 3], "ignore_index": 3},
                r"`classes` must not include `ignore_index` .*got classes=\(0, 3\) "
                "and ignore_index=3",
            ),
        ),
    )
)


def class_ids_and_scores(from_logits=False, ignored=0.0):
    """make_inputs: `shape[0]` one-pixel images, `shape[1]` (>= 2) classes.

    y_true (batch,) class ids, y_pred (batch, C): a Dense layer's output shape,
    so that the save tests can train on them. With `per_image=False` the batch is
    one set of `batch` pixels, which the Lovász sort orders; multi-pixel images
    (batch, H, W, C) are tested in test_segmentation.py. A share `ignored` of
    the labels is -1.
    """

    def make_inputs(rng, shape):
        batch, num_classes = shape[0], max(shape[1], 2)
        labels = rng.integers(0, num_classes, batch).astype("float32")
        labels[rng.random(batch) < ignored] = -1
        logits = rng.normal(0, 2, (batch, num_classes))
        if from_logits:
            return labels, logits.astype("float32")
        e = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return labels, (e / e.sum(axis=-1, keepdims=True)).astype("float32")

    return make_inputs


CASES += [
    LossCase(
        "lovasz_softmax_whole_batch",
        lossbook.LovaszSoftmaxLoss,
        lossbook.lovasz_softmax_loss,
        {},
        lambda y, p: ref.lovasz_softmax(y, p),
        class_ids_and_scores(),
        # Class ids (batch, ...) against (batch, ..., C): test_segmentation.py
        # checks the alignment of a trailing axis of size 1 and the shape errors.
        shapes=OWN,
        values_per_position=False,
        model_output={"activation": "softmax"},
        # The batch is sorted as one set: batch size times each sample's share.
        independent_samples=False,
    ),
    LossCase(
        "lovasz_softmax_per_image_all_classes_logits",
        lossbook.LovaszSoftmaxLoss,
        lossbook.lovasz_softmax_loss,
        {"classes": "all", "per_image": True, "from_logits": True},
        lambda y, x: ref.lovasz_softmax(y, x, "all", True, from_logits=True),
        class_ids_and_scores(from_logits=True),
        shapes=OWN,
        values_per_position=False,
    ),
    LossCase(
        "lovasz_softmax_whole_batch_two_classes_ignore",
        lossbook.LovaszSoftmaxLoss,
        lossbook.lovasz_softmax_loss,
        {"classes": [0, 1], "ignore_index": -1},
        lambda y, p: ref.lovasz_softmax(y, p, [0, 1], False, -1),
        class_ids_and_scores(ignored=0.25),
        shapes=OWN,
        values_per_position=False,
        model_output={"activation": "softmax"},
        independent_samples=False,
    ),
]

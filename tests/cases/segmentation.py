"""Contract data of the segmentation losses (src/lossbook/segmentation.py).

`make_inputs(rng, (batch, pixels))` gives `batch` flat masks of `pixels` pixels.
"""

from references import segmentation as ref

import lossbook
from cases import (
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

"""Contract cases of the segmentation family: Jaccard, focal Tversky, Lovász hinge.

`make_inputs(rng, (batch, pixels))` gives `batch` flat masks of `pixels` pixels.
"""

import references_segmentation as ref
from cases import LossCase, binary_targets_and_logits, binary_targets_and_probabilities

from lossbook.segmentation import (
    FocalTverskyLoss,
    JaccardLoss,
    LovaszHingeLoss,
    focal_tversky_loss,
    jaccard_loss,
    lovasz_hinge_loss,
)

CASES = [
    LossCase(
        "jaccard",
        JaccardLoss,
        jaccard_loss,
        {},
        lambda y, p: ref.jaccard(y, p, 1.0),
        binary_targets_and_probabilities,
        {"activation": "sigmoid"},
    ),
    LossCase(
        "jaccard_no_smoothing_last_axis",
        JaccardLoss,
        jaccard_loss,
        {"smooth": 0.0, "axis": -1},
        lambda y, p: ref.jaccard(y, p, 0.0),
        binary_targets_and_probabilities,
        {"activation": "sigmoid"},
    ),
    LossCase(
        "focal_tversky",
        FocalTverskyLoss,
        focal_tversky_loss,
        {},
        lambda y, p: ref.focal_tversky(y, p, 0.7, 0.3, 0.75, 1.0),
        binary_targets_and_probabilities,
        {"activation": "sigmoid"},
    ),
    LossCase(
        "focal_tversky_gamma_two_no_smoothing",
        FocalTverskyLoss,
        focal_tversky_loss,
        {"alpha": 0.3, "beta": 0.7, "gamma": 2.0, "smooth": 0.0},
        lambda y, p: ref.focal_tversky(y, p, 0.3, 0.7, 2.0, 0.0),
        binary_targets_and_probabilities,
        {"activation": "sigmoid"},
    ),
    LossCase(
        "lovasz_hinge_per_image",
        LovaszHingeLoss,
        lovasz_hinge_loss,
        {},
        lambda y, x: ref.lovasz_hinge(y, x, per_image=True),
        binary_targets_and_logits,
    ),
    LossCase(
        "lovasz_hinge_whole_batch",
        LovaszHingeLoss,
        lovasz_hinge_loss,
        {"per_image": False},
        lambda y, x: ref.lovasz_hinge(y, x, per_image=False),
        binary_targets_and_logits,
        # The batch is sorted as one image: a sample's value is batch size times
        # its share of the batch-wide sum, so it depends on the other samples
        # (weight k is not k copies). Reordering the batch keeps the total, which
        # the batch-order test checks with the default permute.
        independent_samples=False,
    ),
]

"""lossbook: custom Keras 3 losses done right.

Every loss is a registered, serializable `keras.losses.Loss` subclass beside a
function of the same name in snake_case that returns per-sample values.
"""

from lossbook.classification import (
    PolyLoss,
    WeightedBinaryCrossentropy,
    poly_loss,
    weighted_binary_crossentropy,
)
from lossbook.composition import CombinedLoss, combined_loss
from lossbook.detection import BoxIoULoss, box_iou_loss
from lossbook.distillation import DistillationLoss, distillation_loss
from lossbook.metric_learning import (
    ContrastiveLoss,
    NTXentLoss,
    TripletHardLoss,
    TripletSemiHardLoss,
    contrastive_loss,
    nt_xent_loss,
    triplet_hard_loss,
    triplet_semihard_loss,
)
from lossbook.ordinal import WeightedKappaLoss, weighted_kappa_loss
from lossbook.regression import (
    PinballLoss,
    ScaledMeanSquaredError,
    SmoothL1Loss,
    pinball_loss,
    scaled_mean_squared_error,
    smooth_l1_loss,
)
from lossbook.segmentation import (
    FocalTverskyLoss,
    JaccardLoss,
    LovaszHingeLoss,
    focal_tversky_loss,
    jaccard_loss,
    lovasz_hinge_loss,
)

__version__ = "0.1.0"

__all__ = [
    "BoxIoULoss",
    "CombinedLoss",
    "ContrastiveLoss",
    "DistillationLoss",
    "FocalTverskyLoss",
    "JaccardLoss",
    "LovaszHingeLoss",
    "NTXentLoss",
    "PinballLoss",
    "PolyLoss",
    "ScaledMeanSquaredError",
    "SmoothL1Loss",
    "TripletHardLoss",
    "TripletSemiHardLoss",
    "WeightedBinaryCrossentropy",
    "WeightedKappaLoss",
    "box_iou_loss",
    "combined_loss",
    "contrastive_loss",
    "distillation_loss",
    "focal_tversky_loss",
    "jaccard_loss",
    "lovasz_hinge_loss",
    "nt_xent_loss",
    "pinball_loss",
    "poly_loss",
    "scaled_mean_squared_error",
    "smooth_l1_loss",
    "triplet_hard_loss",
    "triplet_semihard_loss",
    "weighted_binary_crossentropy",
    "weighted_kappa_loss",
]

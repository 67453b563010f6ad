"""lossbook: custom Keras 3 losses done right.

Every loss is a registered, serializable `keras.losses.Loss` subclass beside a
function of the same name in snake_case that returns per-sample values.
`lossbook.layers` holds the layers that go with some of them (`CosineHead`);
`lossbook.large_vocabulary` the softmax cross-entropy over many classes that never
builds the logits, and the classifier head that trains with it.
"""

from lossbook import large_vocabulary as large_vocabulary
from lossbook import layers as layers
from lossbook.classification import (
    PolyLoss,
    SparseCategoricalFocalLoss,
    WeightedBinaryCrossentropy,
    poly_loss,
    sparse_categorical_focal_loss,
    weighted_binary_crossentropy,
)
from lossbook.composition import CombinedLoss, combined_loss
from lossbook.detection import BoxIoULoss, box_iou_loss
from lossbook.distillation import DistillationLoss, distillation_loss
from lossbook.metric_learning import (
    ArcFaceLoss,
    ContrastiveLoss,
    CosFaceLoss,
    CrossViewInfoNCELoss,
    LiftedStructLoss,
    MultiSimilarityLoss,
    NPairsLoss,
    NPairsMultilabelLoss,
    NTXentLoss,
    ProxyAnchorLoss,
    SupConLoss,
    TripletHardLoss,
    TripletSemiHardLoss,
    arcface_loss,
    contrastive_loss,
    cosface_loss,
    cross_view_info_nce_loss,
    lifted_struct_loss,
    multi_similarity_loss,
    npairs_loss,
    npairs_multilabel_loss,
    nt_xent_loss,
    proxy_anchor_loss,
    supcon_loss,
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
    DiceLoss,
    FocalTverskyLoss,
    JaccardLoss,
    LovaszHingeLoss,
    LovaszSoftmaxLoss,
    dice_loss,
    focal_tversky_loss,
    jaccard_loss,
    lovasz_hinge_loss,
    lovasz_softmax_loss,
)

__version__ = "0.2.0.dev0"

__all__ = [
    "ArcFaceLoss",
    "BoxIoULoss",
    "CombinedLoss",
    "ContrastiveLoss",
    "CosFaceLoss",
    "CrossViewInfoNCELoss",
    "DiceLoss",
    "DistillationLoss",
    "FocalTverskyLoss",
    "JaccardLoss",
    "LiftedStructLoss",
    "LovaszHingeLoss",
    "LovaszSoftmaxLoss",
    "MultiSimilarityLoss",
    "NPairsLoss",
    "NPairsMultilabelLoss",
    "NTXentLoss",
    "PinballLoss",
    "PolyLoss",
    "ProxyAnchorLoss",
    "ScaledMeanSquaredError",
    "SmoothL1Loss",
    "SparseCategoricalFocalLoss",
    "SupConLoss",
    "TripletHardLoss",
    "TripletSemiHardLoss",
    "WeightedBinaryCrossentropy",
    "WeightedKappaLoss",
    "arcface_loss",
    "box_iou_loss",
    "combined_loss",
    "contrastive_loss",
    "cosface_loss",
    "cross_view_info_nce_loss",
    "dice_loss",
    "distillation_loss",
    "focal_tversky_loss",
    "jaccard_loss",
    "lifted_struct_loss",
    "lovasz_hinge_loss",
    "lovasz_softmax_loss",
    "multi_similarity_loss",
    "npairs_loss",
    "npairs_multilabel_loss",
    "nt_xent_loss",
    "pinball_loss",
    "poly_loss",
    "proxy_anchor_loss",
    "scaled_mean_squared_error",
    "smooth_l1_loss",
    "sparse_categorical_focal_loss",
    "supcon_loss",
    "triplet_hard_loss",
    "triplet_semihard_loss",
    "weighted_binary_crossentropy",
    "weighted_kappa_loss",
]

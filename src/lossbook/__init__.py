"""lossbook: custom Keras 3 losses done right.

Every loss is a registered, serializable `keras.losses.Loss` subclass beside a
function of the same name in snake_case that returns per-sample values.
"""

from lossbook.classification import (
    WeightedBinaryCrossentropy,
    weighted_binary_crossentropy,
)
from lossbook.distillation import DistillationLoss, distillation_loss
from lossbook.regression import ScaledMeanSquaredError, scaled_mean_squared_error

__version__ = "0.1.0"

__all__ = [
    "DistillationLoss",
    "ScaledMeanSquaredError",
    "WeightedBinaryCrossentropy",
    "distillation_loss",
    "scaled_mean_squared_error",
    "weighted_binary_crossentropy",
]

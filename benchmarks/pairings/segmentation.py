"""Pairings of src/lossbook/segmentation.py."""

import keras

import lossbook
from benchmarks.pairings import SORTING_SIZES, Call, Pairing, elementwise, per_sample

L = keras.losses

PAIRINGS = [
    Pairing(
        lossbook.JaccardLoss,
        {},
        "jaccard",
        Call(L.Dice, axis=(1,)),
        "nearest",
        elementwise(4096),
    ),
    Pairing(
        lossbook.DiceLoss,
        {"per_image": True},
        "dice_per_image",
        Call(L.Dice, axis=(1,)),
        "nearest",
        elementwise(4096),
        notes=("Keras adds epsilon = 1e-7 to the denominator.",),
    ),
    Pairing(
        lossbook.FocalTverskyLoss,
        {"alpha": 0.7, "beta": 0.3, "gamma": 1.0, "smooth": 0.0},
        "focal_tversky",
        Call(L.Tversky, alpha=0.7, beta=0.3, axis=(1,)),
        "same",
        elementwise(4096),
    ),
    Pairing(
        lossbook.LovaszHingeLoss,
        {},
        "lovasz_hinge_per_image",
        None,
        None,
        per_sample(4096, SORTING_SIZES),
        notes=("Sorts every image's pixels: n log n, sizes up to 4M.",),
    ),
]

PAIRINGS.append(
    Pairing(
        lossbook.LovaszSoftmaxLoss,
        {},
        "lovasz_softmax_whole_batch",
        Call(L.SparseCategoricalCrossentropy),
        "nearest",
        per_sample(8, SORTING_SIZES),
        notes=(
            "n / 8 pixels of 8 classes, sorted as one set: 8 sorts of n / 8 each.",
            "Nearest built-in on the same class ids: sparse categorical "
            "cross-entropy (no built-in Lovász loss).",
        ),
    )
)

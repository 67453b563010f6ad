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

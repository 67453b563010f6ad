"""Pairings of src/lossbook/metric_learning.py."""

import keras
import numpy as np

import lossbook
from benchmarks.pairings import Call, Pairing, elementwise, pairwise

L = keras.losses


def pair_ids(y_true, y_pred):
    """Rows i and i + N are one pair: their index is Circle's class label."""
    rows = len(y_pred)
    return np.arange(rows, dtype="float32") % (rows // 2), y_pred


PAIRINGS = [
    Pairing(
        lossbook.ContrastiveLoss,
        {"margin": 1.0},
        "contrastive",
        Call(L.SquaredHinge),
        "nearest",
        elementwise(16),
        notes=("SquaredHinge has the same per-element form max(m - x, 0)**2.",),
    ),
    Pairing(
        lossbook.TripletSemiHardLoss,
        {"margin": 1.0},
        "triplet_semihard",
        Call(L.Circle),
        "nearest",
        pairwise(),
    ),
    Pairing(
        lossbook.TripletHardLoss,
        {"margin": 1.0},
        "triplet_hard",
        Call(L.Circle),
        "nearest",
        pairwise(),
    ),
    Pairing(
        lossbook.NTXentLoss,
        {"temperature": 0.5},
        "nt_xent",
        Call(L.Circle),
        "nearest",
        pairwise(),
        notes=("Circle() gets the pair index as label.",),
        inputs=pair_ids,
    ),
]

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
    Pairing(
        lossbook.CrossViewInfoNCELoss,
        {"temperature": 0.1},
        "cross_view_info_nce",
        Call(L.Circle),
        "nearest",
        pairwise(),
        notes=("Circle() gets the pair index as label.",),
        inputs=pair_ids,
    ),
]

# Angular margins and Proxy-Anchor, on cosines to C class centres.
PAIRINGS += [
    Pairing(
        lossbook.ArcFaceLoss,
        {"margin": 0.5, "scale": 64.0},
        "arcface",
        Call(L.CategoricalCrossentropy, from_logits=True),
        "nearest",
        elementwise(64),
        notes=(
            "The built-in takes the cosines as logits: the same softmax "
            "cross-entropy, without the margin (a sqrt and two selects per "
            "element) and the scale.",
        ),
    ),
    Pairing(
        lossbook.CosFaceLoss,
        {"margin": 0.35, "scale": 64.0},
        "cosface",
        Call(L.SparseCategoricalCrossentropy, from_logits=True),
        "nearest",
        elementwise(64),
        notes=(
            "The built-in takes the cosines as logits: the same softmax "
            "cross-entropy, without the margin and the scale.",
        ),
    ),
    Pairing(
        lossbook.ProxyAnchorLoss,
        {"margin": 0.1, "alpha": 32.0},
        "proxy_anchor",
        Call(L.Circle),
        "nearest",
        pairwise(),
        notes=(
            "Circle compares the B rows with each other (B x B); Proxy-Anchor "
            "compares them with the 128 proxies (B x 128).",
        ),
    ),
]

# SupCon and multi-similarity: in-batch losses over labels and (B, dim) embeddings,
# like the triplet losses.
PAIRINGS += [
    Pairing(
        lossbook.SupConLoss,
        {"temperature": 0.1},
        "supcon",
        Call(L.Circle),
        "nearest",
        pairwise(),
    ),
    Pairing(
        lossbook.MultiSimilarityLoss,
        {"alpha": 2.0, "beta": 50.0, "base": 0.5, "epsilon": 0.1},
        "multi_similarity",
        Call(L.Circle),
        "nearest",
        pairwise(),
    ),
]


# N-pairs and lifted structure. The n-pairs cases draw a (B, B) similarity matrix
# whatever the layout's dim; with one pair per label, n-pairs is a softmax
# cross-entropy against the identity, which Keras computes from the same inputs.


def distinct_pair_labels(y_true, y_pred):
    """Label i for pair i: NPairsLoss is then SparseCategoricalCrossentropy."""
    return np.arange(len(y_pred), dtype="float32"), y_pred


def identity_multi_hot(y_true, y_pred):
    """Pair i has label i alone: NPairsMultilabelLoss is CategoricalCrossentropy."""
    return np.eye(len(y_pred), dtype="float32"), y_pred


PAIRINGS += [
    Pairing(
        lossbook.NPairsLoss,
        {},
        "npairs",
        Call(L.SparseCategoricalCrossentropy, from_logits=True),
        "same",
        pairwise(),
        notes=("y_pred is the (B, B) similarity matrix; one pair per label.",),
        inputs=distinct_pair_labels,
    ),
    Pairing(
        lossbook.NPairsMultilabelLoss,
        {},
        "npairs_multilabel",
        Call(L.CategoricalCrossentropy, from_logits=True),
        "same",
        pairwise(),
        notes=("y_pred is the (B, B) similarity matrix; y_true the identity.",),
        inputs=identity_multi_hot,
    ),
    Pairing(
        lossbook.LiftedStructLoss,
        {"margin": 1.0},
        "lifted_struct",
        Call(L.Circle),
        "nearest",
        pairwise(),
    ),
]

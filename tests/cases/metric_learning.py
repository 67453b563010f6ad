"""Contract data of the metric-learning losses (src/lossbook/metric_learning.py)."""

import numpy as np
from references import metric_learning as ref

import lossbook
from cases import OWN, LossCase, LossSpec

SPECS = [
    LossSpec(
        lossbook.ContrastiveLoss,
        lossbook.contrastive_loss,
        non_default={"margin": 2.0},
        invalid=(
            ({"margin": -1.0}, "`margin` must be >= 0, got margin=-1.0"),
            ({"margin": "1"}, "`margin` must be a number, got margin='1'"),
        ),
    ),
    LossSpec(
        lossbook.TripletSemiHardLoss,
        lossbook.triplet_semihard_loss,
        non_default={"margin": 0.5},
        invalid=(
            ({"margin": -0.1}, "`margin` must be >= 0, got margin=-0.1"),
            ({"margin": None}, "`margin` must be a number, got margin=None"),
        ),
    ),
    LossSpec(
        lossbook.TripletHardLoss,
        lossbook.triplet_hard_loss,
        non_default={"margin": 0.5, "soft": True},
        invalid=(
            ({"margin": float("inf")}, "`margin` must be finite, got margin=inf"),
            ({"soft": 1}, "`soft` must be True or False, got soft=1"),
            ({"soft": "yes"}, "`soft` must be True or False, got soft='yes'"),
        ),
    ),
    LossSpec(
        lossbook.NTXentLoss,
        lossbook.nt_xent_loss,
        non_default={"temperature": 0.1},
        invalid=(
            ({"temperature": 0}, "`temperature` must be > 0, got temperature=0"),
            ({"temperature": -0.5}, "`temperature` must be > 0, got temperature=-0.5"),
            (
                {"temperature": True},
                "`temperature` must be a number, got temperature=True",
            ),
            ({"temperature": float("nan")}, "`temperature` must be finite"),
        ),
    ),
]

MARGIN = 1.0


def pair_labels_and_distances(rng, shape):
    similar = (rng.random(shape) < 0.5).astype("float32")
    return similar, np.abs(rng.normal(0.8, 0.6, shape)).astype("float32")


def away_from_the_margin(y, d):
    # max(margin - d, 0)**2 has a kink of its second derivative only, but keep
    # central differences off d == margin and d == 0 anyway.
    d = np.where(np.abs(d - MARGIN) < 0.05, d + 0.1, d)
    return y, np.maximum(d, 0.05)


def class_labels_and_embeddings(rng, shape):
    # About three samples per class, so that most anchors have positives.
    batch = shape[0]
    labels = rng.integers(0, max(2, batch // 3), batch).astype("float32")
    return labels, rng.normal(0, 1, shape).astype("float32")


def paired_views(rng, shape):
    # Rows i and i + N are the two views of example i: an even batch, rounded down
    # (the batch-order test draws odd sizes). y_true is a dummy.
    rows = max(2, shape[0] - shape[0] % 2)
    embeddings = rng.normal(0, 1, (rows, *shape[1:])).astype("float32")
    views = np.concatenate([embeddings[: rows // 2]] * 2)
    views += rng.normal(0, 0.5, views.shape).astype("float32")
    return np.zeros((rows,), "float32"), views


def permute_pairs(order, y_true, y_pred):
    # Only a permutation applied to both halves alike keeps the pairs: take the
    # order of the first N indices that `order` holds, and repeat it on the second
    # half.
    half = len(y_pred) // 2
    pairs = np.asarray([i for i in order if i < half])
    rows = np.concatenate([pairs, pairs + half])
    return y_true[rows], y_pred[rows]


CASES = [
    LossCase(
        "contrastive",
        lossbook.ContrastiveLoss,
        lossbook.contrastive_loss,
        {"margin": MARGIN},
        lambda y, d: ref.contrastive(y, d, MARGIN),
        pair_labels_and_distances,
        model_output={"activation": "softplus"},
        for_finite_differences=away_from_the_margin,
    ),
    LossCase(
        "triplet_semihard",
        lossbook.TripletSemiHardLoss,
        lossbook.triplet_semihard_loss,
        {"margin": MARGIN},
        lambda y, x: ref.triplet_semihard_per_anchor(y, x, MARGIN),
        class_labels_and_embeddings,
        # Labels (batch,) against embeddings (batch, dim).
        shapes=OWN,
        values_per_position=False,
        # Negatives are mined in the batch, and values are scaled by B / P.
        independent_samples=False,
    ),
    LossCase(
        "triplet_hard",
        lossbook.TripletHardLoss,
        lossbook.triplet_hard_loss,
        {"margin": MARGIN},
        lambda y, x: ref.tfa_triplet_hard_per_anchor(y, x, MARGIN),
        class_labels_and_embeddings,
        # Labels (batch,) against embeddings (batch, dim).
        shapes=OWN,
        values_per_position=False,
        # The hardest positive and negative are mined in the batch.
        independent_samples=False,
    ),
    LossCase(
        "triplet_hard_soft",
        lossbook.TripletHardLoss,
        lossbook.triplet_hard_loss,
        {"margin": MARGIN, "soft": True},
        lambda y, x: ref.tfa_triplet_hard_per_anchor(y, x, MARGIN, soft=True),
        class_labels_and_embeddings,
        # Labels (batch,) against embeddings (batch, dim).
        shapes=OWN,
        values_per_position=False,
        # The hardest positive and negative are mined in the batch.
        independent_samples=False,
    ),
    LossCase(
        "nt_xent",
        lossbook.NTXentLoss,
        lossbook.nt_xent_loss,
        {"temperature": 0.5},
        lambda _, x: ref.nt_xent(x, 0.5),
        paired_views,
        # y_true is a dummy of shape (2N,) against embeddings (2N, dim).
        shapes=OWN,
        values_per_position=False,
        uses_y_true=False,
        # Every other row of the batch is a negative of each row.
        independent_samples=False,
        # Rows are paired by position: i and i + N.
        permute=permute_pairs,
    ),
]

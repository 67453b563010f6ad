"""Contract data of the metric-learning losses (src/lossbook/metric_learning.py)."""

import numpy as np
from references import metric_learning as ref

import lossbook
from cases import OWN, LossCase, LossSpec

SPECS = [
    LossSpec(
        lossbook.ContrastiveLoss,
        lossbook.contrastive_loss,
        non_default={"margin": 2.0, "output": "similarity", "similar_label": 0},
        invalid=(
            ({"margin": -1.0}, "`margin` must be >= 0, got margin=-1.0"),
            ({"margin": "1"}, "`margin` must be a number, got margin='1'"),
            ({"output": "score"}, "`output` must be one of .*, got output='score'"),
            (
                {"similar_label": 2},
                "`similar_label` must be 0 or 1, got similar_label=2",
            ),
            ({"similar_label": 1.0}, "`similar_label` must be an int"),
        ),
    ),
    LossSpec(
        lossbook.TripletSemiHardLoss,
        lossbook.triplet_semihard_loss,
        non_default={"margin": 0.5, "distance_metric": "angular"},
        invalid=(
            ({"margin": -0.1}, "`margin` must be >= 0, got margin=-0.1"),
            ({"margin": None}, "`margin` must be a number, got margin=None"),
            (
                {"distance_metric": "cosine"},
                "`distance_metric` must be one of .*, got distance_metric='cosine'",
            ),
        ),
    ),
    LossSpec(
        lossbook.TripletHardLoss,
        lossbook.triplet_hard_loss,
        non_default={"margin": 0.5, "soft": True, "distance_metric": "squared-L2"},
        invalid=(
            ({"margin": float("inf")}, "`margin` must be finite, got margin=inf"),
            ({"soft": 1}, "`soft` must be True or False, got soft=1"),
            ({"soft": "yes"}, "`soft` must be True or False, got soft='yes'"),
            ({"distance_metric": None}, "`distance_metric` must be one of"),
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
    LossSpec(
        lossbook.CrossViewInfoNCELoss,
        lossbook.cross_view_info_nce_loss,
        non_default={"temperature": 0.07},
        invalid=(
            ({"temperature": 0.0}, "`temperature` must be > 0, got temperature=0.0"),
            ({"temperature": "0.1"}, "`temperature` must be a number"),
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
    LossCase(
        "cross_view_info_nce",
        lossbook.CrossViewInfoNCELoss,
        lossbook.cross_view_info_nce_loss,
        {"temperature": 0.5},
        lambda _, x: ref.cross_view_info_nce(x, 0.5),
        paired_views,
        # y_true is a dummy of shape (2N,) against embeddings (2N, dim).
        shapes=OWN,
        values_per_position=False,
        uses_y_true=False,
        # The rows of the other view are the candidates of each row.
        independent_samples=False,
        permute=permute_pairs,
    ),
]


# N-pairs and lifted structure ---------------------------------------------------


def pair_labels_and_similarities(rng, shape):
    # y_pred is the (B, B) similarity matrix of B anchors and their B positives,
    # whatever shape[1]; about two pairs per label, so that some rows have
    # several targets.
    batch = shape[0]
    labels = rng.integers(0, max(2, batch // 2), batch).astype("float32")
    anchors = rng.normal(0, 1, (batch, 4))
    positives = anchors + rng.normal(0, 0.5, (batch, 4))
    return labels, (anchors @ positives.T).astype("float32")


def multi_hot_labels_and_similarities(rng, shape):
    # Three classes, each pair with at least one of them.
    _, similarities = pair_labels_and_similarities(rng, shape)
    batch = shape[0]
    y_true = (rng.random((batch, 3)) < 0.4).astype("float32")
    y_true[np.arange(batch), rng.integers(0, 3, batch)] = 1.0
    return y_true, similarities


def permute_anchors_and_positives(order, y_true, y_pred):
    # The rows are anchors, the columns their positives: one order for both.
    return y_true[order], y_pred[order][:, order]


SPECS += [
    LossSpec(lossbook.NPairsLoss, lossbook.npairs_loss, non_default={}, invalid=()),
    LossSpec(
        lossbook.NPairsMultilabelLoss,
        lossbook.npairs_multilabel_loss,
        non_default={},
        invalid=(),
    ),
    LossSpec(
        lossbook.LiftedStructLoss,
        lossbook.lifted_struct_loss,
        non_default={"margin": 0.5},
        invalid=(
            ({"margin": -1.0}, "`margin` must be >= 0, got margin=-1.0"),
            ({"margin": float("nan")}, "`margin` must be finite, got margin=nan"),
            ({"margin": "1"}, "`margin` must be a number, got margin='1'"),
        ),
    ),
]

CASES += [
    LossCase(
        "npairs",
        lossbook.NPairsLoss,
        lossbook.npairs_loss,
        {},
        ref.tfa_npairs_per_anchor,
        pair_labels_and_similarities,
        # Labels (batch,) against similarities (batch, batch).
        shapes=OWN,
        values_per_position=False,
        # Every positive is in every anchor's softmax.
        independent_samples=False,
        permute=permute_anchors_and_positives,
        splits_by_rows=False,
    ),
    LossCase(
        "npairs_multilabel",
        lossbook.NPairsMultilabelLoss,
        lossbook.npairs_multilabel_loss,
        {},
        ref.npairs_multilabel_per_anchor,
        multi_hot_labels_and_similarities,
        # Multi-hot labels (batch, classes) against similarities (batch, batch).
        shapes=OWN,
        values_per_position=False,
        independent_samples=False,
        permute=permute_anchors_and_positives,
        splits_by_rows=False,
    ),
    LossCase(
        "lifted_struct",
        lossbook.LiftedStructLoss,
        lossbook.lifted_struct_loss,
        {"margin": MARGIN},
        lambda y, x: ref.lifted_struct_per_anchor(y, x, MARGIN),
        class_labels_and_embeddings,
        # Labels (batch,) against embeddings (batch, dim).
        shapes=OWN,
        values_per_position=False,
        # Every pair is compared with all the negatives of the batch.
        independent_samples=False,
    ),
]


# SupCon and multi-similarity ---------------------------------------------------

SPECS += [
    LossSpec(
        lossbook.SupConLoss,
        lossbook.supcon_loss,
        non_default={"temperature": 0.5},
        invalid=(
            ({"temperature": 0.0}, "`temperature` must be > 0, got temperature=0.0"),
            ({"temperature": -1}, "`temperature` must be > 0, got temperature=-1"),
            ({"temperature": float("inf")}, "`temperature` must be finite"),
            ({"temperature": "0.1"}, "`temperature` must be a number"),
        ),
    ),
    LossSpec(
        lossbook.MultiSimilarityLoss,
        lossbook.multi_similarity_loss,
        non_default={"alpha": 1.0, "beta": 20.0, "base": 0.3, "epsilon": 0.2},
        invalid=(
            ({"alpha": 0.0}, "`alpha` must be > 0, got alpha=0.0"),
            ({"beta": -50.0}, "`beta` must be > 0, got beta=-50.0"),
            ({"base": float("nan")}, "`base` must be finite, got base=nan"),
            ({"base": None}, "`base` must be a number, got base=None"),
            ({"epsilon": -0.1}, "`epsilon` must be >= 0, got epsilon=-0.1"),
        ),
    ),
]

SUPCON_TEMPERATURE = 0.1
MS_ARGUMENTS = {"alpha": 2.0, "beta": 50.0, "base": 0.5, "epsilon": 0.1}


def class_labels_and_two_views(rng, shape):
    # (batch, 2, dim): two noisy views of each sample, about three per class.
    labels, embeddings = class_labels_and_embeddings(rng, shape)
    views = embeddings[:, None, :] + rng.normal(0, 0.3, (shape[0], 2, *shape[1:]))
    return labels, views.astype("float32")


CASES += [
    LossCase(
        "supcon",
        lossbook.SupConLoss,
        lossbook.supcon_loss,
        {"temperature": SUPCON_TEMPERATURE},
        lambda y, x: ref.supcon(y, x, SUPCON_TEMPERATURE),
        class_labels_and_embeddings,
        # Labels (batch,) against embeddings (batch, dim).
        shapes=OWN,
        values_per_position=False,
        # Every other sample is a positive or a negative; values scaled by N / A.
        independent_samples=False,
    ),
    LossCase(
        "supcon_two_views",
        lossbook.SupConLoss,
        lossbook.supcon_loss,
        {"temperature": SUPCON_TEMPERATURE},
        lambda y, x: ref.supcon(y, x, SUPCON_TEMPERATURE),
        class_labels_and_two_views,
        # Labels (batch,) against embeddings (batch, views, dim).
        shapes=OWN,
        values_per_position=False,
        independent_samples=False,
    ),
    LossCase(
        "multi_similarity",
        lossbook.MultiSimilarityLoss,
        lossbook.multi_similarity_loss,
        MS_ARGUMENTS,
        lambda y, x: ref.multi_similarity(y, x, **MS_ARGUMENTS),
        class_labels_and_embeddings,
        # Labels (batch,) against embeddings (batch, dim).
        shapes=OWN,
        values_per_position=False,
        # Pairs are mined in the batch.
        independent_samples=False,
    ),
]

# Angular margins and Proxy-Anchor: y_pred holds the cosines of each sample to C
# class centres (lossbook.layers.CosineHead's output), y_true labels or one-hot rows.

SPECS += [
    LossSpec(
        lossbook.ArcFaceLoss,
        lossbook.arcface_loss,
        non_default={"margin": 0.3, "scale": 30.0, "easy_margin": True},
        invalid=(
            (
                {"margin": 28.6},
                r"`margin` must be an angle in radians in \[0, pi/2\), got margin=28.6",
            ),
            ({"margin": -0.1}, "`margin` must be >= 0, got margin=-0.1"),
            ({"scale": 0.0}, "`scale` must be > 0, got scale=0.0"),
            ({"easy_margin": 1}, "`easy_margin` must be True or False, got"),
        ),
    ),
    LossSpec(
        lossbook.CosFaceLoss,
        lossbook.cosface_loss,
        non_default={"margin": 0.2, "scale": 30.0},
        invalid=(
            ({"margin": -1.0}, "`margin` must be >= 0, got margin=-1.0"),
            ({"scale": -2.0}, "`scale` must be > 0, got scale=-2.0"),
            ({"scale": "64"}, "`scale` must be a number, got scale='64'"),
        ),
    ),
    LossSpec(
        lossbook.ProxyAnchorLoss,
        lossbook.proxy_anchor_loss,
        non_default={"margin": 0.2, "alpha": 16.0},
        invalid=(
            ({"margin": -0.1}, "`margin` must be >= 0, got margin=-0.1"),
            ({"alpha": 0}, "`alpha` must be > 0, got alpha=0"),
            ({"alpha": float("inf")}, "`alpha` must be finite, got alpha=inf"),
        ),
    ),
]


def labels_and_cosines(rng, shape):
    """Integer labels (batch,) and cosines (batch, C), C = shape[1]."""
    classes = shape[1]
    labels = rng.integers(0, classes, shape[0]).astype("float32")
    return labels, rng.uniform(-0.95, 0.95, shape[:2]).astype("float32")


def one_hot_and_cosines(rng, shape):
    labels, cosines = labels_and_cosines(rng, shape)
    return np.eye(shape[1], dtype="float32")[labels.astype(int)], cosines


def away_from(*kinks):
    """Moves cosines off the kinks of the loss (where ArcFace's rule switches)."""

    def move(y_true, cosines):
        for kink in kinks:
            cosines = np.where(np.abs(cosines - kink) < 0.02, kink + 0.03, cosines)
        return y_true, cosines

    return move


ARCFACE_EASY = {"margin": 0.3, "scale": 16.0, "easy_margin": True}
TANH = {"activation": "tanh"}  # cosines lie in [-1, 1]

CASES += [
    LossCase(
        "arcface",
        lossbook.ArcFaceLoss,
        lossbook.arcface_loss,
        {"margin": 0.5, "scale": 64.0},
        lambda y, c: ref.arcface(y, c, 0.5, 64.0),
        one_hot_and_cosines,
        # One-hot rows (batch, C) against cosines (batch, C): one value a sample.
        shapes=OWN,
        values_per_position=False,
        model_output=TANH,
        for_finite_differences=away_from(np.cos(np.pi - 0.5)),
    ),
    LossCase(
        "arcface_easy_margin_labels",
        lossbook.ArcFaceLoss,
        lossbook.arcface_loss,
        ARCFACE_EASY,
        lambda y, c: ref.arcface(y, c, 0.3, 16.0, easy_margin=True),
        labels_and_cosines,
        # Labels (batch,) against cosines (batch, C).
        shapes=OWN,
        values_per_position=False,
        model_output=TANH,
        for_finite_differences=away_from(0.0),
    ),
    LossCase(
        "cosface",
        lossbook.CosFaceLoss,
        lossbook.cosface_loss,
        {"margin": 0.35, "scale": 64.0},
        lambda y, c: ref.cosface(y, c, 0.35, 64.0),
        labels_and_cosines,
        # Labels (batch,) against cosines (batch, C).
        shapes=OWN,
        values_per_position=False,
        model_output=TANH,
    ),
    LossCase(
        "proxy_anchor",
        lossbook.ProxyAnchorLoss,
        lossbook.proxy_anchor_loss,
        {"margin": 0.1, "alpha": 32.0},
        lambda y, c: ref.proxy_anchor_per_sample(y, c, 0.1, 32.0),
        labels_and_cosines,
        # Labels (batch,) against cosines (batch, C).
        shapes=OWN,
        values_per_position=False,
        model_output=TANH,
        # Every sample enters every proxy's sums; values are shares of the batch.
        independent_samples=False,
    ),
]

"""Float64 NumPy references of the metric-learning losses.

`tfa_*` functions are line-by-line ports of TensorFlow Addons' algorithms
(`tensorflow_addons/losses/{contrastive,triplet,metric_learning}.py`, distance
metric "L2"), including its tiling and masked minimum/maximum tricks, so that the
edge cases (no positive, no negative) behave exactly as Addons'. The `loop_*`
functions are the plain nested loops of Addons' own tests, an independent check
of the ports where every anchor has a negative.
"""

import numpy as np


def contrastive_elementwise(y, d, margin):
    """Addons' `contrastive_loss`: one value per element, no mean."""
    y, d = np.float64(y), np.float64(d)
    return y * d**2 + (1 - y) * np.maximum(margin - d, 0.0) ** 2


def contrastive(y, d, margin):
    """lossbook's per-sample values: the elementwise loss, averaged over a last axis."""
    values = contrastive_elementwise(y, d, margin)
    return values.mean(axis=-1) if values.ndim >= 2 else values


def tfa_pairwise_distance(feature):
    """Addons' `pairwise_distance(feature, squared=False)`."""
    feature = np.float64(feature)
    squared = (
        np.sum(feature**2, axis=1, keepdims=True)
        + np.sum(feature.T**2, axis=0, keepdims=True)
        - 2.0 * feature @ feature.T
    )
    squared = np.maximum(squared, 0.0)
    error_mask = squared <= 0.0
    distances = np.sqrt(squared + error_mask * 1e-16)
    distances = distances * np.logical_not(error_mask)
    return distances * (1.0 - np.eye(len(feature)))


def _masked_maximum(data, mask, dim=1):
    axis_minimums = data.min(axis=dim, keepdims=True)
    return ((data - axis_minimums) * mask).max(axis=dim, keepdims=True) + axis_minimums


def _masked_minimum(data, mask, dim=1):
    axis_maximums = data.max(axis=dim, keepdims=True)
    return ((data - axis_maximums) * mask).min(axis=dim, keepdims=True) + axis_maximums


def _labels_and_distances(labels, embeddings):
    labels = np.asarray(labels).reshape(-1, 1)
    return labels, tfa_pairwise_distance(embeddings)


def tfa_semihard_pair_losses(labels, embeddings, margin):
    """Addons' `triplet_semihard_loss` up to its final sum: (pair losses, P)."""
    labels, pdist_matrix = _labels_and_distances(labels, embeddings)
    adjacency = labels == labels.T
    adjacency_not = np.logical_not(adjacency)
    batch_size = labels.size
    pdist_matrix_tile = np.tile(pdist_matrix, [batch_size, 1])
    mask = np.logical_and(
        np.tile(adjacency_not, [batch_size, 1]),
        pdist_matrix_tile > pdist_matrix.T.reshape(-1, 1),
    )
    mask_final = (mask.astype(np.float64).sum(axis=1, keepdims=True) > 0.0).reshape(
        batch_size, batch_size
    )
    mask_final = mask_final.T
    adjacency_not = adjacency_not.astype(np.float64)
    mask = mask.astype(np.float64)
    negatives_outside = _masked_minimum(pdist_matrix_tile, mask).reshape(
        batch_size, batch_size
    )
    negatives_outside = negatives_outside.T
    negatives_inside = np.tile(
        _masked_maximum(pdist_matrix, adjacency_not), [1, batch_size]
    )
    semi_hard_negatives = np.where(mask_final, negatives_outside, negatives_inside)
    loss_mat = margin + pdist_matrix - semi_hard_negatives
    mask_positives = adjacency.astype(np.float64) - np.eye(batch_size)
    num_positives = mask_positives.sum()
    return np.maximum(loss_mat * mask_positives, 0.0), num_positives


def tfa_triplet_semihard(labels, embeddings, margin):
    """Addons' scalar: the mean over positive pairs (NaN without positive pairs)."""
    pair_losses, num_positives = tfa_semihard_pair_losses(labels, embeddings, margin)
    with np.errstate(invalid="ignore"):
        return pair_losses.sum() / num_positives


def triplet_semihard_per_anchor(labels, embeddings, margin):
    """lossbook's per-anchor values: (B / P) * the anchor's sum; zeros if P == 0."""
    pair_losses, num_positives = tfa_semihard_pair_losses(labels, embeddings, margin)
    batch_size = len(pair_losses)
    return pair_losses.sum(axis=1) * batch_size / max(num_positives, 1.0)


def tfa_triplet_hard_per_anchor(labels, embeddings, margin, soft=False):
    """Addons' `triplet_hard_loss` before its final mean."""
    labels, pdist_matrix = _labels_and_distances(labels, embeddings)
    adjacency = labels == labels.T
    adjacency_not = np.logical_not(adjacency).astype(np.float64)
    hard_negatives = _masked_minimum(pdist_matrix, adjacency_not)
    mask_positives = adjacency.astype(np.float64) - np.eye(labels.size)
    hard_positives = _masked_maximum(pdist_matrix, mask_positives)
    if soft:
        losses = np.log1p(np.exp(hard_positives - hard_negatives))
    else:
        losses = np.maximum(hard_positives - hard_negatives + margin, 0.0)
    return losses[:, 0]


def _exact_distances(embeddings):
    e = np.float64(embeddings)
    return np.linalg.norm(e[:, None, :] - e[None, :, :], axis=-1)


def loop_triplet_semihard(labels, embeddings, margin):
    """Addons' test reference (nested loops), with Euclidean distances."""
    labels, d = np.asarray(labels).ravel(), _exact_distances(embeddings)
    total, num_positives = 0.0, 0
    for a in range(len(labels)):
        negatives = sorted(
            d[a, k] for k in range(len(labels)) if labels[k] != labels[a]
        )
        for p in range(len(labels)):
            if p == a or labels[p] != labels[a]:
                continue
            num_positives += 1
            outside = [n for n in negatives if n > d[a, p]]
            chosen = outside[0] if outside else negatives[-1]
            total += max(0.0, margin + d[a, p] - chosen)
    return total / num_positives


def loop_triplet_hard(labels, embeddings, margin, soft=False):
    """Addons' test reference (nested loops), with Euclidean distances."""
    labels, d = np.asarray(labels).ravel(), _exact_distances(embeddings)
    losses = []
    for a in range(len(labels)):
        positives = [
            d[a, p] for p in range(len(labels)) if p != a and labels[p] == labels[a]
        ]
        negatives = [d[a, n] for n in range(len(labels)) if labels[n] != labels[a]]
        gap = max(positives, default=0.0) - min(negatives)
        losses.append(np.log1p(np.exp(gap)) if soft else max(0.0, gap + margin))
    return np.mean(losses)


def nt_xent(embeddings, temperature):
    """SimCLR's NT-Xent per row: rows i and (i + N) mod 2N are positives."""
    e = np.float64(embeddings)
    z = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-6)
    size = len(z)
    similarities = z @ z.T / temperature
    losses = np.empty(size)
    for i in range(size):
        others = [similarities[i, j] for j in range(size) if j != i]
        losses[i] = (
            np.logaddexp.reduce(others) - similarities[i, (i + size // 2) % size]
        )
    return losses

"""Float64 NumPy references of the metric-learning losses.

`tfa_*` functions are line-by-line ports of TensorFlow Addons' algorithms
(`tensorflow_addons/losses/{contrastive,triplet,metric_learning}.py`, with its
three distance metrics), including its tiling and masked minimum/maximum tricks, so
that the edge cases (no positive, no negative) behave exactly as Addons'. The `loop_*`
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


def tfa_pairwise_distance(feature, squared=False):
    """Addons' `pairwise_distance(feature, squared)`."""
    feature = np.float64(feature)
    squares = (
        np.sum(feature**2, axis=1, keepdims=True)
        + np.sum(feature.T**2, axis=0, keepdims=True)
        - 2.0 * feature @ feature.T
    )
    squares = np.maximum(squares, 0.0)
    error_mask = squares <= 0.0
    distances = squares if squared else np.sqrt(squares + error_mask * 1e-16)
    distances = distances * np.logical_not(error_mask)
    return distances * (1.0 - np.eye(len(feature)))


def tfa_angular_distance(feature):
    """Addons' `angular_distance`: 1 - cosine similarity, floored at 1e-16."""
    feature = np.float64(feature)
    norms = np.sqrt(np.maximum(np.sum(feature**2, axis=1, keepdims=True), 1e-12))
    feature = feature / norms
    return np.maximum(1.0 - feature @ feature.T, 1e-16)


def tfa_distances(feature, distance_metric="L2"):
    """The distance matrix of Addons' `distance_metric` argument."""
    if distance_metric == "L2":
        return tfa_pairwise_distance(feature)
    if distance_metric == "squared-L2":
        return tfa_pairwise_distance(feature, squared=True)
    if distance_metric == "angular":
        return tfa_angular_distance(feature)
    return np.float64(distance_metric(np.float64(feature)))


def _masked_maximum(data, mask, dim=1):
    axis_minimums = data.min(axis=dim, keepdims=True)
    return ((data - axis_minimums) * mask).max(axis=dim, keepdims=True) + axis_minimums


def _masked_minimum(data, mask, dim=1):
    axis_maximums = data.max(axis=dim, keepdims=True)
    return ((data - axis_maximums) * mask).min(axis=dim, keepdims=True) + axis_maximums


def _labels_and_distances(labels, embeddings, distance_metric):
    labels = np.asarray(labels).reshape(-1, 1)
    return labels, tfa_distances(embeddings, distance_metric)


def tfa_semihard_pair_losses(labels, embeddings, margin, distance_metric="L2"):
    """Addons' `triplet_semihard_loss` up to its final sum: (pair losses, P)."""
    labels, pdist_matrix = _labels_and_distances(labels, embeddings, distance_metric)
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


def tfa_triplet_semihard(labels, embeddings, margin, distance_metric="L2"):
    """Addons' scalar: the mean over positive pairs (NaN without positive pairs)."""
    pair_losses, num_positives = tfa_semihard_pair_losses(
        labels, embeddings, margin, distance_metric
    )
    with np.errstate(invalid="ignore"):
        return pair_losses.sum() / num_positives


def triplet_semihard_per_anchor(labels, embeddings, margin):
    """lossbook's per-anchor values: (B / P) * the anchor's sum; zeros if P == 0."""
    pair_losses, num_positives = tfa_semihard_pair_losses(labels, embeddings, margin)
    batch_size = len(pair_losses)
    return pair_losses.sum(axis=1) * batch_size / max(num_positives, 1.0)


def tfa_triplet_hard_per_anchor(
    labels, embeddings, margin, soft=False, distance_metric="L2"
):
    """Addons' `triplet_hard_loss` before its final mean."""
    labels, pdist_matrix = _labels_and_distances(labels, embeddings, distance_metric)
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


def cross_view_info_nce(embeddings, temperature):
    """CLIP's symmetric loss per row: view 1 against the N rows of view 2, and back."""
    e = np.float64(embeddings)
    z = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-6)
    half = len(z) // 2
    similarities = z[:half] @ z[half:].T / temperature
    rows = np.logaddexp.reduce(similarities, axis=1) - np.diag(similarities)
    columns = np.logaddexp.reduce(similarities, axis=0) - np.diag(similarities)
    return np.concatenate([rows, columns])


# N-pairs and lifted structure (tensorflow_addons/losses/{npairs,lifted}.py) -------


def _softmax_cross_entropy(targets, logits):
    """`tf.nn.softmax_cross_entropy_with_logits` in float64, per row."""
    logits = np.float64(logits)
    top = logits.max(axis=1, keepdims=True)
    log_softmax = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    return -(targets * log_softmax).sum(axis=1)


def tfa_npairs_per_anchor(labels, similarities):
    """Addons' `npairs_loss` before its final mean."""
    labels = np.float64(labels).reshape(-1, 1)
    targets = (labels == labels.T).astype(np.float64)
    targets /= targets.sum(axis=1, keepdims=True)
    return _softmax_cross_entropy(targets, similarities)


def tfa_npairs_multilabel_per_anchor(y_true, similarities):
    """Addons' `npairs_multilabel_loss` before its final mean (NaN for a row of
    zeros, whose targets are 0 / 0)."""
    y_true = np.float64(y_true)
    targets = y_true @ y_true.T
    with np.errstate(invalid="ignore"):
        targets /= targets.sum(axis=1, keepdims=True)
    return _softmax_cross_entropy(targets, similarities)


def npairs_multilabel_per_anchor(y_true, similarities):
    """lossbook's values: Addons' per row, and 0 for a row without any label."""
    values = tfa_npairs_multilabel_per_anchor(y_true, similarities)
    has_label = (np.float64(y_true) @ np.float64(y_true).T).sum(axis=1) > 0
    return np.where(has_label, values, 0.0)


def tfa_lifted_struct_terms(labels, embeddings, margin):
    """Addons' `lifted_struct_loss` up to its hinge: (J matrix, positive mask).

    Its tiled form, with Addons' shift by the largest negative logit of either
    row (as in the Caffe layer it follows).
    """
    labels = np.asarray(labels).reshape(-1, 1)
    pairwise_distances = tfa_pairwise_distance(embeddings)
    adjacency = labels == labels.T
    batch_size = labels.size
    diff = margin - pairwise_distances
    mask = np.logical_not(adjacency).astype(np.float64)
    row_minimums = diff.min(axis=1, keepdims=True)
    row_negative_maximums = ((diff - row_minimums) * mask).max(
        axis=1, keepdims=True
    ) + row_minimums
    max_elements = np.maximum(row_negative_maximums, row_negative_maximums.T)
    diff_tiled = np.tile(diff, [batch_size, 1])
    mask_tiled = np.tile(mask, [batch_size, 1])
    max_elements_vect = max_elements.T.reshape(-1, 1)
    loss_exp_left = (
        (np.exp(diff_tiled - max_elements_vect) * mask_tiled)
        .sum(axis=1, keepdims=True)
        .reshape(batch_size, batch_size)
    )
    with np.errstate(divide="ignore"):
        loss_mat = max_elements + np.log(loss_exp_left + loss_exp_left.T)
    loss_mat += pairwise_distances
    mask_positives = adjacency.astype(np.float64) - np.eye(batch_size)
    return loss_mat, mask_positives


def tfa_lifted_struct(labels, embeddings, margin):
    """Addons' scalar (NaN without positive pairs, or without negatives)."""
    loss_mat, mask_positives = tfa_lifted_struct_terms(labels, embeddings, margin)
    num_positives = mask_positives.sum() / 2.0
    with np.errstate(invalid="ignore"):
        return (
            0.25
            * np.sum(np.maximum(loss_mat * mask_positives, 0.0) ** 2)
            / num_positives
        )


def lifted_struct_per_anchor(labels, embeddings, margin):
    """lossbook's per-anchor values: (B / P) * half the anchor's sum of squared
    hinges over its positive pairs; zeros without positive pairs or negatives."""
    loss_mat, mask_positives = tfa_lifted_struct_terms(labels, embeddings, margin)
    hinges = np.where(mask_positives > 0, np.maximum(loss_mat, 0.0), 0.0)
    batch_size = len(hinges)
    scale = batch_size / max(mask_positives.sum(), 1.0)
    return 0.5 * (hinges**2).sum(axis=1) * scale


def loop_lifted_struct(labels, embeddings, margin):
    """Song et al.'s Eq. (4) with plain loops over the unordered positive pairs
    (the log of the sum of exponentials by `np.logaddexp`, finite at any scale)."""
    labels, d = np.asarray(labels).ravel(), _exact_distances(embeddings)
    total, pairs = 0.0, 0
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            if labels[i] != labels[j]:
                continue
            negatives = [
                margin - d[a, k]
                for a in (i, j)
                for k in range(len(labels))
                if labels[k] != labels[a]
            ]
            total += max(np.logaddexp.reduce(negatives) + d[i, j], 0.0) ** 2
            pairs += 1
    return total / (2 * pairs)


# SupCon and multi-similarity ---------------------------------------------------


def _unit_rows(embeddings):
    e = np.float64(embeddings)
    return e / np.maximum(np.linalg.norm(e, axis=-1, keepdims=True), 1e-6)


def supcon_per_anchor(labels, embeddings, temperature):
    """Khosla et al.'s L^sup_out per anchor, `(B, V)`, loops over the anchors.

    `embeddings` is `(B, D)` or `(B, V, D)`; anchor `(b, v)` has label `b`'s.
    Also returns whether each anchor has a positive.
    """
    z = _unit_rows(embeddings)
    if z.ndim == 2:
        z = z[:, None, :]
    batch, views, _ = z.shape
    anchors = z.reshape(batch * views, -1)
    anchor_labels = np.repeat(np.asarray(labels).ravel(), views)
    s = anchors @ anchors.T / temperature
    losses = np.zeros(batch * views)
    has_positive = np.zeros(batch * views, bool)
    for i in range(batch * views):
        others = [a for a in range(batch * views) if a != i]
        positives = [a for a in others if anchor_labels[a] == anchor_labels[i]]
        if positives:
            has_positive[i] = True
            log_denominator = np.logaddexp.reduce(s[i, others])
            losses[i] = -np.mean([s[i, p] - log_denominator for p in positives])
    return losses.reshape(batch, views), has_positive.reshape(batch, views)


def supcon(labels, embeddings, temperature):
    """lossbook's per-sample values: views averaged, times N / A."""
    losses, has_positive = supcon_per_anchor(labels, embeddings, temperature)
    return losses.mean(axis=1) * has_positive.size / max(has_positive.sum(), 1)


def multi_similarity(labels, embeddings, alpha, beta, base, epsilon):
    """Wang et al.'s MS loss per anchor (Eq. 4) on the pairs of Eqs. 2-3, loops."""
    z = _unit_rows(embeddings)
    labels = np.asarray(labels).ravel()
    s = z @ z.T
    losses = np.zeros(len(z))
    for i in range(len(z)):
        positives = [j for j in range(len(z)) if j != i and labels[j] == labels[i]]
        negatives = [k for k in range(len(z)) if labels[k] != labels[i]]
        if not positives or not negatives:
            continue
        least_positive = min(s[i, j] for j in positives)
        most_negative = max(s[i, k] for k in negatives)
        kept_positives = [
            s[i, j] for j in positives if s[i, j] - epsilon < most_negative
        ]
        kept_negatives = [
            s[i, k] for k in negatives if s[i, k] + epsilon > least_positive
        ]
        # log(1 + sum exp(x)) = logaddexp.reduce([0, x...])
        positive_term = np.logaddexp.reduce(
            [0.0] + [-alpha * (x - base) for x in kept_positives]
        )
        negative_term = np.logaddexp.reduce(
            [0.0] + [beta * (x - base) for x in kept_negatives]
        )
        losses[i] = positive_term / alpha + negative_term / beta
    return losses


# Angular margins (ArcFace, CosFace) and Proxy-Anchor, on cosines to class centres.


def class_targets(y_true, classes):
    """One-hot rows from labels `(B,)`/`(B, 1)` (NaN rows if a label is not one of
    0..C-1), or the rows themselves if `y_true` is already `(B, C)`."""
    y = np.float64(y_true)
    if y.ndim == 2 and y.shape[1] == classes and classes != 1:
        return y
    labels = y.reshape(-1)
    targets = np.float64(labels[:, None] == np.arange(classes)[None, :])
    targets[~targets.any(axis=1)] = np.nan
    return targets


def softmax_cross_entropy(targets, logits):
    """-sum_j t_j log softmax(logits)_j, each term as softplus(logsumexp_{k!=j}
    (l_k - l_j)): exact to float64 digits even for a loss of 1e-30."""
    batch, classes = logits.shape
    losses = np.zeros(batch)
    for b in range(batch):
        for j in range(classes):
            if targets[b, j] == 0:
                continue
            others = np.delete(logits[b], j) - logits[b, j]
            losses[b] += targets[b, j] * np.logaddexp(0.0, np.logaddexp.reduce(others))
    return losses


def arcface(y_true, cosines, margin, scale, easy_margin=False):
    """ArcFace (Deng et al. 2019, Eq. 3) with insightface's th/mm rule."""
    c = np.float64(cosines)
    targets = class_targets(y_true, c.shape[1])
    theta = np.arccos(np.clip(c, -1.0, 1.0))
    phi = np.cos(theta + margin)
    if easy_margin:
        phi = np.where(c > 0, phi, c)
    else:
        phi = np.where(c > np.cos(np.pi - margin), phi, c - margin * np.sin(margin))
    logits = scale * (c + targets * (phi - c))
    return softmax_cross_entropy(np.nan_to_num(targets, nan=1.0), logits) + np.where(
        np.isnan(targets).any(axis=1), np.nan, 0.0
    )


def cosface(y_true, cosines, margin, scale):
    """CosFace (Wang et al. 2018, Eq. 4)."""
    c = np.float64(cosines)
    targets = class_targets(y_true, c.shape[1])
    logits = scale * (c - margin * targets)
    return softmax_cross_entropy(np.nan_to_num(targets, nan=1.0), logits) + np.where(
        np.isnan(targets).any(axis=1), np.nan, 0.0
    )


def proxy_anchor(y_true, cosines, margin, alpha):
    """Proxy-Anchor (Kim et al. 2020, Eq. 4): the batch loss L, a number."""
    s = np.float64(cosines)
    targets = class_targets(y_true, s.shape[1])
    if np.isnan(targets).any():
        return np.nan
    positive = targets > 0
    with_positives = [p for p in range(s.shape[1]) if positive[:, p].any()]
    pull = sum(
        np.logaddexp(0.0, np.logaddexp.reduce(-alpha * (s[positive[:, p], p] - margin)))
        for p in with_positives
    )
    push = sum(
        np.logaddexp(0.0, np.logaddexp.reduce(alpha * (s[~positive[:, p], p] + margin)))
        for p in range(s.shape[1])
        if (~positive[:, p]).any()
    )
    return pull / len(with_positives) + push / s.shape[1]


def proxy_anchor_per_sample(y_true, cosines, margin, alpha):
    """lossbook's per-sample values: each proxy's term shared out among its samples
    in proportion to their exponentials, times the batch size B (mean = L)."""
    s = np.float64(cosines)
    targets = class_targets(y_true, s.shape[1])
    if np.isnan(targets).any():
        return np.full(len(s), np.nan)
    positive = targets > 0
    batch, classes = s.shape
    values = np.zeros(batch)
    count = sum(positive[:, p].any() for p in range(classes))
    for p in range(classes):
        for members, exponents, divisor in (
            (positive[:, p], -alpha * (s[:, p] - margin), count),
            (~positive[:, p], alpha * (s[:, p] + margin), classes),
        ):
            if not members.any():
                continue
            total = np.logaddexp.reduce(exponents[members])
            term = np.logaddexp(0.0, total)
            values[members] += np.exp(exponents[members] - total) * term / divisor
    return batch * values

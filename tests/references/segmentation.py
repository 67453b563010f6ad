"""Float64 NumPy formulas for the segmentation losses, written from the papers.

The Lovász hinge follows Algorithm 1 of Berman et al. (CVPR 2018) and the
structure of the authors' `lovasz_hinge_flat` / `lovasz_grad`
(github.com/bermanmaxim/LovaszSoftmax, MIT License): one image at a time, a
stable descending sort, and the Jaccard loss of each prefix of the sorted errors.
"""

import numpy as np


def _per_sample(x):
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(len(x), -1)


def jaccard(y, p, smooth, axis=None):
    """1 - (sum(y p) + smooth) / (sum(y) + sum(p) - sum(y p) + smooth).

    Summed over every non-batch axis (one value per sample), or over `axis`.
    """
    if axis is None:
        y, p, axis = _per_sample(y), _per_sample(p), 1
    y, p = np.float64(y), np.float64(p)
    intersection = (y * p).sum(axis=axis)
    union = y.sum(axis=axis) + p.sum(axis=axis) - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            union + smooth == 0, 0.0, 1.0 - (intersection + smooth) / (union + smooth)
        )


def focal_tversky(y, p, alpha, beta, gamma, smooth):
    """(1 - TI) ** gamma, TI = (TP + s) / (TP + alpha FN + beta FP + s), per sample."""
    y, p = _per_sample(y), _per_sample(p)
    tp = (y * p).sum(axis=1)
    fn = (y * (1 - p)).sum(axis=1)
    fp = ((1 - y) * p).sum(axis=1)
    tversky_index = (tp + smooth) / (tp + alpha * fn + beta * fp + smooth)
    return (1.0 - tversky_index) ** gamma


def lovasz_grad(labels_sorted):
    """Gradient of the Lovász extension of the Jaccard loss w.r.t. sorted errors."""
    positives = labels_sorted.sum()
    intersection = positives - np.cumsum(labels_sorted)
    union = positives + np.cumsum(1.0 - labels_sorted)
    jaccard_prefix = 1.0 - intersection / union
    return np.diff(jaccard_prefix, prepend=0.0)


def lovasz_hinge_flat_parts(logits, labels):
    """relu(error) * grad for each pixel of one flat image, in the input order.

    Their sum is the authors' `lovasz_hinge_flat(logits, labels)`.
    """
    logits, labels = np.float64(logits), np.float64(labels)
    errors = 1.0 - logits * (2.0 * labels - 1.0)
    order = np.argsort(-errors, kind="stable")
    parts = np.empty_like(errors)
    parts[order] = np.maximum(errors[order], 0.0) * lovasz_grad(labels[order])
    return parts


def lovasz_hinge_flat(logits, labels):
    return lovasz_hinge_flat_parts(logits, labels).sum()


def lovasz_hinge(y, x, per_image):
    """Per-sample values whose mean is the authors' `lovasz_hinge(x, y, per_image)`.

    per_image=True: each image's own loss. per_image=False: batch size times each
    image's share of the one whole-batch sum.
    """
    y, x = _per_sample(y), _per_sample(x)
    if per_image:
        return np.array(
            [lovasz_hinge_flat(xi, yi) for xi, yi in zip(x, y, strict=True)]
        )
    parts = lovasz_hinge_flat_parts(x.ravel(), y.ravel()).reshape(x.shape)
    return len(x) * parts.sum(axis=1)


def lovasz_hinge_reference_value(y, x, per_image):
    """The scalar the authors' `lovasz_hinge` returns."""
    y, x = _per_sample(y), _per_sample(x)
    if per_image:
        return float(
            np.mean([lovasz_hinge_flat(xi, yi) for xi, yi in zip(x, y, strict=True)])
        )
    return float(lovasz_hinge_flat(x.ravel(), y.ravel()))


# Dice: dice_c = (2 I_c + smooth) / (|y_c| + |p_c| + smooth), class by class.


def _dice_targets_and_probabilities(y, p, mode, from_logits, ignore_index):
    """(B, P, C) float64 targets and probabilities, ignored pixels zeroed in both."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    if mode == "multiclass":
        if y.ndim == p.ndim:
            y = y[..., 0]
        if from_logits:
            p = np.exp(p - np.logaddexp.reduce(p, axis=-1, keepdims=True))
        targets = (y[..., None] == np.arange(p.shape[-1])).astype(np.float64)
        valid = np.ones(y.shape + (1,)) if ignore_index is None else y[..., None]
    else:
        if from_logits:
            p = 1.0 / (1.0 + np.exp(-p))
        if mode == "binary":
            y, p = y[..., None], p[..., None]
        targets, valid = y, np.ones(y.shape) if ignore_index is None else y
    if ignore_index is not None:
        valid = (valid != ignore_index).astype(np.float64)
    targets, p = targets * valid, p * valid
    shape = (len(p), -1, p.shape[-1])
    return targets.reshape(shape), p.reshape(shape)


def _sudre(volumes):
    """1 / volume**2, and the row's largest such weight for an empty class."""
    with np.errstate(divide="ignore"):
        weights = np.where(volumes > 0, 1.0 / volumes**2, 0.0)
    return np.where(volumes > 0, weights, weights.max(axis=-1, keepdims=True))


def dice(
    y,
    p,
    *,
    mode="binary",
    from_logits=False,
    class_weights=None,
    generalized=False,
    ignore_index=None,
    log_loss=False,
    smooth=0.0,
    per_image=False,
):
    """Per-sample values of `lossbook.dice_loss`, from the formula.

    per_image=True: each image's loss. per_image=False: the loss of the whole
    batch, shared between the images in proportion to their `|y| + |p| - 2 I`.
    """
    t, q = _dice_targets_and_probabilities(y, p, mode, from_logits, ignore_index)
    intersection = (t * q).sum(axis=1)  # (B, C)
    cardinality = t.sum(axis=1) + q.sum(axis=1)
    weights = np.ones(t.shape[-1]) if class_weights is None else class_weights
    weights = np.asarray(weights, dtype=np.float64)

    def loss_of(i, c):
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(c + smooth == 0, 1.0, (2 * i + smooth) / (c + smooth))
        return -np.log(np.maximum(score, 1e-7)) if log_loss else 1.0 - score

    if per_image:
        if generalized:
            w = _sudre(t.sum(axis=1)) * weights
            return loss_of((w * intersection).sum(-1), (w * cardinality).sum(-1))
        return (loss_of(intersection, cardinality) * weights).sum(-1) / weights.sum()
    errors = cardinality - 2 * intersection
    if generalized:
        w = _sudre(t.sum(axis=(0, 1))) * weights
        intersection = (w * intersection).sum(-1, keepdims=True)
        cardinality = (w * cardinality).sum(-1, keepdims=True)
        errors = (w * errors).sum(-1, keepdims=True)
        weights = np.ones(1)
    batch_loss = loss_of(intersection.sum(axis=0), cardinality.sum(axis=0))
    total_errors = errors.sum(axis=0)
    nonzero = total_errors != 0
    shares = np.where(nonzero, errors / np.where(nonzero, total_errors, 1.0), 0.0)
    return len(t) * (shares * batch_loss * weights).sum(-1) / weights.sum()


# Lovász-Softmax: Algorithm 1 of Berman et al. for every class, class by class,
# pixel sets built with NumPy masks (ignored pixels removed, not sorted last).


def _class_ids_and_probabilities(y, p, from_logits):
    """(B, P) class ids and (B, P, C) float64 probabilities."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    if y.ndim == p.ndim and y.shape[-1] == 1:
        y = y[..., 0]
    if from_logits:
        p = np.exp(p - np.logaddexp.reduce(p, axis=-1, keepdims=True))
    return y.reshape(len(y), -1), p.reshape(len(p), -1, p.shape[-1])


def lovasz_softmax_flat_parts(probabilities, labels, classes):
    """Each pixel's part of the Lovász-Softmax loss of one set, in input order.

    `probabilities` (P, C) and `labels` (P,) of the pixels kept. The parts sum
    to the authors' `lovasz_softmax_flat`: the mean over the classes scored of
    `sum_k m_k(c) * grad_k(c)`; a set where no class is scored gives 0, as
    their `mean` of nothing does.
    """
    parts = np.zeros(len(labels))
    if len(labels) == 0:
        return parts
    ids = range(probabilities.shape[1]) if isinstance(classes, str) else classes
    scored = []
    for c in ids:
        foreground = np.float64(labels == c)
        if classes == "present" and foreground.sum() == 0:
            continue
        errors = np.abs(foreground - probabilities[:, c])
        order = np.argsort(-errors, kind="stable")
        part = np.empty_like(errors)
        part[order] = errors[order] * lovasz_grad(foreground[order])
        scored.append(part)
    return np.mean(scored, axis=0) if scored else parts


def lovasz_softmax(
    y, p, classes="present", per_image=False, ignore_index=None, from_logits=False
):
    """Per-sample values whose mean is the authors' `lovasz_softmax`.

    `y` (B, ...) class ids, `p` (B, ..., C) probabilities (logits if
    `from_logits`). per_image=True: each image's own loss; False: batch size
    times each image's share of the one whole-batch loss. Ignored pixels are
    removed before anything else.
    """
    y, p = _class_ids_and_probabilities(y, p, from_logits)
    keep = np.ones(y.shape, bool) if ignore_index is None else y != ignore_index
    if per_image:
        return np.array(
            [
                lovasz_softmax_flat_parts(pi[k], yi[k], classes).sum()
                for pi, yi, k in zip(p, y, keep, strict=True)
            ]
        )
    parts = np.zeros(y.shape)
    parts[keep] = lovasz_softmax_flat_parts(p[keep], y[keep], classes)
    return len(y) * parts.sum(axis=1)

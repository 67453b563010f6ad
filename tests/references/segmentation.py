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

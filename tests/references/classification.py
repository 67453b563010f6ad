"""Float64 NumPy formulas for the classification losses."""

import numpy as np

from references import EPSILON, log_sigmoid, log_softmax


def weighted_bce_from_logits(y, x, pos_weight, neg_weight=1.0):
    y, x = np.float64(y), np.float64(x)
    return -np.mean(
        pos_weight * y * log_sigmoid(x) + neg_weight * (1 - y) * log_sigmoid(-x),
        axis=-1,
    )


def weighted_bce_from_probabilities(y, p, pos_weight, neg_weight=1.0):
    y = np.float64(y)
    p = np.clip(np.float64(p), EPSILON, 1 - EPSILON)
    weighted = pos_weight * y * np.log(p) + neg_weight * (1 - y) * np.log(1 - p)
    return -np.mean(weighted, axis=-1)


def poly1(y, x, epsilon, from_logits, label_smoothing=0.0):
    y, x = np.float64(y), np.float64(x)
    if label_smoothing:
        y = y * (1 - label_smoothing) + label_smoothing / y.shape[-1]
    if from_logits:
        log_p = x - np.logaddexp.reduce(x, axis=-1, keepdims=True)
        p = np.exp(log_p)
    else:
        p = x / x.sum(axis=-1, keepdims=True)
        log_p = np.log(np.clip(p, EPSILON, 1 - EPSILON))
    return -(y * log_p).sum(axis=-1) + epsilon * (1 - (y * p).sum(axis=-1))


def sparse_focal(labels, x, gamma, alpha=None, from_logits=False, ignore_class=None):
    """Focal loss on integer labels, by indexing (no one-hot): 0 where ignored."""
    labels, x = np.float64(labels), np.float64(x)
    if labels.ndim == x.ndim:
        labels = labels[..., 0]
    valid = np.ones(labels.shape, bool)
    if ignore_class is not None:
        valid = labels != ignore_class
    index = np.where(valid, labels, 0).astype(np.int64)[..., None]
    if from_logits:
        log_p_t = np.take_along_axis(log_softmax(x), index, axis=-1)[..., 0]
        one_minus_p_t = -np.expm1(log_p_t)
    else:
        p = x / x.sum(axis=-1, keepdims=True)
        p_t = np.take_along_axis(p, index, axis=-1)[..., 0]
        p_t = np.clip(p_t, EPSILON, 1 - EPSILON)
        log_p_t, one_minus_p_t = np.log(p_t), 1 - p_t
    if alpha is None:
        alpha_t = 1.0
    elif np.ndim(alpha) == 0:
        alpha_t = float(alpha)
    else:
        alpha_t = np.asarray(alpha, np.float64)[index[..., 0]]
    return np.where(valid, -alpha_t * one_minus_p_t**gamma * log_p_t, 0.0)

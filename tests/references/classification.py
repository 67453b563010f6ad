"""Float64 NumPy formulas for the classification losses."""

import numpy as np

from references import EPSILON, log_sigmoid


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

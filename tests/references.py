"""Independent float64 NumPy formulas the losses are checked against."""

import numpy as np

EPSILON = 1e-7  # keras.backend.epsilon()


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def log_softmax(x, axis=-1):
    x = np.asarray(x, dtype=np.float64)
    return x - np.logaddexp.reduce(x, axis=axis, keepdims=True)


def weighted_bce_from_logits(y, x, pos_weight):
    y, x = np.float64(y), np.float64(x)
    return -np.mean(
        pos_weight * y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x), axis=-1
    )


def weighted_bce_from_probabilities(y, p, pos_weight):
    y = np.float64(y)
    p = np.clip(np.float64(p), EPSILON, 1 - EPSILON)
    return -np.mean(pos_weight * y * np.log(p) + (1 - y) * np.log(1 - p), axis=-1)


def distillation(teacher, student, temperature):
    log_t = log_softmax(np.float64(teacher) / temperature)
    log_s = log_softmax(np.float64(student) / temperature)
    return temperature**2 * np.sum(np.exp(log_t) * (log_t - log_s), axis=-1)


def scaled_mse(y, p, scale):
    return scale * np.mean((np.float64(p) - np.float64(y)) ** 2, axis=-1)


def reduce(values, weights, reduction):
    """Keras's reductions, written out."""
    weighted = values * weights
    if reduction is None:
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean_with_sample_weight":
        return weighted.sum() / weights.sum()
    return weighted.sum() / weighted.size  # "sum_over_batch_size" and "mean"

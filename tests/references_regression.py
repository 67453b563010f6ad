"""Independent float64 NumPy formulas for the regression family and PolyLoss."""

import numpy as np

EPSILON = 1e-7  # keras.backend.epsilon()


def smooth_l1(y, p, beta):
    d = np.abs(np.float64(y) - np.float64(p))
    if beta == 0:
        return d.mean(axis=-1)
    return np.where(d < beta, 0.5 * d**2 / beta, d - 0.5 * beta).mean(axis=-1)


def pinball(y, p, quantiles):
    """One quantile: same shapes. Several: y of shape batch or batch + (1,)."""
    y, p = np.float64(y), np.float64(p)
    q = np.asarray(quantiles, dtype=np.float64)
    if q.ndim == 1 and y.ndim == p.ndim - 1:
        y = y[..., None]
    d = y - p
    # The textbook form, not the max() form used by the loss.
    return (q * np.clip(d, 0, None) + (1 - q) * np.clip(-d, 0, None)).mean(axis=-1)


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

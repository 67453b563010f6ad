"""Float64 NumPy formulas for the regression losses."""

import numpy as np


def scaled_mse(y, p, scale):
    return scale * np.mean((np.float64(p) - np.float64(y)) ** 2, axis=-1)


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

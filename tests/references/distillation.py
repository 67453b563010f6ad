"""Float64 NumPy formula for the distillation loss."""

import numpy as np

from references import log_softmax


def distillation(teacher, student, temperature):
    """T**2 * KL(softmax(t / T) || softmax(s / T)); 0 * log 0 = 0 for masked classes."""
    log_t = log_softmax(np.float64(teacher) / temperature)
    log_s = log_softmax(np.float64(student) / temperature)
    p = np.exp(log_t)
    with np.errstate(invalid="ignore"):
        terms = np.where(p > 0, p * (log_t - log_s), 0.0)
    return temperature**2 * np.sum(terms, axis=-1)

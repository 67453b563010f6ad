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


def distillation_from_probabilities(teacher, student, temperature, epsilon=1e-7):
    """The same on probabilities: their clipped logs stand for the logits."""
    clip = lambda p: np.log(np.clip(np.float64(p), epsilon, 1.0))  # noqa: E731
    return distillation(clip(teacher), clip(student), temperature)

"""Independent float64 NumPy formulas the losses are checked against.

One module per module of `src/lossbook/`; shared pieces here.
"""

import numpy as np

EPSILON = 1e-7  # keras.backend.epsilon()


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def log_softmax(x, axis=-1):
    x = np.asarray(x, dtype=np.float64)
    return x - np.logaddexp.reduce(x, axis=axis, keepdims=True)


def reduce(values, weights, reduction):
    """Keras's reductions, written out, for per-sample values and their weights.

    As in Keras, "mean_with_sample_weight" divides by the sum of the weights as
    they were given (a scalar weight counts once), and 0 / 0 is 0.
    """
    values, weights = np.asarray(values), np.asarray(weights)
    if weights.ndim == values.ndim + 1 and weights.shape[-1] == 1:
        # Keras aligns the two ranks as it aligns y_true and y_pred.
        if values.ndim == 1:
            values = values[:, None]
        else:
            weights = weights[..., 0]
    weighted = values * weights
    if reduction is None:
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean_with_sample_weight":
        total = np.sum(weights)
        return weighted.sum() / total if total else 0.0
    return weighted.sum() / weighted.size  # "sum_over_batch_size" and "mean"

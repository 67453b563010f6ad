"""TensorFlow Addons' weighted kappa loss, ported line for line to float64 NumPy.

Source: tensorflow/addons, tensorflow_addons/losses/kappa_loss.py
(`_weighted_kappa_loss` and the weight matrix built in `WeightedKappaLoss.__init__`).
"""

import numpy as np


def tfa_weighted_kappa_loss(y_true, y_pred, num_classes, weightage, epsilon=1e-6):
    """TF Addons' scalar loss of the batch."""
    y_true, y_pred = np.float64(y_true), np.float64(y_pred)
    label_vec = np.arange(num_classes, dtype=np.float64)
    row_label_vec = label_vec.reshape(1, num_classes)
    col_label_vec = label_vec.reshape(num_classes, 1)
    batch, classes = y_true.shape
    tiled_cols = np.tile(col_label_vec, [1, num_classes])
    tiled_rows = np.tile(row_label_vec, [num_classes, 1])
    labels = y_true @ col_label_vec
    difference = np.tile(labels, [1, classes]) - np.tile(row_label_vec, [batch, 1])
    if weightage == "linear":
        weight_mat = np.abs(tiled_cols - tiled_rows) / (num_classes - 1)
        weight = np.abs(difference) / (classes - 1)
    else:
        weight_mat = (tiled_cols - tiled_rows) ** 2 / (num_classes - 1) ** 2
        weight = difference**2 / (classes - 1) ** 2
    numerator = np.sum(weight * y_pred)
    denominator = np.sum(
        y_true.sum(axis=0, keepdims=True)
        @ (weight_mat @ y_pred.sum(axis=0, keepdims=True).T)
    )
    denominator /= batch
    ratio = numerator / denominator if denominator != 0 else 0.0
    return np.log(ratio + epsilon)


def weighted_kappa_per_sample(y_true, y_pred, num_classes, weightage, epsilon=1e-6):
    """lossbook's per-sample values: the batch's value, once per sample."""
    value = tfa_weighted_kappa_loss(y_true, y_pred, num_classes, weightage, epsilon)
    return np.full(len(y_true), value)


def one_hot_targets_and_probabilities(num_classes):
    """make_inputs for `num_classes` classes: the shape's second number is unused.

    The loss is log(1 - kappa + epsilon): it crosses 0 at kappa = 0, where the
    float32 rounding of the ratio (about 1e-7, absolute) is a large relative
    error whatever the implementation. So these batches keep kappa clearly
    positive (the loss stays below -0.38 over 18,000 drawn batches): each one holds
    the lowest and the highest class, and each prediction puts at least half of
    its mass on the right class.
    """

    def make_inputs(rng, shape):
        batch = shape[0]
        labels = rng.integers(0, num_classes, batch)
        labels[0], labels[-1] = 0, num_classes - 1
        y_true = np.eye(num_classes)[labels]
        noise = rng.dirichlet(np.ones(num_classes), batch)
        share = rng.uniform(0, 0.5, (batch, 1))
        probabilities = (1 - share) * y_true + share * noise
        return y_true.astype("float32"), probabilities.astype("float32")

    return make_inputs

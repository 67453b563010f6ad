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

"""Knowledge-distillation losses."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from lossbook._core import (
    FunctionLoss,
    check_bool,
    check_classes,
    check_positive,
    loss_function,
    prepare_inputs,
)


@loss_function(temperature=check_positive, from_logits=check_bool)
def distillation_loss(
    y_true: Any, y_pred: Any, *, temperature: float = 1.0, from_logits: bool = True
) -> Any:
    """Temperature-scaled KL divergence from a teacher's logits to a student's.

    Formula:

    ```
    p_teacher = softmax(y_true / T),  p_student = softmax(y_pred / T)
    loss = T**2 * sum(p_teacher * (log p_teacher - log p_student), axis=-1)
    ```

    Here the temperature `T` changes the *shape* of the loss: a higher `T` softens
    both distributions, so the student also learns how the teacher ranks the wrong
    classes. The `T**2` factor keeps the size of the gradients roughly independent
    of `T` (Hinton et al., 2015). Both log-probabilities come from `log_softmax`,
    so large logits do not overflow.

    The sum is taken as `sum(max(p log(p / q) - p + q, 0))` (`p` the teacher's and
    `q` the student's probabilities): the same number, since `p` and `q` both sum
    to 1, but a sum of terms that are each >= 0, so rounding never makes the loss
    negative, as it makes the plain sum in float32 at large temperatures. There
    the divergence is a difference of nearly equal probabilities and float32
    keeps few of its digits: compute in float64 (`dtype="float64"`). A class
    the teacher masks with `-inf` (a vocabulary restricted per sample) has
    `p = 0` and adds nothing but its `q`, so the loss is the divergence over the
    other classes, as in `keras.losses.kl_divergence(softmax(t), softmax(s))`,
    instead of NaN.

    With `from_logits=False` both inputs are probabilities: they are clipped to
    `[epsilon, 1]`, as Keras clips them, and their logs play the part of the
    logits, so that `softmax(log(p) / T)` is `p` sharpened or softened by `T`.
    Probabilities passed as logits (the default) are not an error but a
    different, much smaller loss: softmax barely tells apart inputs in `[0, 1]`.

    Args:
        y_true: Teacher logits (probabilities if `from_logits=False`), shape
            `(batch, ..., num_classes)` with at least two classes.
        y_pred: Student logits (or probabilities), same shape (aligned as Keras
            aligns ranks).
        temperature: The softmax temperature `T`, a number > 0. Defaults to `1.0`.
        from_logits: Whether the inputs are logits. Defaults to `True`.

    Returns:
        The per-sample loss, of shape `y_pred.shape[:-1]`.

    Raises:
        ValueError: If `temperature <= 0`, or the shapes do not match.

    Examples:
        >>> import numpy as np
        >>> from lossbook import distillation_loss
        >>> teacher = np.array([[4.0, 1.0, 0.0]])
        >>> student = np.array([[2.0, 2.0, 0.0]])
        >>> print(np.round(np.asarray(distillation_loss(teacher, student)), 4))
        [0.5186]
        >>> loss = distillation_loss(teacher, student, temperature=4.0)
        >>> print(np.round(np.asarray(loss), 4))
        [0.8904]

        Probabilities need `from_logits=False`; read as logits, they give a
        loss several times smaller than their divergence, without an error.

        >>> import numpy as np
        >>> from lossbook import distillation_loss
        >>> teacher = np.array([[0.7, 0.2, 0.1]])
        >>> student = np.array([[0.4, 0.4, 0.2]])
        >>> loss = distillation_loss(teacher, student, from_logits=False)
        >>> print(np.round(np.asarray(loss), 4))
        [0.1838]
        >>> print(np.round(np.asarray(distillation_loss(teacher, student)), 4))
        [0.0258]

    References:
        Hinton, Vinyals and Dean, "Distilling the Knowledge in a Neural Network",
        2015, arXiv:1503.02531.
    """
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    check_classes(y_true, y_pred)
    if not from_logits:
        epsilon = keras.backend.epsilon()
        y_true = ops.log(ops.clip(y_true, epsilon, 1.0))
        y_pred = ops.log(ops.clip(y_pred, epsilon, 1.0))
    log_p = ops.log_softmax(y_true / temperature, axis=-1)
    log_q = ops.log_softmax(y_pred / temperature, axis=-1)
    p, q = ops.exp(log_p), ops.exp(log_q)
    # KL = sum(p log(p / q)) = sum(p log(p / q) - p + q), as p and q both sum to 1;
    # every term of the second sum is >= 0 (x log x - x + 1 >= 0 for x = p / q), so
    # rounding can make a term slightly negative but never the sum: clipping the
    # terms at 0 keeps the KL >= 0 at any temperature, where the first form,
    # a sum of terms of both signs, cancels to a negative number in float32.
    # A class the teacher masks with -inf has p = 0 and contributes only its q
    # (0 * log 0 = 0), instead of 0 * -inf = nan.
    masked = log_p == float("-inf")
    log_ratio = ops.where(masked, ops.zeros_like(log_p), log_p - log_q)
    kl = ops.sum(ops.relu(p * log_ratio - (p - q)), axis=-1)
    return ops.cast(temperature**2 * kl, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class DistillationLoss(FunctionLoss):
    """Knowledge-distillation loss: `T**2 * KL(teacher || student)` at temperature T.

    The class form of `distillation_loss`. Pass the teacher's logits as `y_true`
    and the student's logits as `y_pred` (probabilities with `from_logits=False`).

    Args:
        temperature: The softmax temperature, a number > 0. Defaults to `1.0`.
        from_logits: Whether the inputs are logits. Defaults to `True`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"distillation_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `temperature <= 0` or `from_logits` is not a bool.

    Examples:
        >>> import numpy as np
        >>> from lossbook import DistillationLoss
        >>> teacher = np.array([[4.0, 1.0, 0.0], [0.0, 0.0, 3.0]])
        >>> student = np.array([[2.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
        >>> round(float(DistillationLoss(temperature=4.0)(teacher, student)), 4)
        0.4452
        >>> DistillationLoss(temperature=-1.0)
        Traceback (most recent call last):
        ...
        ValueError: `temperature` must be > 0, got temperature=-1.0.
    """

    def __init__(
        self,
        temperature: float = 1.0,
        from_logits: bool = True,
        reduction: str | None = "sum_over_batch_size",
        name: str = "distillation_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            distillation_loss,
            temperature=temperature,
            from_logits=from_logits,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )

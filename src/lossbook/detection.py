"""Object-detection losses: bounding-box regression with the IoU family."""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import backend, ops

from lossbook._core import (
    FunctionLoss,
    check_choice,
    float_dtypes,
    loss_function,
    maximum,
    minimum,
    shapes_match,
)

_MODES = ("iou", "giou", "diou", "ciou")
# torchvision's `eps` for all three of its box losses.
_EPSILON = 1e-7
# The smallest normal float32. Below it, the gradient of atan2(c, d), which divides
# by c**2 + d**2, would divide by an underflowed zero.
_TINY = 1.2e-38


def _check_mode(name: str, value: Any) -> str:
    return check_choice(name, value, _MODES)


def _box_inputs(y_true: Any, y_pred: Any) -> tuple[Any, Any, str]:
    """Both box arrays in one float dtype; raises unless both are `(..., 4)` alike.

    Boxes are not rank-aligned: their last axis is always the 4 coordinates.
    """
    y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if (
        len(pred_shape) < 2
        or pred_shape[-1] != 4
        or not shapes_match(true_shape, pred_shape)
    ):
        raise ValueError(
            "Boxes must have shape (batch, ..., 4), the coordinates (x_min, y_min, "
            "x_max, y_max) on the last axis, the same for y_true and y_pred, got "
            f"y_true.shape={true_shape} and y_pred.shape={pred_shape}."
        )
    compute_dtype, result_dtype = float_dtypes(y_pred)
    y_true, y_pred = ops.cast(y_true, compute_dtype), ops.cast(y_pred, compute_dtype)
    return y_true, y_pred, result_dtype


def _span(*coordinates: Any) -> Any:
    """The extent of the coordinates: largest minus smallest."""
    largest, smallest = coordinates[0], coordinates[0]
    for coordinate in coordinates[1:]:
        largest, smallest = maximum(largest, coordinate), minimum(smallest, coordinate)
    return largest - smallest


# Cephes's arctangent on [-1, 1] (its `atan`, reduced by atan(x) = pi/4 +
# atan((x - 1) / (x + 1)) above 0.66): a ratio of polynomials, exact to 2e-16.
_ATAN_P = (
    -8.750608600031904122785e-1,
    -1.615753718733365076637e1,
    -7.500855792314704667340e1,
    -1.228866684490136173410e2,
    -6.485021904942025371773e1,
)
_ATAN_Q = (
    2.485846490142306297962e1,
    1.650270098316988542046e2,
    4.328810604912902668951e2,
    4.853903996359136964868e2,
    1.945506571482613964425e2,
)
_MOREBITS = 6.123233995736765886130e-17


def _arctan_of_unit(t: Any) -> Any:
    """arctan(t) for |t| <= 1, with polynomial arithmetic only."""
    a = ops.abs(t)
    reduced = a > 0.66
    x = ops.where(reduced, (a - 1.0) / (a + 1.0), a)
    z = x * x
    p, q = ops.zeros_like(z) + _ATAN_P[0], z + _ATAN_Q[0]
    for p_k, q_k in zip(_ATAN_P[1:], _ATAN_Q[1:], strict=True):
        p, q = p * z + p_k, q * z + q_k
    r = x + x * z * p / q
    r = ops.where(reduced, math.pi / 4 + r + 0.5 * _MOREBITS, r)
    return ops.where(t < 0, -r, r)


def _angle(cross: Any, dot: Any) -> Any:
    """atan2(cross, dot) for dot >= 0, (cross, dot) != (0, 0), in their dtype.

    Keras 3.15 computes `arctan` and `arctan2` of float64 inputs in float32 on
    JAX and PyTorch (its type promotion of float64 with a Python float gives
    float32). In float64 this takes the half-angle identity
    atan2(c, d) = 2 atan(c / (hypot(c, d) + d)), whose argument lies in [-1, 1]
    for d >= 0, and `_arctan_of_unit`.
    """
    if backend.standardize_dtype(cross.dtype) != "float64":
        return ops.arctan2(cross, dot)
    hypot = ops.sqrt(ops.square(cross) + ops.square(dot))
    return 2.0 * _arctan_of_unit(cross / (hypot + dot))


def _constant_if(condition: Any, *values: Any) -> tuple[Any, ...]:
    """`values`, each with a zero gradient where `condition` holds."""
    return tuple(ops.where(condition, ops.stop_gradient(v), v) for v in values)


def _aspect_ratio_term(width, height, width_g, height_g, iou):
    """CIoU's `alpha * v`, with `alpha` a constant for the gradient."""
    # atan(w_g / h_g) - atan(w / h) as a single atan2 of the rotation between the
    # vectors (h_g, w_g) and (h, w): one transcendental instead of two, and no
    # division by a zero height. Both vanish only for a point box (or one so small
    # that the gradient of atan2 would be 0 / 0).
    cross = width_g * height - height_g * width
    dot = height_g * height + width_g * width
    no_angle = ops.square(cross) + ops.square(dot) < _TINY
    safe_dot = ops.where(no_angle, ops.ones_like(dot), dot)
    safe_cross = ops.where(no_angle, ops.zeros_like(cross), cross)
    angle = ops.where(no_angle, ops.zeros_like(dot), _angle(safe_cross, safe_dot))
    v = (4.0 / math.pi**2) * ops.square(angle)
    alpha = ops.stop_gradient(v / (1.0 - iou + v + _EPSILON))
    return alpha * v


@loss_function(mode=_check_mode)
def box_iou_loss(y_true: Any, y_pred: Any, *, mode: str = "giou") -> Any:
    """IoU, GIoU, DIoU or CIoU loss between boxes `(x_min, y_min, x_max, y_max)`.

    Formula:

    ```
    w = max(x_max - x_min, 0),  h = max(y_max - y_min, 0)   (per box)
    inter = overlap width * overlap height   (0 when the boxes do not overlap)
    union = w * h + w_true * h_true - inter
    iou   = inter / (union + eps)
    C     = the smallest box enclosing both, of width cw and height ch

    "iou":  loss = 1 - iou
    "giou": loss = 1 - iou + (cw * ch - union) / (cw * ch + eps)
    "diou": loss = 1 - iou + rho**2 / (cw**2 + ch**2 + eps)
    "ciou": loss = "diou" + alpha * v,  v = 4 / pi**2 * (atan(w_true / h_true)
                                                     - atan(w / h))**2
                                        alpha = v / (1 - iou + v + eps)

    every mode, for a predicted box turned inside out:
          loss += (max(x_min - x_max, 0) + max(y_min - y_max, 0)) / (sx + sy + eps)
    ```

    where `rho` is the distance between the two box centres, `sx` and `sy` the
    extents of all eight coordinates along x and y, and `eps = 1e-7`. For valid
    boxes these are the formulas and `eps` conventions of torchvision's
    `generalized_box_iou_loss`, `distance_box_iou_loss` and
    `complete_box_iou_loss` (and `1 - IoU` with the same `eps` for `"iou"`); as
    there, `alpha` is a constant for the gradient (it is computed under
    `stop_gradient`), and the losses are symmetric in `y_true` and `y_pred`.

    torchvision assumes valid boxes (`x_min <= x_max`, `y_min <= y_max`). An
    untrained box head does predict inverted ones, and a width or height below
    zero has no area: the IoU part of the loss is then flat, and under `"iou"`
    (often under the others too) its gradient is exactly 0, so such a box would
    never recover. The last line of the formula adds a term for inverted
    predicted boxes only: it is 0 for a valid box and at most 1. Along an
    inverted axis it alone sets the gradient of the two sides (the other terms
    are constants for them there, and the extents are constants for it), so
    every step of gradient descent pulls `x_min` towards `x_max` (and `y_min`
    towards `y_max`) until the box is valid. Every value and gradient stays
    finite. A box without area has IoU 0 even with itself, so its `"iou"` loss
    is 1.

    At an exact match (`y_pred == y_true`), the minimum of every mode, the
    gradient is exactly 0 on every backend. The two arctangents of CIoU are
    computed as one `atan2` of their difference; a box that is a single point
    (or whose sides, multiplied by the other box's, fall below about 1e-19) has
    no aspect ratio and gets `v = 0`.

    Args:
        y_true: Target boxes, shape `(batch, ..., 4)`, as
            `(x_min, y_min, x_max, y_max)`.
        y_pred: Predicted boxes, same shape.
        mode: One of `"iou"`, `"giou"`, `"diou"`, `"ciou"`. Defaults to `"giou"`.

    Returns:
        One loss per box, of shape `y_pred.shape[:-1]`. Identical boxes of area
        `A` give `eps / (A + eps)`, about `1e-7 / A`, in every mode.

    Raises:
        ValueError: If `mode` is not one of the four, or the boxes are not of
            one shape `(batch, ..., 4)`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import box_iou_loss
        >>> y_true = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0, 3.0, 3.0], [2.0, 0.0, 4.0, 1.0]])
        >>> for mode in ("iou", "giou", "diou", "ciou"):
        ...     loss = box_iou_loss(y_true, y_pred, mode=mode)
        ...     print(mode, np.round(np.asarray(loss), 4))
        iou [0.8571 1.    ]
        giou [1.0794 1.25  ]
        diou [0.9683 1.3676]
        ciou [0.9683 1.3693]

        The second pair does not overlap: the IoU loss is stuck at 1 there, while
        GIoU and DIoU still say how far apart the boxes are. Only that pair has
        two different aspect ratios, so only there CIoU adds to DIoU. A box
        predicted inside out costs more than 1 under `"iou"`, by a term whose
        gradient turns it right side out:

        >>> import numpy as np
        >>> from lossbook import box_iou_loss
        >>> y_true = np.array([[0.0, 0.0, 2.0, 2.0]])
        >>> inverted = np.array([[1.5, 0.0, 0.5, 2.0]])
        >>> print(np.round(np.asarray(box_iou_loss(y_true, inverted, mode="iou")), 4))
        [1.25]
        >>> box_iou_loss(y_true, inverted, mode="eiou")
        Traceback (most recent call last):
        ...
        ValueError: `mode` must be one of (...), got mode='eiou'.

    References:
        Rezatofighi et al., "Generalized Intersection over Union", CVPR 2019,
        arXiv:1902.09630. Zheng et al., "Distance-IoU Loss", AAAI 2020,
        arXiv:1911.08287. torchvision, `torchvision.ops.generalized_box_iou_loss`,
        `distance_box_iou_loss`, `complete_box_iou_loss`.
    """
    y_true, y_pred, result_dtype = _box_inputs(y_true, y_pred)
    # An exact match is the minimum of every mode, where the gradient is 0; each
    # backend would split the gradients of the tied minima and maxima below in its
    # own way, so the tie is settled here.
    exact = ops.all(y_pred == y_true, axis=-1, keepdims=True)
    y_pred = ops.where(exact, ops.stop_gradient(y_pred), y_pred)
    x1, y1, x2, y2 = ops.unstack(y_pred, 4, axis=-1)
    x1g, y1g, x2g, y2g = ops.unstack(y_true, 4, axis=-1)
    inverted = ops.relu(x1 - x2) + ops.relu(y1 - y2)
    # The extents are a constant scale for the gradient of that term, and along an
    # inverted axis the term alone moves the two sides: the geometric terms
    # below, whose pull there can point either way, are constants for them.
    extent = ops.stop_gradient(_span(x1, x2, x1g, x2g) + _span(y1, y2, y1g, y2g))
    inversion = inverted / (extent + _EPSILON)
    x1, x2 = _constant_if(x1 > x2, x1, x2)
    y1, y2 = _constant_if(y1 > y2, y1, y2)

    width, height = ops.relu(x2 - x1), ops.relu(y2 - y1)
    width_g, height_g = ops.relu(x2g - x1g), ops.relu(y2g - y1g)
    overlap_w = ops.relu(minimum(x2, x2g) - maximum(x1, x1g))
    overlap_h = ops.relu(minimum(y2, y2g) - maximum(y1, y1g))
    intersection = overlap_w * overlap_h
    union = width * height + width_g * height_g - intersection
    iou = intersection / (union + _EPSILON)
    loss = 1.0 - iou
    enclosing_w = ops.relu(maximum(x2, x2g) - minimum(x1, x1g))
    enclosing_h = ops.relu(maximum(y2, y2g) - minimum(y1, y1g))
    if mode == "giou":
        enclosing_area = enclosing_w * enclosing_h
        loss = loss + (enclosing_area - union) / (enclosing_area + _EPSILON)
    if mode in ("diou", "ciou"):
        diagonal = ops.square(enclosing_w) + ops.square(enclosing_h) + _EPSILON
        # Twice each centre coordinate: (x1 + x2) - (x1g + x2g), squared, over 4.
        centre_distance = (
            ops.square(x1 + x2 - x1g - x2g) + ops.square(y1 + y2 - y1g - y2g)
        ) / 4.0
        loss = loss + centre_distance / diagonal
    if mode == "ciou":
        loss = loss + _aspect_ratio_term(width, height, width_g, height_g, iou)
    return ops.cast(loss + inversion, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class BoxIoULoss(FunctionLoss):
    """Bounding-box regression loss from the IoU family: IoU, GIoU, DIoU or CIoU.

    The class form of `box_iou_loss`: one value per box, reduced with
    `reduction` and weighted by `sample_weight`. The values match torchvision's
    `generalized_box_iou_loss`, `distance_box_iou_loss` and
    `complete_box_iou_loss` (and `1 - IoU` for `"iou"`) for valid boxes; an
    inverted predicted box gets a term that turns it right side out.

    Args:
        mode: One of `"iou"`, `"giou"`, `"diou"`, `"ciou"`. Defaults to `"giou"`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"box_iou_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `mode` is not one of the four.

    Examples:
        >>> import numpy as np
        >>> from lossbook import BoxIoULoss
        >>> y_true = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0, 3.0, 3.0], [2.0, 0.0, 4.0, 1.0]])
        >>> round(float(BoxIoULoss()(y_true, y_pred)), 4)
        1.1647
        >>> round(float(BoxIoULoss(mode="ciou")(y_true, y_pred)), 4)
        1.1688
        >>> BoxIoULoss(mode="GIoU")
        Traceback (most recent call last):
        ...
        ValueError: `mode` must be one of (...), got mode='GIoU'.
    """

    def __init__(
        self,
        mode: str = "giou",
        reduction: str | None = "sum_over_batch_size",
        name: str = "box_iou_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            box_iou_loss, mode=mode, reduction=reduction, name=name, dtype=dtype
        )

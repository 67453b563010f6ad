"""Object-detection losses: bounding-box regression with the IoU family."""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops

from lossbook._core import check_choice, prepare_inputs

_MODES = ("iou", "giou", "diou", "ciou")
# torchvision's `eps` for all three of its box losses.
_EPSILON = 1e-7
# The smallest normal float32. Below it, the gradient of atan2(c, d), which divides
# by c**2 + d**2, would divide by an underflowed zero.
_TINY = 1.2e-38


def box_iou_loss(y_true: Any, y_pred: Any, mode: str = "giou") -> Any:
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
    ```

    where `rho` is the distance between the two box centres and `eps = 1e-7`.
    These are the formulas and `eps` conventions of torchvision's
    `generalized_box_iou_loss`, `distance_box_iou_loss` and
    `complete_box_iou_loss` (and `1 - IoU` with the same `eps` for `"iou"`); as
    there, `alpha` is a constant for the gradient (it is computed under
    `stop_gradient`). All four losses are symmetric in `y_true` and `y_pred`.

    torchvision assumes valid boxes (`x_min <= x_max`, `y_min <= y_max`).
    lossbook also accepts inverted ones, which an untrained box head does
    produce: a width or height below zero counts as zero, so such a box has no
    area (IoU 0) but keeps its centre and its corners in the enclosing box, and
    every value and gradient stays finite. For valid boxes this changes nothing.
    A box without area has IoU 0 even with itself, so its `"iou"` loss is 1.
    The two arctangents of CIoU are computed as one `atan2` of their
    difference; a box that is a single point (or whose sides, multiplied by the
    other box's, fall below about 1e-19) has no aspect ratio and gets `v = 0`.

    Args:
        y_true: Target boxes, shape `(..., 4)`, as `(x_min, y_min, x_max, y_max)`.
        y_pred: Predicted boxes, same shape.
        mode: One of `"iou"`, `"giou"`, `"diou"`, `"ciou"`. Defaults to `"giou"`.

    Returns:
        One loss per box, of shape `y_pred.shape[:-1]`. Identical boxes of area
        `A` give `eps / (A + eps)`, about `1e-7 / A`, in every mode.

    Raises:
        ValueError: If `mode` is not one of the four, the last axis is not of size
            4, or the shapes do not match.

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
        two different aspect ratios, so only there CIoU adds to DIoU.

        >>> box_iou_loss(y_true, y_pred, mode="eiou")
        Traceback (most recent call last):
        ...
        ValueError: `mode` must be one of (...), got mode='eiou'.

    References:
        Rezatofighi et al., "Generalized Intersection over Union", CVPR 2019,
        arXiv:1902.09630. Zheng et al., "Distance-IoU Loss", AAAI 2020,
        arXiv:1911.08287. torchvision, `torchvision.ops.generalized_box_iou_loss`,
        `distance_box_iou_loss`, `complete_box_iou_loss`.
    """
    mode = check_choice("mode", mode, _MODES)
    y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
    for boxes in (y_true, y_pred):
        if len(boxes.shape) == 0 or boxes.shape[-1] != 4:
            raise ValueError(
                "Boxes must have 4 coordinates (x_min, y_min, x_max, y_max) on "
                f"the last axis, got y_true.shape={tuple(y_true.shape)} and "
                f"y_pred.shape={tuple(y_pred.shape)}."
            )
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    x1, y1, x2, y2 = ops.unstack(y_pred, 4, axis=-1)
    x1g, y1g, x2g, y2g = ops.unstack(y_true, 4, axis=-1)

    # Clamping at 0 only changes inverted boxes (see the docstring).
    width, height = ops.relu(x2 - x1), ops.relu(y2 - y1)
    width_g, height_g = ops.relu(x2g - x1g), ops.relu(y2g - y1g)
    overlap_w = ops.relu(ops.minimum(x2, x2g) - ops.maximum(x1, x1g))
    overlap_h = ops.relu(ops.minimum(y2, y2g) - ops.maximum(y1, y1g))
    intersection = overlap_w * overlap_h
    union = width * height + width_g * height_g - intersection
    iou = intersection / (union + _EPSILON)
    if mode == "iou":
        return ops.cast(1.0 - iou, result_dtype)

    enclosing_w = ops.relu(ops.maximum(x2, x2g) - ops.minimum(x1, x1g))
    enclosing_h = ops.relu(ops.maximum(y2, y2g) - ops.minimum(y1, y1g))
    if mode == "giou":
        enclosing_area = enclosing_w * enclosing_h
        penalty = (enclosing_area - union) / (enclosing_area + _EPSILON)
        return ops.cast(1.0 - iou + penalty, result_dtype)

    diagonal = ops.square(enclosing_w) + ops.square(enclosing_h) + _EPSILON
    # Twice each centre coordinate: (x1 + x2) - (x1g + x2g), squared, over 4.
    centre_distance = (
        ops.square(x1 + x2 - x1g - x2g) + ops.square(y1 + y2 - y1g - y2g)
    ) / 4.0
    loss = 1.0 - iou + centre_distance / diagonal
    if mode == "ciou":
        # atan(w_g / h_g) - atan(w / h) as a single atan2 of the rotation between
        # the vectors (h_g, w_g) and (h, w): one transcendental instead of two,
        # and no division by a zero height. Both vanish only for a point box (or
        # one so small that the gradient of atan2 would be 0 / 0).
        cross = width_g * height - height_g * width
        dot = height_g * height + width_g * width
        no_angle = ops.square(cross) + ops.square(dot) < _TINY
        safe_dot = ops.where(no_angle, ops.ones_like(dot), dot)
        angle = ops.where(no_angle, ops.zeros_like(dot), ops.arctan2(cross, safe_dot))
        v = (4.0 / math.pi**2) * ops.square(angle)
        alpha = ops.stop_gradient(v / (1.0 - iou + v + _EPSILON))
        loss = loss + alpha * v
    return ops.cast(loss, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class BoxIoULoss(keras.losses.Loss):
    """Bounding-box regression loss from the IoU family: IoU, GIoU, DIoU or CIoU.

    The class form of `box_iou_loss`: one value per box, reduced with
    `reduction` and weighted by `sample_weight`. The values match torchvision's
    `generalized_box_iou_loss`, `distance_box_iou_loss` and
    `complete_box_iou_loss` (and `1 - IoU` for `"iou"`) for valid boxes.

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
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.mode = check_choice("mode", mode, _MODES)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return box_iou_loss(y_true, y_pred, mode=self.mode)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}

"""Contract data of the box losses (src/lossbook/detection.py)."""

import numpy as np
from references import detection as ref

import lossbook
from cases import OWN, LossCase, LossSpec

SPECS = [
    LossSpec(
        lossbook.BoxIoULoss,
        lossbook.box_iou_loss,
        non_default={"mode": "ciou"},
        invalid=(
            ({"mode": "eiou"}, r"`mode` must be one of \(.*\), got mode='eiou'"),
            ({"mode": "GIoU"}, "`mode` must be one of .*, got mode='GIoU'"),
            ({"mode": None}, "`mode` must be one of .*, got mode=None"),
        ),
    )
]


def random_boxes(rng, count):
    """Valid float32 boxes with corners in [0, 3) and sides in [0.3, 2)."""
    corner = rng.uniform(0, 3, (count, 2))
    size = rng.uniform(0.3, 2, (count, 2))
    return np.concatenate([corner, corner + size], axis=-1).astype("float32")


def target_and_predicted_boxes(rng, shape):
    """(target, prediction) for `shape[0]` boxes; some overlap, some do not.

    The prediction moves each target corner by N(0, 0.6) and scales its sides
    by exp(N(0, 0.4)), so it stays a valid box.
    """
    count = shape[0]
    y_true = np.float64(random_boxes(rng, count))
    centre = (y_true[:, :2] + y_true[:, 2:]) / 2 + rng.normal(0, 0.6, (count, 2))
    half = (y_true[:, 2:] - y_true[:, :2]) / 2 * np.exp(rng.normal(0, 0.4, (count, 2)))
    y_pred = np.concatenate([centre - half, centre + half], axis=-1)
    return y_true.astype("float32"), y_pred.astype("float32")


def same_aspect_ratio_as_target(y_true, y_pred):
    """Gives each predicted box the target's aspect ratio (same centre and width)."""
    y_pred = y_pred.copy()
    width_true = y_true[:, 2] - y_true[:, 0]
    height_true = y_true[:, 3] - y_true[:, 1]
    centre_y = (y_pred[:, 1] + y_pred[:, 3]) / 2
    half_height = (y_pred[:, 2] - y_pred[:, 0]) * height_true / width_true / 2
    y_pred[:, 1], y_pred[:, 3] = centre_y - half_height, centre_y + half_height
    return y_true, y_pred


def box_case(mode, **options):
    return LossCase(
        f"box_{mode}",
        lossbook.BoxIoULoss,
        lossbook.box_iou_loss,
        {"mode": mode},
        lambda y, p: ref.box_loss(y, p, mode),
        # (batch, 4) boxes: the second number of the shape is not used.
        target_and_predicted_boxes,
        # The last axis is always the 4 coordinates: boxes are never rank-aligned,
        # and test_detection.py checks their shape errors.
        shapes=OWN,
        values_per_position=False,
        **options,
    )


CASES = [
    box_case("iou"),
    box_case("giou"),
    box_case("diou"),
    # alpha is a constant for the gradient (torch.no_grad in torchvision), so the
    # gradient is not the derivative of the value where the aspect ratios differ.
    # Finite differences are taken where they agree (v = 0, the DIoU part only);
    # test_detection.py checks the full CIoU gradient against torch autograd.
    box_case("ciou", for_finite_differences=same_aspect_ratio_as_target),
]

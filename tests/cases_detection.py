"""Contract cases of the box losses (src/lossbook/detection.py)."""

import references_detection as ref
from cases import LossCase

import lossbook


def box_case(mode, **options):
    return LossCase(
        f"box_{mode}",
        lossbook.BoxIoULoss,
        lossbook.box_iou_loss,
        {"mode": mode},
        lambda y, p: ref.box_loss(y, p, mode),
        # (batch, 4) boxes: the second number of the shape is not used.
        ref.target_and_predicted_boxes,
        # Boxes are (batch, 4) whatever the shape asked for, so the generic
        # (8, 1) rank-alignment and (8, 2)-vs-(8, 3) mismatch tests do not apply;
        # test_detection.py checks the shape errors instead.
        same_shape=False,
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
    box_case("ciou", for_finite_differences=ref.same_aspect_ratio_as_target),
]

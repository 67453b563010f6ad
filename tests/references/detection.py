"""torchvision's box losses, ported line for line to float64 NumPy.

Sources (pytorch/vision): torchvision/ops/_utils.py (`_loss_inter_union`),
giou_loss.py (`generalized_box_iou_loss`), diou_loss.py (`distance_box_iou_loss`,
`_diou_iou_loss`), ciou_loss.py (`complete_box_iou_loss`), all with eps=1e-7.
torchvision assumes valid boxes (x1 <= x2, y1 <= y2); so do these ports.
"""

import numpy as np

EPS = 1e-7


def _unbind(boxes):
    return tuple(np.moveaxis(np.asarray(boxes, dtype=np.float64), -1, 0))


def loss_inter_union(boxes1, boxes2):
    x1, y1, x2, y2 = _unbind(boxes1)
    x1g, y1g, x2g, y2g = _unbind(boxes2)
    xkis1, ykis1 = np.maximum(x1, x1g), np.maximum(y1, y1g)
    xkis2, ykis2 = np.minimum(x2, x2g), np.minimum(y2, y2g)
    intsctk = np.zeros_like(x1)
    mask = (ykis2 > ykis1) & (xkis2 > xkis1)
    intsctk[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    return intsctk, unionk


def iou_loss(boxes1, boxes2, eps=EPS):
    intsct, union = loss_inter_union(boxes1, boxes2)
    return 1 - intsct / (union + eps)


def generalized_box_iou_loss(boxes1, boxes2, eps=EPS):
    intsctk, unionk = loss_inter_union(boxes1, boxes2)
    iouk = intsctk / (unionk + eps)
    x1, y1, x2, y2 = _unbind(boxes1)
    x1g, y1g, x2g, y2g = _unbind(boxes2)
    xc1, yc1 = np.minimum(x1, x1g), np.minimum(y1, y1g)
    xc2, yc2 = np.maximum(x2, x2g), np.maximum(y2, y2g)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    miouk = iouk - ((area_c - unionk) / (area_c + eps))
    return 1 - miouk


def _diou_iou_loss(boxes1, boxes2, eps=EPS):
    intsct, union = loss_inter_union(boxes1, boxes2)
    iou = intsct / (union + eps)
    x1, y1, x2, y2 = _unbind(boxes1)
    x1g, y1g, x2g, y2g = _unbind(boxes2)
    xc1, yc1 = np.minimum(x1, x1g), np.minimum(y1, y1g)
    xc2, yc2 = np.maximum(x2, x2g), np.maximum(y2, y2g)
    diagonal_distance_squared = ((xc2 - xc1) ** 2) + ((yc2 - yc1) ** 2) + eps
    x_p, y_p = (x2 + x1) / 2, (y2 + y1) / 2
    x_g, y_g = (x1g + x2g) / 2, (y1g + y2g) / 2
    centers_distance_squared = ((x_p - x_g) ** 2) + ((y_p - y_g) ** 2)
    loss = 1 - iou + (centers_distance_squared / diagonal_distance_squared)
    return loss, iou


def distance_box_iou_loss(boxes1, boxes2, eps=EPS):
    return _diou_iou_loss(boxes1, boxes2, eps)[0]


def complete_box_iou_loss(boxes1, boxes2, eps=EPS):
    diou_loss, iou = _diou_iou_loss(boxes1, boxes2, eps)
    x1, y1, x2, y2 = _unbind(boxes1)
    x1g, y1g, x2g, y2g = _unbind(boxes2)
    w_pred, h_pred = x2 - x1, y2 - y1
    w_gt, h_gt = x2g - x1g, y2g - y1g
    v = (4 / (np.pi**2)) * (np.arctan(w_gt / h_gt) - np.arctan(w_pred / h_pred)) ** 2
    alpha = v / (1 - iou + v + eps)
    return diou_loss + alpha * v


TORCHVISION = {
    "iou": iou_loss,
    "giou": generalized_box_iou_loss,
    "diou": distance_box_iou_loss,
    "ciou": complete_box_iou_loss,
}


def box_loss(y_true, y_pred, mode):
    """torchvision's loss with the prediction as `boxes1`, the target as `boxes2`,
    plus lossbook's term for an inverted predicted box (0 for valid boxes)."""
    x1, y1, x2, y2 = _unbind(y_pred)
    x1g, y1g, x2g, y2g = _unbind(y_true)
    inverted = np.maximum(x1 - x2, 0.0) + np.maximum(y1 - y2, 0.0)
    extent = _span(x1, x2, x1g, x2g) + _span(y1, y2, y1g, y2g)
    return TORCHVISION[mode](y_pred, y_true) + inverted / (extent + EPS)


def _span(*coordinates):
    return np.max(coordinates, axis=0) - np.min(coordinates, axis=0)

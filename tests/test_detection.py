"""BoxIoULoss against torchvision's formulas (ported to torch and NumPy), and edges.

Arguments, values on random valid boxes, weights and compilation are checked for
every loss by test_contract.py.
"""

import keras
import numpy as np
import pytest
from cases.detection import random_boxes, target_and_predicted_boxes
from helpers import all_finite, float64, gradient, jit, numpy, shapes_pattern
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import ops
from references import detection as ref
from references.detection import EPS

from lossbook import BoxIoULoss, box_iou_loss

torch = pytest.importorskip(
    "torch", reason="PyTorch is a test dependency (torch==2.13.0)"
)

MODES = ["iou", "giou", "diou", "ciou"]
by_mode = pytest.mark.parametrize("mode", MODES)


# torchvision's code (torchvision/ops/{_utils,giou_loss,diou_loss,ciou_loss}.py),
# line for line on torch tensors, so that autograd gives torchvision's gradients,
# alpha under torch.no_grad() included. torchvision itself cannot be installed
# beside torch 2.13 (CPU build).
def torch_loss_inter_union(boxes1, boxes2):
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xkis1 = torch.max(x1, x1g)
    ykis1 = torch.max(y1, y1g)
    xkis2 = torch.min(x2, x2g)
    ykis2 = torch.min(y2, y2g)
    intsctk = torch.zeros_like(x1)
    mask = (ykis2 > ykis1) & (xkis2 > xkis1)
    intsctk[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    return intsctk, unionk


def torch_giou_loss(boxes1, boxes2, eps=EPS):
    intsctk, unionk = torch_loss_inter_union(boxes1, boxes2)
    iouk = intsctk / (unionk + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xc1 = torch.min(x1, x1g)
    yc1 = torch.min(y1, y1g)
    xc2 = torch.max(x2, x2g)
    yc2 = torch.max(y2, y2g)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    miouk = iouk - ((area_c - unionk) / (area_c + eps))
    return 1 - miouk


def torch_diou_iou_loss(boxes1, boxes2, eps=EPS):
    intsct, union = torch_loss_inter_union(boxes1, boxes2)
    iou = intsct / (union + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xc1 = torch.min(x1, x1g)
    yc1 = torch.min(y1, y1g)
    xc2 = torch.max(x2, x2g)
    yc2 = torch.max(y2, y2g)
    diagonal_distance_squared = ((xc2 - xc1) ** 2) + ((yc2 - yc1) ** 2) + eps
    x_p = (x2 + x1) / 2
    y_p = (y2 + y1) / 2
    x_g = (x1g + x2g) / 2
    y_g = (y1g + y2g) / 2
    centers_distance_squared = ((x_p - x_g) ** 2) + ((y_p - y_g) ** 2)
    loss = 1 - iou + (centers_distance_squared / diagonal_distance_squared)
    return loss, iou


def torch_ciou_loss(boxes1, boxes2, eps=EPS):
    diou_loss, iou = torch_diou_iou_loss(boxes1, boxes2, eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    w_pred = x2 - x1
    h_pred = y2 - y1
    w_gt = x2g - x1g
    h_gt = y2g - y1g
    v = (4 / (torch.pi**2)) * torch.pow(
        (torch.atan(w_gt / h_gt) - torch.atan(w_pred / h_pred)), 2
    )
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return diou_loss + alpha * v


TORCH_LOSSES = {
    # torchvision has no plain IoU loss: 1 - IoU, with its IoU and eps.
    "iou": lambda b1, b2: 1 - torch_diou_iou_loss(b1, b2)[1],
    "giou": torch_giou_loss,
    "diou": lambda b1, b2: torch_diou_iou_loss(b1, b2)[0],
    "ciou": torch_ciou_loss,
}


def torch_value_and_gradient(mode, y_true, y_pred):
    boxes1 = torch.tensor(np.float64(y_pred), requires_grad=True)
    boxes2 = torch.tensor(np.float64(y_true))
    loss = TORCH_LOSSES[mode](boxes1, boxes2)
    loss.sum().backward()
    return loss.detach().numpy(), boxes1.grad.numpy()


def batch(seed=0, count=64):
    return target_and_predicted_boxes(np.random.default_rng(seed), (count, 4))


def box_gradient(mode, y_true, y_pred):
    return gradient(lambda p: box_iou_loss(y_true, p, mode=mode), y_pred)


@by_mode
def test_values_match_torchvision_ported_to_torch(mode):
    y_true, y_pred = batch()
    expected, _ = torch_value_and_gradient(mode, y_true, y_pred)
    overlapping = 1 - ref.box_loss(y_true, y_pred, "iou") > 0
    assert 0 < overlapping.sum() < len(y_true), "want both overlapping and apart"
    np.testing.assert_allclose(
        numpy(box_iou_loss(y_true, y_pred, mode=mode)), expected, rtol=1e-5, atol=1e-6
    )
    with float64():
        in_float64 = box_iou_loss(np.float64(y_true), np.float64(y_pred), mode=mode)
        np.testing.assert_allclose(numpy(in_float64), expected, rtol=1e-12)


@by_mode
def test_gradients_match_torch_autograd_of_torchvision(mode):
    # For CIoU this pins alpha as a constant of the gradient, as in torchvision.
    y_true, y_pred = (np.float64(a) for a in batch(seed=1))
    _, expected = torch_value_and_gradient(mode, y_true, y_pred)
    with float64():
        got = box_gradient(mode, y_true, y_pred)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_numpy_and_torch_ports_of_torchvision_agree():
    y_true, y_pred = batch(seed=2)
    for mode in MODES:
        values, _ = torch_value_and_gradient(mode, y_true, y_pred)
        np.testing.assert_allclose(
            ref.box_loss(y_true, y_pred, mode), values, rtol=1e-12
        )


@by_mode
def test_loss_is_symmetric_in_target_and_prediction(mode):
    y_true, y_pred = batch(seed=3)
    np.testing.assert_allclose(
        numpy(box_iou_loss(y_true, y_pred, mode=mode)),
        numpy(box_iou_loss(y_pred, y_true, mode=mode)),
        rtol=1e-6,
    )


@by_mode
def test_identical_boxes_give_eps_over_area_in_every_mode(mode):
    boxes = np.float64(random_boxes(np.random.default_rng(4), 16))
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    with float64():
        values = numpy(box_iou_loss(boxes, boxes, mode=mode))
    # 1 - iou cancels: float64 keeps eps / (A + eps) to about 1e-16, absolute.
    np.testing.assert_allclose(values, EPS / (area + EPS), rtol=0, atol=1e-15)
    in_float32 = numpy(box_iou_loss(np.float32(boxes), np.float32(boxes), mode=mode))
    np.testing.assert_allclose(in_float32, 0.0, atol=1e-6)


@by_mode
def test_an_exact_match_has_exactly_zero_gradient(mode):
    # The minimum of every mode: each backend would split the gradients of the
    # tied minima and maxima its own way, and give a small nonzero one.
    boxes = random_boxes(np.random.default_rng(5), 16)
    boxes[0] = [1.0, 1.0, 1.0, 3.0]  # a line
    boxes[1] = [2.0, 2.0, 2.0, 2.0]  # a point
    boxes[2] = [2.0, 2.0, 1.0, 1.0]  # inverted
    np.testing.assert_array_equal(box_gradient(mode, boxes, boxes.copy()), 0.0)


def test_ciou_adds_nothing_to_diou_when_aspect_ratios_agree():
    y_true = np.array([[0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 1.0, 3.0]])
    y_pred = np.array([[1.0, 0.5, 5.0, 2.5], [4.0, 4.0, 5.0, 7.0]])
    with float64():
        np.testing.assert_allclose(
            numpy(box_iou_loss(y_true, y_pred, mode="ciou")),
            numpy(box_iou_loss(y_true, y_pred, mode="diou")),
            rtol=1e-12,
        )


def test_apart_boxes_get_a_gradient_from_giou_and_diou_but_not_from_iou():
    y_true = np.array([[0.0, 0.0, 1.0, 1.0]], "float32")
    y_pred = np.array([[3.0, 0.0, 4.0, 1.0]], "float32")
    np.testing.assert_array_equal(box_gradient("iou", y_true, y_pred), 0.0)
    for mode in ("giou", "diou", "ciou"):
        moving_closer = box_gradient(mode, y_true, y_pred)
        # Gradient descent moves the predicted box left, towards the target.
        assert moving_closer[0, 0] + moving_closer[0, 2] > 0, mode


def test_zero_area_boxes_have_iou_zero_even_with_themselves():
    lines = np.array(
        [[1.0, 1.0, 1.0, 3.0], [0.0, 2.0, 5.0, 2.0], [2.0, 2.0, 2.0, 2.0]], "float32"
    )
    values = numpy(box_iou_loss(lines, lines, mode="iou"))
    np.testing.assert_array_equal(values, 1.0)
    np.testing.assert_array_equal(values, ref.box_loss(lines, lines, "iou"))


@by_mode
def test_valid_boxes_get_no_inverted_box_term(mode):
    # Valid boxes, lines included (x_min == x_max is not inverted): the values
    # are torchvision's, without the term.
    y_true, y_pred = batch(seed=6, count=16)
    y_pred[:4, 2] = y_pred[:4, 0]  # zero width
    y_pred[4:8, 3] = y_pred[4:8, 1]  # zero height: CIoU's w / h is w / 0
    y_true[8:10, 2] = y_true[8:10, 0]  # zero-width targets
    with np.errstate(divide="ignore"):
        torchvision = ref.TORCHVISION[mode](y_pred, y_true)
    np.testing.assert_allclose(
        numpy(box_iou_loss(y_true, y_pred, mode=mode)),
        torchvision,
        rtol=1e-5,
        atol=1e-6,
    )


def test_an_inverted_box_costs_one_plus_its_term_under_iou_and_over_one_in_all():
    y_true = np.array([[0.0, 0.0, 2.0, 2.0]], "float32")
    inverted = np.array([[1.5, 0.0, 0.5, 2.0]], "float32")  # x_max < x_min
    # No area, so IoU 0 and 1 - IoU = 1, plus the term (1.5 - 0.5) / (2 + 2).
    np.testing.assert_allclose(
        numpy(box_iou_loss(y_true, inverted, mode="iou")), [1.25], rtol=1e-6
    )
    for mode in MODES:
        value = numpy(box_iou_loss(y_true, inverted, mode=mode))
        assert all_finite(value) and value[0] > 1.0, mode


# The target is (0, 0, 2, 2); each predicted box is inside out along x, y or both.
TARGET = [0.0, 0.0, 2.0, 2.0]
INVERTED = {
    "x_inside": [1.5, 0.5, 0.5, 1.5],
    "y_inside": [0.5, 1.5, 1.5, 0.5],
    "both_inside": [1.5, 1.5, 0.5, 0.5],
    "both_over_a_corner": [2.5, 2.5, 1.5, 1.5],
    "both_apart": [5.0, 6.0, 4.0, 5.0],
    # Its corners are the extremes of both spans: a term whose extents followed
    # the box would be 1 whatever the box, with a zero gradient.
    "both_around_the_target": [3.0, 3.0, -1.0, -1.0],
    "both_below_left": [1.0, 0.0, -2.0, -2.0],
}


def inverted_cases(names):
    return [
        pytest.param(mode, name, id=f"{mode}-{name}")
        for name in names
        for mode in MODES
    ]


@pytest.mark.parametrize(("mode", "name"), inverted_cases(INVERTED))
def test_the_gradient_at_an_inverted_box_pushes_its_corners_the_right_way(mode, name):
    # Along an inverted axis, only the term moves the two sides: by exactly
    # 1 / (span_x + span_y), whatever GIoU's or DIoU's geometry would pull.
    box = np.array([INVERTED[name]], "float32")
    grads = box_gradient(mode, np.array([TARGET], "float32"), box)[0]
    x_min, y_min, x_max, y_max = box[0]
    xs, ys = [x_min, x_max, TARGET[0], TARGET[2]], [y_min, y_max, TARGET[1], TARGET[3]]
    step = 1 / (max(xs) - min(xs) + max(ys) - min(ys))
    if x_min > x_max:
        np.testing.assert_allclose(grads[[0, 2]], [step, -step], rtol=1e-5)
    if y_min > y_max:
        np.testing.assert_allclose(grads[[1, 3]], [step, -step], rtol=1e-5)


@by_mode
def test_fifty_gradient_steps_turn_inverted_boxes_right_side_out(mode):
    # Boxes farther from the target turn too, in more steps: their term's
    # gradient is smaller (1 / (span_x + span_y)). The boxes are independent
    # samples of one batch: each one's gradient is its own loss's.
    names = ["x_inside", "y_inside", "both_inside", "both_over_a_corner"]
    boxes = np.array([INVERTED[name] for name in names], "float32")
    y_true = np.array([TARGET] * len(names), "float32")
    for _ in range(50):
        boxes = boxes - np.float32(0.1) * box_gradient(mode, y_true, boxes)
    valid = (boxes[:, 0] < boxes[:, 2]) & (boxes[:, 1] < boxes[:, 3])
    assert valid.all(), dict(zip(names, boxes.tolist(), strict=True))


def coordinate():
    return st.sampled_from([0.0, 1.0, 2.0]) | st.floats(-5, 5, width=32)


@settings(max_examples=40, deadline=None)
@given(
    y_true=st.lists(coordinate(), min_size=4, max_size=4),
    y_pred=st.lists(coordinate(), min_size=4, max_size=4),
    mode=st.sampled_from(MODES),
)
def test_values_and_gradients_stay_finite_for_any_boxes(y_true, y_pred, mode):
    # Points, lines, inverted boxes, identical and touching boxes included.
    y_true = np.array([y_true, y_true], dtype="float32")
    y_pred = np.array([y_pred, y_true[0]], dtype="float32")
    values = numpy(box_iou_loss(y_true, y_pred, mode=mode))
    assert all_finite(values, box_gradient(mode, y_true, y_pred))
    assert np.all(values >= -1e-6)


@by_mode
def test_boxes_too_small_for_float32_products_have_finite_gradients(mode):
    # Sides of 1e-34: squared products underflow, and so would atan2's gradient.
    y_true = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1e-34, 1e-34]], "float32")
    y_pred = np.array([[0.0, 0.0, 0.0, 2.5e-34], [0.0, 0.0, 2e-34, 1e-34]], "float32")
    assert all_finite(box_gradient(mode, y_true, y_pred))


@settings(max_examples=20, deadline=None)
@given(corner=st.floats(-5, 5), size=st.floats(0.05, 5), mode=st.sampled_from(MODES))
def test_valid_boxes_match_torchvision_at_random_sizes(corner, size, mode):
    y_true = np.array([[corner, corner, corner + size, corner + 2 * size]])
    y_pred = y_true + np.array([[0.1, -0.2, 0.3, 0.1]]) * size
    with float64():
        values = numpy(box_iou_loss(y_true, y_pred, mode=mode))
    np.testing.assert_allclose(values, ref.box_loss(y_true, y_pred, mode), rtol=1e-10)


def test_per_sample_shape_is_the_batch_shape_without_the_last_axis():
    rng = np.random.default_rng(5)
    y_true = random_boxes(rng, 24).reshape(2, 3, 4, 4)
    y_pred = random_boxes(rng, 24).reshape(2, 3, 4, 4)
    assert box_iou_loss(y_true, y_pred).shape == (2, 3, 4)
    assert BoxIoULoss(reduction=None)(y_true, y_pred).shape == (2, 3, 4)


def test_jit_compiled_equals_eager_for_boxes_with_extra_axes():
    rng = np.random.default_rng(6)
    y_true, y_pred = random_boxes(rng, 12).reshape(3, 4, 4), random_boxes(rng, 12)
    y_pred = y_pred.reshape(3, 4, 4)
    loss = BoxIoULoss(mode="ciou")
    assert float(jit(loss)(y_true, y_pred)) == pytest.approx(
        float(loss(y_true, y_pred)), rel=1e-6
    )


@pytest.mark.parametrize(
    ("true_shape", "pred_shape"),
    [
        ((8, 5), (8, 5)),
        ((8, 4), (8, 3)),
        ((4,), (4,)),  # one box without a batch axis
        ((8,), (8,)),
        ((), ()),
        ((8, 4), (6, 4)),
        ((8, 4), (8, 2, 4)),
        ((8, 1, 4), (8, 4)),  # boxes are not rank-aligned
    ],
)
def test_boxes_not_of_one_shape_batch_by_4_raise_naming_both_shapes(
    true_shape, pred_shape
):
    y_true, y_pred = np.zeros(true_shape), np.zeros(pred_shape)
    message = r"Boxes must have shape \(batch, \.\.\., 4\).*" + shapes_pattern(
        true_shape, pred_shape
    )
    with pytest.raises(ValueError, match=message):
        box_iou_loss(y_true, y_pred)
    with pytest.raises(ValueError, match=message):
        BoxIoULoss()(y_true, y_pred)


def test_half_precision_boxes_are_computed_in_float32():
    y_true, y_pred = batch(seed=7)
    low = box_iou_loss(ops.cast(y_true, "float16"), ops.cast(y_pred, "float16"))
    assert keras.backend.standardize_dtype(low.dtype) == "float16"
    rounded = ref.box_loss(np.float16(y_true), np.float16(y_pred), "giou")
    np.testing.assert_allclose(numpy(ops.cast(low, "float32")), rounded, rtol=2e-3)

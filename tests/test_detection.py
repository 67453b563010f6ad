"""BoxIoULoss against torchvision's formulas (ported to torch and NumPy), and edges."""

import re

import keras
import numpy as np
import pytest
from backend_tools import gradient, jit
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import ops
from references_detection import (
    EPS,
    box_loss,
    random_boxes,
    target_and_predicted_boxes,
)

from lossbook import BoxIoULoss, box_iou_loss

torch = pytest.importorskip(
    "torch", reason="PyTorch is a test dependency (torch==2.13.0)"
)

MODES = ["iou", "giou", "diou", "ciou"]
by_mode = pytest.mark.parametrize("mode", MODES)


def float64_tolerance(rtol, atol=0.0, elsewhere_rtol=1e-6, elsewhere_atol=2e-7):
    """Tolerances for float64 inputs. Outside TensorFlow, Keras 3 promotes 64-bit
    dtypes to 32-bit in ops such as `maximum` and `arctan2` (BIT64_TO_BIT32_DTYPE
    in keras/src/backend/common/dtypes.py), so results are float32-accurate."""
    if keras.backend.backend() == "tensorflow":
        return {"rtol": rtol, "atol": atol}
    return {"rtol": elsewhere_rtol, "atol": elsewhere_atol}


def numpy(x):
    return ops.convert_to_numpy(x)


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


@by_mode
def test_values_match_torchvision_ported_to_torch(mode):
    y_true, y_pred = batch()
    expected, _ = torch_value_and_gradient(mode, y_true, y_pred)
    overlapping = 1 - box_loss(y_true, y_pred, "iou") > 0
    assert 0 < overlapping.sum() < len(y_true), "want both overlapping and apart"
    np.testing.assert_allclose(
        numpy(box_iou_loss(y_true, y_pred, mode)), expected, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        numpy(box_iou_loss(np.float64(y_true), np.float64(y_pred), mode)),
        expected,
        **float64_tolerance(rtol=1e-12),
    )


@by_mode
def test_gradients_match_torch_autograd_of_torchvision(mode):
    # For CIoU this pins alpha as a constant of the gradient, as in torchvision.
    y_true, y_pred = (np.float64(a) for a in batch(seed=1))
    _, expected = torch_value_and_gradient(mode, y_true, y_pred)
    got = gradient(lambda p: box_iou_loss(y_true, p, mode), y_pred)
    np.testing.assert_allclose(
        got, expected, **float64_tolerance(rtol=1e-9, atol=1e-12)
    )


def test_numpy_and_torch_ports_of_torchvision_agree():
    y_true, y_pred = batch(seed=2)
    for mode in MODES:
        values, _ = torch_value_and_gradient(mode, y_true, y_pred)
        np.testing.assert_allclose(box_loss(y_true, y_pred, mode), values, rtol=1e-12)


@by_mode
def test_loss_is_symmetric_in_target_and_prediction(mode):
    y_true, y_pred = batch(seed=3)
    np.testing.assert_allclose(
        numpy(box_iou_loss(y_true, y_pred, mode)),
        numpy(box_iou_loss(y_pred, y_true, mode)),
        rtol=1e-6,
    )


@by_mode
def test_identical_boxes_give_eps_over_area_in_every_mode(mode):
    boxes = np.float64(random_boxes(np.random.default_rng(4), 16))
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    np.testing.assert_allclose(
        # 1 - iou cancels: float64 keeps eps / (A + eps) to about 1e-16, absolute.
        numpy(box_iou_loss(boxes, boxes, mode)),
        EPS / (area + EPS),
        **float64_tolerance(rtol=0, atol=1e-15, elsewhere_atol=3e-7),
    )
    in_float32 = numpy(box_iou_loss(np.float32(boxes), np.float32(boxes), mode))
    np.testing.assert_allclose(in_float32, 0.0, atol=1e-6)


def test_ciou_adds_nothing_to_diou_when_aspect_ratios_agree():
    y_true = np.array([[0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 1.0, 3.0]])
    y_pred = np.array([[1.0, 0.5, 5.0, 2.5], [4.0, 4.0, 5.0, 7.0]])
    np.testing.assert_allclose(
        numpy(box_iou_loss(y_true, y_pred, "ciou")),
        numpy(box_iou_loss(y_true, y_pred, "diou")),
        **float64_tolerance(rtol=1e-12),
    )


def test_apart_boxes_get_a_gradient_from_giou_and_diou_but_not_from_iou():
    y_true = np.array([[0.0, 0.0, 1.0, 1.0]])
    y_pred = np.array([[3.0, 0.0, 4.0, 1.0]])
    iou_gradient = gradient(lambda p: box_iou_loss(y_true, p, "iou"), y_pred)
    np.testing.assert_array_equal(iou_gradient, 0.0)
    for mode in ("giou", "diou", "ciou"):
        moving_closer = gradient(lambda p, m=mode: box_iou_loss(y_true, p, m), y_pred)
        # Gradient descent moves the predicted box left, towards the target.
        assert moving_closer[0, 0] + moving_closer[0, 2] > 0, mode


def test_zero_area_boxes_have_iou_zero_even_with_themselves():
    lines = np.array([[1.0, 1.0, 1.0, 3.0], [0.0, 2.0, 5.0, 2.0], [2.0, 2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(numpy(box_iou_loss(lines, lines, "iou")), 1.0)
    np.testing.assert_allclose(
        numpy(box_iou_loss(lines, lines, "iou")), box_loss(lines, lines, "iou")
    )


def test_inverted_boxes_count_as_empty_boxes():
    y_true = np.array([[0.0, 0.0, 2.0, 2.0]])
    inverted = np.array([[1.5, 1.5, 0.5, 0.5]])  # x_max < x_min and y_max < y_min
    for mode in MODES:
        value = float(numpy(box_iou_loss(y_true, inverted, mode))[0])
        assert np.isfinite(value) and value >= 1.0, mode
    assert float(numpy(box_iou_loss(y_true, inverted, "iou"))[0]) == 1.0


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
    values = numpy(box_iou_loss(y_true, y_pred, mode))
    grads = gradient(lambda p: box_iou_loss(y_true, p, mode), y_pred)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads))
    assert np.all(values >= -1e-6)


@by_mode
def test_boxes_too_small_for_float32_products_have_finite_gradients(mode):
    # Sides of 1e-34: squared products underflow, and so would atan2's gradient.
    y_true = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1e-34, 1e-34]], "float32")
    y_pred = np.array([[0.0, 0.0, 0.0, 2.5e-34], [0.0, 0.0, 2e-34, 1e-34]], "float32")
    grads = gradient(lambda p: box_iou_loss(y_true, p, mode), y_pred)
    assert np.all(np.isfinite(grads))


@settings(max_examples=20, deadline=None)
@given(corner=st.floats(-5, 5), size=st.floats(0.05, 5), mode=st.sampled_from(MODES))
def test_valid_boxes_match_torchvision_at_random_sizes(corner, size, mode):
    y_true = np.array([[corner, corner, corner + size, corner + 2 * size]])
    y_pred = y_true + np.array([[0.1, -0.2, 0.3, 0.1]]) * size
    np.testing.assert_allclose(
        numpy(box_iou_loss(y_true, y_pred, mode)),
        box_loss(y_true, y_pred, mode),
        # In float32, sides of 0.05 at corners up to 5 keep about 5 digits.
        **float64_tolerance(rtol=1e-10, elsewhere_rtol=1e-4),
    )


def test_per_sample_shape_is_the_batch_shape_without_the_last_axis():
    rng = np.random.default_rng(5)
    y_true = random_boxes(rng, 24).reshape(2, 3, 4, 4)
    y_pred = random_boxes(rng, 24).reshape(2, 3, 4, 4)
    assert box_iou_loss(y_true, y_pred).shape == (2, 3, 4)
    assert box_iou_loss(y_true[0, 0, 0], y_pred[0, 0, 0]).shape == ()
    loss = BoxIoULoss(reduction=None)(y_true, y_pred)
    assert loss.shape == (2, 3, 4)


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
    [((8, 5), (8, 5)), ((8, 4), (8, 3)), ((8,), (8,)), ((), ())],
)
def test_last_axis_other_than_four_raises_naming_the_shapes(true_shape, pred_shape):
    y_true, y_pred = np.zeros(true_shape), np.zeros(pred_shape)
    message = "4 coordinates .* " + re.escape(
        f"y_true.shape={true_shape!r} and y_pred.shape={pred_shape!r}"
    )
    with pytest.raises(ValueError, match=message):
        box_iou_loss(y_true, y_pred)
    with pytest.raises(ValueError, match=message):
        BoxIoULoss()(y_true, y_pred)


@pytest.mark.parametrize(
    ("true_shape", "pred_shape"), [((8, 4), (6, 4)), ((8, 4), (8, 2, 4))]
)
def test_mismatched_box_shapes_raise_naming_both_shapes(true_shape, pred_shape):
    with pytest.raises(ValueError, match=r"y_true.shape=\(8, 4\).*y_pred.shape"):
        box_iou_loss(np.zeros(true_shape), np.zeros(pred_shape))


@pytest.mark.parametrize("mode", ["GIoU", "eiou", "", None, 1])
def test_invalid_mode_raises_naming_the_argument_and_value(mode):
    message = r"`mode` must be one of .*, got mode=" + re.escape(repr(mode))
    with pytest.raises(ValueError, match=message):
        BoxIoULoss(mode=mode)
    with pytest.raises(ValueError, match=message):
        box_iou_loss(np.zeros((1, 4)), np.zeros((1, 4)), mode=mode)


def test_half_precision_boxes_are_computed_in_float32():
    y_true, y_pred = batch(seed=7)
    low = box_iou_loss(ops.cast(y_true, "float16"), ops.cast(y_pred, "float16"))
    assert keras.backend.standardize_dtype(low.dtype) == "float16"
    rounded = box_loss(np.float16(y_true), np.float16(y_pred), "giou")
    np.testing.assert_allclose(numpy(ops.cast(low, "float32")), rounded, rtol=2e-3)

"""Segmentation losses against NumPy, Keras's Dice/Tversky, the authors' Lovász code.

Arguments, rank alignment, empty batches and compilation are checked for every
loss by test_contract.py.
"""

import keras
import numpy as np
import pytest
from helpers import all_finite, gradient, numpy
from hypothesis import given, settings
from hypothesis import strategies as st
from references import EPSILON  # keras.backend.epsilon(): focal power linear below
from references import segmentation as ref

from lossbook import (
    LovaszHingeLoss,
    focal_tversky_loss,
    jaccard_loss,
    lovasz_hinge_loss,
)

torch = pytest.importorskip(
    "torch", reason="PyTorch is a test dependency (torch==2.13.0)"
)


def masks_and_probabilities(seed=0, shape=(4, 6, 5, 3)):
    rng = np.random.default_rng(seed)
    y = (rng.random(shape) < 0.3).astype("float32")
    return y, (1 / (1 + np.exp(-rng.normal(0, 3, shape)))).astype("float32")


def masks_and_logits(seed=0, shape=(4, 6, 5, 1)):
    rng = np.random.default_rng(seed)
    y = (rng.random(shape) < 0.3).astype("float32")
    return y, rng.normal(0, 3, shape).astype("float32")


masks = st.sampled_from(["random", "zeros", "ones"])


def mask(kind, rng, shape):
    if kind == "zeros":
        return np.zeros(shape, "float32")
    if kind == "ones":
        return np.ones(shape, "float32")
    return (rng.random(shape) < 0.5).astype("float32")


# --------------------------------------------------------------------- Jaccard


@pytest.mark.parametrize("smooth", [0.0, 1.0, 10.0])
def test_jaccard_matches_numpy_reference_over_all_non_batch_axes(smooth):
    y, p = masks_and_probabilities()
    got = numpy(jaccard_loss(y, p, smooth=smooth))
    assert got.shape == (4,)
    np.testing.assert_allclose(got, ref.jaccard(y, p, smooth), rtol=1e-5)


def test_jaccard_tuple_axis_gives_one_value_per_sample_and_channel():
    y, p = masks_and_probabilities()
    got = numpy(jaccard_loss(y, p, axis=(1, 2)))
    channels_first = (np.moveaxis(a, -1, 1).reshape(12, -1) for a in (y, p))
    expected = ref.jaccard(*channels_first, 1.0).reshape(4, 3)
    assert got.shape == (4, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    negative = numpy(jaccard_loss(y, p, axis=(-3, -2)))
    np.testing.assert_allclose(negative, got, rtol=1e-6)


def test_jaccard_without_smoothing_is_keras_dice_through_iou_equals_d_over_2_minus_d():
    y, p = masks_and_probabilities()
    dice = 1 - numpy(keras.losses.dice(y, p, axis=(1, 2, 3)))
    iou = 1 - numpy(jaccard_loss(y, p, smooth=0.0))
    # Keras adds epsilon = 1e-7 to a denominator of about 100: far below rtol.
    np.testing.assert_allclose(iou, dice / (2 - dice), rtol=1e-5)


def test_keras_dice_default_axis_sums_over_the_batch_but_jaccard_default_does_not():
    y, p = masks_and_probabilities()
    assert numpy(keras.losses.dice(y, p)).shape == ()
    assert numpy(jaccard_loss(y, p)).shape == (4,)


@pytest.mark.parametrize("smooth", [0.0, 1.0])
def test_jaccard_is_exactly_zero_at_a_perfect_prediction(smooth):
    y, _ = masks_and_probabilities()
    assert np.all(numpy(jaccard_loss(y, y, smooth=smooth)) == 0.0)
    ones = np.ones((2, 8), "float32")
    assert np.all(numpy(jaccard_loss(ones, ones, smooth=smooth)) == 0.0)


def test_jaccard_false_alarms_on_an_empty_mask_cost_fp_over_fp_plus_smooth():
    zeros = np.zeros((1, 4), "float32")
    p = np.array([[0.1, 0.2, 0.0, 0.2]], "float32")
    np.testing.assert_allclose(
        numpy(jaccard_loss(zeros, p, smooth=1.0)), [0.5 / 1.5], rtol=1e-6
    )
    np.testing.assert_allclose(numpy(jaccard_loss(zeros, p, smooth=0.0)), [1.0])


@pytest.mark.parametrize(
    ("smooth", "expected"),
    # Row 0, y = [1, 0] and p = [-3, -3]: I = -3, U = 1 - 6 + 3 = -2.
    # Row 1, y = [1, 0] and p = [1, -2]: I = 1, U = 1 - 1 - 1 = -1.
    # loss = 1 - (I + smooth) / (U + smooth), the denominator U + smooth <= 0:
    [
        (0.0, [1 - (-3) / (-2), 1 - 1 / (-1)]),  # [-0.5, 2.0]
        (1.0, [1 - (-3 + 1) / (-2 + 1), -np.inf]),  # [-1.0, 1 - 2 / 0]
    ],
)
def test_jaccard_outside_the_unit_interval_follows_the_formula(smooth, expected):
    # Logits passed by mistake give an odd number or an infinity, never a
    # number quietly computed with the denominator replaced by 1 (FN + FP:
    # [1.0, -2.0] for either smooth).
    y = np.array([[1.0, 0.0], [1.0, 0.0]], "float32")
    p = np.array([[-3.0, -3.0], [1.0, -2.0]], "float32")
    np.testing.assert_allclose(
        numpy(jaccard_loss(y, p, smooth=smooth)), expected, rtol=1e-6
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=masks, smooth=st.sampled_from([0.0, 1.0]))
def test_jaccard_is_in_unit_interval_with_finite_gradients_at_edges(seed, kind, smooth):
    rng = np.random.default_rng(seed)
    y = mask(kind, rng, (3, 7))
    # Probabilities at exactly 0 and 1 as well as in between.
    p = rng.choice([0.0, 1.0, 0.5, 1e-8], size=(3, 7)).astype("float32")
    values = numpy(jaccard_loss(y, p, smooth=smooth))
    grad = gradient(lambda q: jaccard_loss(y, q, smooth=smooth), p)
    assert all_finite(values, grad)
    assert np.all((values >= 0) & (values <= 1))


@pytest.mark.parametrize("axis", [-4, 4, (1, -3)])
def test_jaccard_axis_that_is_the_batch_or_out_of_range_for_the_rank_raises(axis):
    y, p = masks_and_probabilities()
    with pytest.raises(ValueError, match=r"inputs of rank 4, got axis="):
        jaccard_loss(y, p, axis=axis)


# --------------------------------------------------------------- Focal Tversky


@pytest.mark.parametrize(
    ("alpha", "beta", "gamma", "smooth"),
    [(0.7, 0.3, 0.75, 1.0), (0.5, 0.5, 2.0, 0.0), (0.0, 1.0, 1.3, 0.5)],
)
def test_focal_tversky_matches_numpy_reference(alpha, beta, gamma, smooth):
    y, p = masks_and_probabilities()
    got = numpy(
        focal_tversky_loss(y, p, alpha=alpha, beta=beta, gamma=gamma, smooth=smooth)
    )
    expected = ref.focal_tversky(y, p, alpha, beta, gamma, smooth)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize(("alpha", "beta"), [(0.7, 0.3), (0.3, 0.7), (0.5, 0.5)])
def test_gamma_one_without_smoothing_equals_keras_tversky_per_sample(alpha, beta):
    y, p = masks_and_probabilities()
    ours = focal_tversky_loss(y, p, alpha=alpha, beta=beta, gamma=1.0, smooth=0.0)
    keras_loss = keras.losses.Tversky(alpha, beta, axis=(1, 2, 3), reduction=None)
    # Keras adds epsilon = 1e-7 to the denominator only; smooth=0 has no other term.
    np.testing.assert_allclose(numpy(ours), numpy(keras_loss(y, p)), rtol=1e-5)


def test_keras_tversky_alpha_weighs_false_negatives_as_ours_does():
    y = np.array([[1.0, 1.0, 0.0, 0.0]], "float32")
    one_miss = np.array([[0.0, 1.0, 0.0, 0.0]], "float32")
    for alpha, beta, expected in [(1.0, 0.0, 0.5), (0.0, 1.0, 0.0)]:
        keras_loss = keras.losses.tversky(y, one_miss, alpha, beta, axis=(1,))
        ours = focal_tversky_loss(
            y, one_miss, alpha=alpha, beta=beta, gamma=1.0, smooth=0.0
        )
        np.testing.assert_allclose(numpy(keras_loss), [expected], atol=1e-6)
        np.testing.assert_allclose(numpy(ours), [expected], atol=1e-6)


@pytest.mark.parametrize("smooth", [0.0, 1.0])
def test_alpha_beta_one_and_gamma_one_is_the_jaccard_loss(smooth):
    y, p = masks_and_probabilities()
    np.testing.assert_allclose(
        numpy(focal_tversky_loss(y, p, alpha=1.0, beta=1.0, gamma=1.0, smooth=smooth)),
        numpy(jaccard_loss(y, p, smooth=smooth)),
        rtol=1e-6,
    )


def test_gamma_raises_the_plain_tversky_loss_to_that_power():
    y, p = masks_and_probabilities()
    plain = numpy(focal_tversky_loss(y, p, gamma=1.0))
    for gamma in [0.5, 0.75, 3.0]:
        np.testing.assert_allclose(
            numpy(focal_tversky_loss(y, p, gamma=gamma)), plain**gamma, rtol=1e-5
        )


@pytest.mark.parametrize("smooth", [0.0, 1.0])
@pytest.mark.parametrize("gamma", [0.5, 0.75, 1.0, 2.0])
def test_focal_tversky_is_zero_with_the_linear_gradient_at_a_perfect_prediction(
    gamma, smooth
):
    y, _ = masks_and_probabilities(shape=(3, 10))
    assert np.all(numpy(focal_tversky_loss(y, y, gamma=gamma, smooth=smooth)) == 0)
    grad = gradient(lambda p: focal_tversky_loss(y, p, gamma=gamma, smooth=smooth), y)
    # Below epsilon the loss is eps**(gamma - 1) * d, and at d = 0 the derivative of
    # d = (0.7 FN + 0.3 FP) / (TP + 0.7 FN + 0.3 FP + smooth) is
    # (-0.7 y + 0.3 (1 - y)) / (sum(y) + smooth).
    d_distance = (-0.7 * y + 0.3 * (1 - y)) / (y.sum(axis=1, keepdims=True) + smooth)
    np.testing.assert_allclose(grad, EPSILON ** (gamma - 1) * d_distance, rtol=1e-5)


def test_focal_tversky_is_continuous_across_the_epsilon_threshold():
    # One positive pixel: d = 0.7 (1 - p) / (0.3 p + 0.7 + smooth). A large smooth
    # puts d = eps at p ~ 0.86, where float32 resolves p finely on every backend.
    smooth, y = 1e6, np.ones((1, 1), "float32")
    values = []
    for d in (EPSILON * 0.999, EPSILON * 1.001):
        p = (0.7 - d * (0.7 + smooth)) / (0.3 * d + 0.7)
        loss = focal_tversky_loss(y, np.array([[p]], "float32"), smooth=smooth)
        values.append(float(numpy(loss)[0]))
    assert values[0] == pytest.approx(EPSILON**0.75, rel=2e-3)
    assert values[1] == pytest.approx(EPSILON**0.75, rel=2e-3)


@pytest.mark.parametrize(
    ("alpha", "beta", "smooth", "expected"),
    # y = [1, 0] in both rows; row 0: p = [-3, -3], TP = -3, FN = 4, FP = -3;
    # row 1: p = [1, -4], TP = 1, FN = 0, FP = -4.
    # loss = 1 - (TP + smooth) / (TP + alpha FN + beta FP + smooth), gamma = 1
    # (a negative base has no real power), the denominator <= 0:
    [
        (0.7, 0.3, 0.0, [1 - (-3) / (-3 + 2.8 - 0.9), 1 - 1 / (1 - 1.2)]),
        (0.5, 0.5, 1.0, [1 - (-3 + 1) / (-3 + 2 - 1.5 + 1), -np.inf]),
    ],
)
def test_focal_tversky_outside_the_unit_interval_follows_the_formula(
    alpha, beta, smooth, expected
):
    # [-1.73, 6.0] and [-0.33, -inf]; with the denominator replaced by 1, row 1
    # would give alpha FN + beta FP: -1.2 and -2.0.
    y = np.array([[1.0, 0.0], [1.0, 0.0]], "float32")
    p = np.array([[-3.0, -3.0], [1.0, -4.0]], "float32")
    got = focal_tversky_loss(y, p, alpha=alpha, beta=beta, gamma=1.0, smooth=smooth)
    np.testing.assert_allclose(numpy(got), expected, rtol=1e-6)


EMPTY_MASK_LOSSES = pytest.mark.parametrize(
    "function", [jaccard_loss, focal_tversky_loss], ids=lambda f: f.__name__
)


@EMPTY_MASK_LOSSES
def test_an_empty_mask_predicted_empty_without_smoothing_is_exactly_zero(function):
    zeros = np.zeros((2, 8), "float32")
    np.testing.assert_array_equal(numpy(function(zeros, zeros, smooth=0.0)), 0.0)
    assert all_finite(gradient(lambda p: function(zeros, p, smooth=0.0), zeros))


@EMPTY_MASK_LOSSES
def test_an_empty_mask_predicted_empty_without_smoothing_has_a_zero_gradient(
    function,
):
    zeros = np.zeros((2, 8), "float32")
    grads = gradient(lambda p: function(zeros, p, smooth=0.0), zeros)
    np.testing.assert_array_equal(grads, 0.0)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    kind=masks,
    gamma=st.sampled_from([0.5, 0.75, 2.0]),
    smooth=st.sampled_from([0.0, 1.0]),
)
def test_focal_tversky_values_and_gradients_are_finite_at_edges(
    seed, kind, gamma, smooth
):
    rng = np.random.default_rng(seed)
    y = mask(kind, rng, (3, 7))
    p = rng.choice([0.0, 1.0, 0.5, 1e-8], size=(3, 7)).astype("float32")
    for q in (p, y):  # arbitrary and perfect predictions
        values = numpy(focal_tversky_loss(y, q, gamma=gamma, smooth=smooth))
        grad = gradient(
            lambda v: focal_tversky_loss(y, v, gamma=gamma, smooth=smooth), q
        )
        assert all_finite(values, grad)
        assert np.all((values >= 0) & (values <= 1))


# ---------------------------------------------------------------- Lovász hinge


def authors_lovasz_hinge_flat(logits, labels):
    """The authors' PyTorch `lovasz_hinge_flat` (bermanmaxim/LovaszSoftmax, MIT),
    restated with current torch: sort, Jaccard of prefixes, dot with relu."""
    signs = 2.0 * labels - 1.0
    errors = 1.0 - logits * signs
    errors_sorted, perm = torch.sort(errors, dim=0, descending=True)
    gt_sorted = labels[perm]
    gts = gt_sorted.sum()
    intersection = gts - gt_sorted.cumsum(0)
    union = gts + (1 - gt_sorted).cumsum(0)
    jaccard = 1.0 - intersection / union
    grad = torch.cat([jaccard[:1], jaccard[1:] - jaccard[:-1]])
    return torch.dot(torch.relu(errors_sorted), grad)


def authors_lovasz_hinge(logits, labels, per_image):
    if per_image:
        images = zip(logits, labels, strict=True)
        losses = [authors_lovasz_hinge_flat(x.ravel(), y.ravel()) for x, y in images]
        return torch.stack(losses).mean()
    return authors_lovasz_hinge_flat(logits.reshape(-1), labels.reshape(-1))


@pytest.mark.parametrize("per_image", [True, False])
def test_lovasz_matches_numpy_reference_per_sample(per_image):
    y, x = masks_and_logits()
    got = numpy(lovasz_hinge_loss(y, x, per_image=per_image))
    assert got.shape == (4,)
    np.testing.assert_allclose(got, ref.lovasz_hinge(y, x, per_image), rtol=1e-5)


@pytest.mark.parametrize("per_image", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lovasz_default_reduction_and_gradient_match_the_authors_torch_code(
    per_image, seed
):
    y, x = masks_and_logits(seed, shape=(3, 8, 8))
    logits = torch.tensor(x, requires_grad=True)
    theirs = authors_lovasz_hinge(logits, torch.tensor(y), per_image)
    theirs.backward()
    ours = LovaszHingeLoss(per_image=per_image)(y, x)
    assert float(ours) == pytest.approx(theirs.item(), rel=1e-5)
    assert float(ours) == pytest.approx(
        ref.lovasz_hinge_reference_value(y, x, per_image), rel=1e-5
    )
    # The mean over the batch is what the default reduction computes.
    batch = len(x)
    grad = gradient(lambda v: lovasz_hinge_loss(y, v, per_image=per_image) / batch, x)
    np.testing.assert_allclose(grad, logits.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_lovasz_image_without_positives_costs_its_largest_error_only():
    y = np.zeros((3, 5), "float32")
    x = np.array(
        [[-2.0, 0.5, -1.0, -4.0, 0.0], [-100.0] * 5, [100.0, -100, 3, 0, 1]],
        "float32",
    )
    got = numpy(lovasz_hinge_loss(y, x))
    np.testing.assert_allclose(got, np.maximum(1 + x.max(axis=1), 0), rtol=1e-6)
    np.testing.assert_allclose(got, ref.lovasz_hinge(y, x, True), rtol=1e-6)
    assert all_finite(gradient(lambda v: lovasz_hinge_loss(y, v), x))


def test_lovasz_image_of_positives_only_costs_the_mean_hinge():
    y = np.ones((2, 5), "float32")
    x = np.array([[-2.0, 0.5, -1.0, 4.0, 0.0], [100.0, -100, 3, 0, 1]], "float32")
    np.testing.assert_allclose(
        numpy(lovasz_hinge_loss(y, x)),
        np.maximum(1 - x, 0).mean(axis=1),
        rtol=1e-6,
    )


@pytest.mark.parametrize("per_image", [True, False])
def test_lovasz_is_zero_when_every_pixel_is_right_by_a_margin_of_one(per_image):
    y, _ = masks_and_logits()
    x = (2 * y - 1) * np.float32(1.5)
    assert np.all(numpy(lovasz_hinge_loss(y, x, per_image=per_image)) == 0.0)
    x = (2 * y - 1) * np.float32(0.5)  # right sign, inside the margin
    assert np.all(numpy(lovasz_hinge_loss(y, x, per_image=per_image)) > 0.0)


def test_lovasz_of_all_zero_logits_is_one_whatever_the_sort_does_with_ties():
    y, _ = masks_and_logits()
    x = np.zeros_like(y)
    np.testing.assert_allclose(numpy(lovasz_hinge_loss(y, x)), 1.0, rtol=1e-6)


def test_lovasz_on_one_pixel_images_is_the_hinge_loss():
    y = np.array([1.0, 0.0, 1.0, 0.0], "float32")
    x = np.array([0.3, 0.3, -2.0, -2.0], "float32")
    np.testing.assert_allclose(
        numpy(lovasz_hinge_loss(y, x)), np.maximum(1 - x * (2 * y - 1), 0), rtol=1e-6
    )


def test_lovasz_whole_batch_values_are_batch_size_times_each_images_share():
    y, x = masks_and_logits()
    shares = numpy(LovaszHingeLoss(per_image=False, reduction=None)(y, x))
    total = ref.lovasz_hinge_reference_value(y, x, per_image=False)
    assert shares.mean() == pytest.approx(total, rel=1e-5)
    assert np.all(shares >= 0)


def test_lovasz_whole_batch_shares_keep_float32_precision_on_large_images():
    # Differences of consecutive Jaccard values would lose ~log10(P) digits per
    # pixel weight; the shares (unlike the total) do not telescope, so they show it.
    # Logits on a grid offset by 1/256 give distinct errors 1 -+ x, exact in
    # float32: no ties for the sort to break differently from the reference.
    rng = np.random.default_rng(0)
    shape = (3, 64, 64)
    y = (rng.random(shape) < 0.3).astype("float32")
    x = (rng.permutation(y.size) - y.size / 2 + 0.25) / 64
    x = x.reshape(shape).astype("float32")
    got = numpy(lovasz_hinge_loss(y, x, per_image=False))
    np.testing.assert_allclose(got, ref.lovasz_hinge(y, x, False), rtol=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    kind=masks,
    per_image=st.booleans(),
)
def test_lovasz_values_and_gradients_are_finite_for_logits_of_100(
    seed, kind, per_image
):
    rng = np.random.default_rng(seed)
    y = mask(kind, rng, (3, 6))
    x = rng.choice([-100.0, 100.0, 0.0], size=(3, 6)).astype("float32")
    values = numpy(lovasz_hinge_loss(y, x, per_image=per_image))
    grad = gradient(lambda v: lovasz_hinge_loss(y, v, per_image=per_image), x)
    assert all_finite(values, grad)
    assert np.all(values >= 0)
    np.testing.assert_allclose(
        values.mean(), ref.lovasz_hinge_reference_value(y, x, per_image), rtol=1e-5
    )


@pytest.mark.parametrize("per_image", [True, False])
def test_lovasz_of_an_empty_batch_is_an_empty_vector(per_image):
    empty = np.zeros((0, 8), "float32")
    values = lovasz_hinge_loss(empty, empty, per_image=per_image)
    assert tuple(values.shape) == (0,)

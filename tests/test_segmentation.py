"""Segmentation losses against NumPy, Keras's Dice/Tversky, the authors' Lovász code."""

import json

import keras
import numpy as np
import pytest
import references_segmentation as ref
from backend_tools import gradient
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import ops

from lossbook import (
    FocalTverskyLoss,
    JaccardLoss,
    LovaszHingeLoss,
    focal_tversky_loss,
    jaccard_loss,
    lovasz_hinge_loss,
)

torch = pytest.importorskip(
    "torch", reason="PyTorch is a test dependency (torch==2.13.0)"
)

EPSILON = 1e-7  # keras.backend.epsilon(), below which the focal power is linear


def numpy(x):
    return ops.convert_to_numpy(x)


def masks_and_probabilities(seed=0, shape=(4, 6, 5, 3)):
    rng = np.random.default_rng(seed)
    y = (rng.random(shape) < 0.3).astype("float32")
    return y, (1 / (1 + np.exp(-rng.normal(0, 3, shape)))).astype("float32")


def masks_and_logits(seed=0, shape=(4, 6, 5, 1)):
    rng = np.random.default_rng(seed)
    y = (rng.random(shape) < 0.3).astype("float32")
    return y, rng.normal(0, 3, shape).astype("float32")


def all_finite(*arrays):
    return all(np.all(np.isfinite(a)) for a in arrays)


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
    assert numpy(JaccardLoss(reduction=None)(y, p)).shape == (4,)


@pytest.mark.parametrize("smooth", [0.0, 1.0])
def test_jaccard_is_exactly_zero_at_a_perfect_prediction(smooth):
    y, _ = masks_and_probabilities()
    assert np.all(numpy(jaccard_loss(y, y, smooth=smooth)) == 0.0)
    ones = np.ones((2, 8), "float32")
    assert np.all(numpy(jaccard_loss(ones, ones, smooth=smooth)) == 0.0)


def test_jaccard_of_an_empty_mask_predicted_empty_is_zero_with_finite_gradient():
    zeros = np.zeros((2, 8), "float32")
    for smooth in [0.0, 1.0]:
        assert np.all(numpy(jaccard_loss(zeros, zeros, smooth=smooth)) == 0.0)
        grad = gradient(lambda p, s=smooth: jaccard_loss(zeros, p, smooth=s), zeros)
        assert all_finite(grad)


def test_jaccard_false_alarms_on_an_empty_mask_cost_fp_over_fp_plus_smooth():
    zeros = np.zeros((1, 4), "float32")
    p = np.array([[0.1, 0.2, 0.0, 0.2]], "float32")
    np.testing.assert_allclose(
        numpy(jaccard_loss(zeros, p, smooth=1.0)), [0.5 / 1.5], rtol=1e-6
    )
    np.testing.assert_allclose(numpy(jaccard_loss(zeros, p, smooth=0.0)), [1.0])


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


def test_jaccard_tuple_axis_survives_a_json_round_trip_of_its_config():
    loss = JaccardLoss(axis=(1, 2))
    config = json.loads(json.dumps(loss.get_config()))
    assert config["axis"] == [1, 2]
    clone = JaccardLoss.from_config(config)
    assert clone.axis == (1, 2) and clone.get_config() == loss.get_config()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"smooth": -1.0}, "`smooth` must be >= 0, got smooth=-1.0"),
        ({"smooth": float("inf")}, "`smooth` must be finite, got smooth=inf"),
        ({"smooth": "1"}, "`smooth` must be a number, got smooth='1'"),
        ({"axis": 0}, r"must not include the batch axis 0.*got axis=0"),
        ({"axis": (2, 0)}, r"must not include the batch axis 0.*got axis=\(2, 0\)"),
        ({"axis": ()}, r"`axis` must not be empty, got axis=\(\)"),
        ({"axis": (1, 1)}, r"must not repeat an axis, got axis=\(1, 1\)"),
        ({"axis": 1.0}, "`axis` must be an int, got axis=1.0"),
        ({"axis": (1, "2")}, r"tuple of ints, got axis=\(1, '2'\)"),
    ],
)
def test_jaccard_invalid_arguments_raise_naming_the_argument_and_value(
    arguments, message
):
    with pytest.raises(ValueError, match=message):
        JaccardLoss(**arguments)
    y, p = masks_and_probabilities()
    with pytest.raises(ValueError, match=message):
        jaccard_loss(y, p, **arguments)


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
    got = numpy(focal_tversky_loss(y, p, alpha, beta, gamma, smooth))
    expected = ref.focal_tversky(y, p, alpha, beta, gamma, smooth)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize(("alpha", "beta"), [(0.7, 0.3), (0.3, 0.7), (0.5, 0.5)])
def test_gamma_one_without_smoothing_equals_keras_tversky_per_sample(alpha, beta):
    y, p = masks_and_probabilities()
    ours = focal_tversky_loss(y, p, alpha, beta, gamma=1.0, smooth=0.0)
    keras_loss = keras.losses.Tversky(alpha, beta, axis=(1, 2, 3), reduction=None)
    # Keras adds epsilon = 1e-7 to the denominator only; smooth=0 has no other term.
    np.testing.assert_allclose(numpy(ours), numpy(keras_loss(y, p)), rtol=1e-5)


def test_keras_tversky_alpha_weighs_false_negatives_as_ours_does():
    y = np.array([[1.0, 1.0, 0.0, 0.0]], "float32")
    one_miss = np.array([[0.0, 1.0, 0.0, 0.0]], "float32")
    for alpha, beta, expected in [(1.0, 0.0, 0.5), (0.0, 1.0, 0.0)]:
        keras_loss = keras.losses.tversky(y, one_miss, alpha, beta, axis=(1,))
        ours = focal_tversky_loss(y, one_miss, alpha, beta, gamma=1.0, smooth=0.0)
        np.testing.assert_allclose(numpy(keras_loss), [expected], atol=1e-6)
        np.testing.assert_allclose(numpy(ours), [expected], atol=1e-6)


@pytest.mark.parametrize("smooth", [0.0, 1.0])
def test_alpha_beta_one_and_gamma_one_is_the_jaccard_loss(smooth):
    y, p = masks_and_probabilities()
    np.testing.assert_allclose(
        numpy(focal_tversky_loss(y, p, 1.0, 1.0, 1.0, smooth)),
        numpy(jaccard_loss(y, p, smooth)),
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


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"alpha": -0.1}, "`alpha` must be >= 0, got alpha=-0.1"),
        ({"beta": -1}, "`beta` must be >= 0, got beta=-1"),
        (
            {"alpha": 0, "beta": 0.0},
            "`alpha` and `beta` must not both be 0.*got alpha=0.0 and beta=0.0",
        ),
        ({"gamma": 0.0}, "`gamma` must be > 0, got gamma=0.0"),
        ({"gamma": -2}, "`gamma` must be > 0, got gamma=-2"),
        ({"gamma": float("nan")}, "`gamma` must be finite, got gamma=nan"),
        ({"smooth": -0.5}, "`smooth` must be >= 0, got smooth=-0.5"),
        ({"alpha": True}, "`alpha` must be a number, got alpha=True"),
    ],
)
def test_focal_tversky_invalid_arguments_raise_naming_the_argument_and_value(
    arguments, message
):
    with pytest.raises(ValueError, match=message):
        FocalTverskyLoss(**arguments)
    y, p = masks_and_probabilities()
    with pytest.raises(ValueError, match=message):
        focal_tversky_loss(y, p, **arguments)


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
    grad = gradient(lambda v: lovasz_hinge_loss(y, v, per_image) / batch, x)
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


@pytest.mark.parametrize("value", [1, "yes", None])
def test_lovasz_per_image_must_be_a_bool(value):
    message = f"`per_image` must be True or False, got per_image={value!r}"
    with pytest.raises(ValueError, match=message):
        LovaszHingeLoss(per_image=value)
    with pytest.raises(ValueError, match=message):
        lovasz_hinge_loss(np.ones((2, 3)), np.ones((2, 3)), per_image=value)


@pytest.mark.parametrize(
    "function", [jaccard_loss, focal_tversky_loss, lovasz_hinge_loss]
)
def test_masks_of_different_sizes_raise_naming_both_shapes(function):
    with pytest.raises(
        ValueError, match=r"y_true.shape=\(2, 4, 4\) and y_pred.shape=\(2, 4, 5\)"
    ):
        function(np.ones((2, 4, 4)), np.ones((2, 4, 5)))

"""Segmentation losses against NumPy, Keras's Dice/Tversky, the authors' Lovász code.

Arguments, rank alignment, empty batches and compilation are checked for every
loss by test_contract.py.
"""

import json

import keras
import numpy as np
import pytest
from helpers import BACKEND, all_finite, float64, gradient, numpy, shapes_pattern
from hypothesis import given, settings
from hypothesis import strategies as st
from references import EPSILON  # keras.backend.epsilon(): focal power linear below
from references import segmentation as ref

from lossbook import (
    CombinedLoss,
    DiceLoss,
    LovaszHingeLoss,
    LovaszSoftmaxLoss,
    dice_loss,
    focal_tversky_loss,
    jaccard_loss,
    lovasz_hinge_loss,
    lovasz_softmax_loss,
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


# ------------------------------------------------------------------------ Dice


def monai_losses():
    return pytest.importorskip("monai.losses", reason="MONAI is a test dependency")


def channels_first(x):
    """(B, H, W, C) -> (B, C, H, W), MONAI's layout."""
    return torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, -1, 1)))


def segmentation_batch(mode, seed=0, shape=(3, 6, 5), classes=4, dtype="float32"):
    """y_true and logits in lossbook's layout for `mode`, channels last."""
    rng = np.random.default_rng(seed)
    if mode == "multiclass":
        y_true = rng.integers(0, classes, shape).astype(dtype)
        return y_true, rng.normal(0, 2, (*shape, classes)).astype(dtype)
    channels = 1 if mode == "binary" else classes
    y_true = (rng.random((*shape, channels)) < 0.35).astype(dtype)
    return y_true, rng.normal(0, 2, (*shape, channels)).astype(dtype)


def monai_dice(mode, y_true, logits, generalized, per_image, smooth, weight=None):
    """MONAI's DiceLoss / GeneralizedDiceLoss on lossbook's inputs, as NumPy."""
    losses = monai_losses()
    options = {
        "include_background": True,
        "smooth_nr": smooth,
        "smooth_dr": smooth,
        "batch": not per_image,
        "reduction": "mean",
    }
    if mode == "multiclass":
        options.update(to_onehot_y=True, softmax=True)
        target = channels_first(y_true[..., None])
    else:
        options.update(sigmoid=True)
        target = channels_first(y_true)
    if generalized:
        loss = losses.GeneralizedDiceLoss(**options)
    else:
        loss = losses.DiceLoss(**options, weight=weight)
    return loss(channels_first(logits), target).detach().numpy()


DICE_CONFIGURATIONS = [
    (mode, generalized, per_image)
    for mode in ("binary", "multiclass", "multilabel")
    for generalized in (False, True)
    for per_image in (False, True)
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("smooth", [0.0, 1.0])
@pytest.mark.parametrize(("mode", "generalized", "per_image"), DICE_CONFIGURATIONS)
def test_dice_default_reduction_matches_monai(
    mode, generalized, per_image, smooth, dtype
):
    # MONAI is channels-first: its inputs are ours with the last axis moved to 1.
    # MONAI's batch=True is per_image=False; its reduction="mean" averages images
    # and classes, which is our default reduction of per-image class means.
    for seed in range(3):
        y_true, logits = segmentation_batch(mode, seed=seed, dtype=dtype)
        expected = monai_dice(mode, y_true, logits, generalized, per_image, smooth)
        loss = DiceLoss(
            mode=mode,
            from_logits=True,
            generalized=generalized,
            per_image=per_image,
            smooth=smooth,
            dtype=dtype,
            reduction=None,
        )
        with float64():
            values = numpy(loss(y_true, logits))
        assert values.dtype == dtype
        # The mean of the per-sample values, as the default reduction takes it
        # (which on the torch backend of Keras 3.15 divides float64 in float32).
        got = values.mean()
        # MONAI computes the Sudre weights in float32 (`ground_o.float()`), in
        # float64 too: its generalized loss has float32 weights.
        rtol = 1e-12 if dtype == "float64" else 2e-6
        rtol = 1e-6 if generalized and dtype == "float64" else rtol
        np.testing.assert_allclose(got, expected, rtol=rtol)


@pytest.mark.parametrize("per_image", [False, True])
def test_dice_class_weights_are_a_weighted_mean_where_monai_takes_a_plain_mean(
    per_image,
):
    # MONAI multiplies each class's loss by its weight and averages over all C
    # classes; lossbook divides by the sum of the weights instead.
    y_true, logits = segmentation_batch("multiclass", seed=4)
    weights = [0.5, 2.0, 0.0, 1.5]
    expected = monai_dice(
        "multiclass", y_true, logits, False, per_image, 0.0, weight=weights
    ) * (len(weights) / sum(weights))
    loss = DiceLoss(
        mode="multiclass", from_logits=True, class_weights=weights, per_image=per_image
    )
    np.testing.assert_allclose(numpy(loss(y_true, logits)), expected, rtol=2e-6)


def test_dice_background_weight_zero_is_monai_without_background():
    losses = monai_losses()
    y_true, logits = segmentation_batch("multiclass", seed=5)
    monai = losses.DiceLoss(
        include_background=False,
        to_onehot_y=True,
        softmax=True,
        smooth_nr=0.0,
        smooth_dr=0.0,
        batch=True,
    )
    expected = monai(channels_first(logits), channels_first(y_true[..., None]))
    loss = DiceLoss(mode="multiclass", from_logits=True, class_weights=[0, 1, 1, 1])
    np.testing.assert_allclose(numpy(loss(y_true, logits)), expected.numpy(), rtol=2e-6)


def test_dice_generalized_empty_class_gets_the_largest_weight_as_in_monai():
    y_true, logits = segmentation_batch("multiclass", seed=6)
    y_true[y_true == 2] = 0  # class 2 absent from the whole batch
    for per_image in (False, True):
        expected = monai_dice("multiclass", y_true, logits, True, per_image, 1e-5)
        loss = DiceLoss(
            mode="multiclass",
            from_logits=True,
            generalized=True,
            per_image=per_image,
            smooth=1e-5,
        )
        np.testing.assert_allclose(numpy(loss(y_true, logits)), expected, rtol=2e-6)


def test_dice_defaults_are_keras_dice_and_per_image_is_dice_over_image_axes():
    y_true, logits = segmentation_batch("binary", seed=7)
    y_pred = (1 / (1 + np.exp(-logits))).astype("float32")
    keras_pooled = keras.losses.Dice()(y_true, y_pred)
    np.testing.assert_allclose(
        numpy(DiceLoss()(y_true, y_pred)), numpy(keras_pooled), rtol=1e-6
    )
    keras_per_image = keras.losses.Dice(axis=(1, 2, 3), reduction=None)
    np.testing.assert_allclose(
        numpy(dice_loss(y_true, y_pred, per_image=True)),
        numpy(keras_per_image(y_true, y_pred)),
        rtol=1e-6,
    )
    # (B, H, W) masks against (B, H, W, 1) predictions: aligned as Keras does.
    np.testing.assert_allclose(
        numpy(dice_loss(y_true[..., 0], y_pred, per_image=True)),
        numpy(keras_per_image(y_true, y_pred)),
        rtol=1e-6,
    )


def test_dice_whole_batch_values_are_batch_size_times_each_images_share():
    y_true, logits = segmentation_batch("multilabel", seed=8)
    values = numpy(dice_loss(y_true, logits, mode="multilabel", from_logits=True))
    p = 1 / (1 + np.exp(-np.float64(logits)))
    intersection = (y_true * p).sum(axis=(0, 1, 2))
    cardinality = y_true.sum(axis=(0, 1, 2)) + p.sum(axis=(0, 1, 2))
    batch_dice = np.mean(1 - 2 * intersection / cardinality)
    assert values.mean() == pytest.approx(batch_dice, rel=1e-6)
    errors = (y_true + p - 2 * y_true * p).sum(axis=(1, 2))  # (B, C)
    shares = len(values) * (errors / cardinality).mean(axis=-1)
    np.testing.assert_allclose(values, shares, rtol=1e-5)


@pytest.mark.parametrize("per_image", [False, True])
def test_dice_log_loss_is_minus_log_of_the_dice(per_image):
    y_true, logits = segmentation_batch("binary", seed=9)
    plain = numpy(dice_loss(y_true, logits, from_logits=True, per_image=per_image))
    log = numpy(
        dice_loss(y_true, logits, from_logits=True, per_image=per_image, log_loss=True)
    )
    if per_image:
        np.testing.assert_allclose(log, -np.log1p(-plain), rtol=1e-5)
    else:
        # The batch's -log(dice), shared as 1 - dice is shared.
        batch = plain.mean()
        np.testing.assert_allclose(log, plain * -np.log1p(-batch) / batch, rtol=1e-5)


def test_dice_log_loss_of_a_dice_of_zero_is_minus_log_epsilon_with_zero_gradient():
    y_true = np.array([[1.0, 1.0, 0.0, 0.0]])
    y_pred = np.array([[0.0, 0.0, 1.0, 1.0]])
    values = numpy(dice_loss(y_true, y_pred, log_loss=True, per_image=True))
    np.testing.assert_allclose(values, [-np.log(EPSILON)], rtol=1e-5)
    grad = gradient(
        lambda p: dice_loss(y_true, p, log_loss=True, per_image=True), y_pred
    )
    assert all_finite(grad) and np.all(grad == 0)


@pytest.mark.parametrize("mode", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("log_loss", [False, True])
@pytest.mark.parametrize("per_image", [False, True])
def test_dice_values_and_gradients_are_finite_for_logits_of_100(
    mode, log_loss, per_image
):
    y_true, logits = segmentation_batch(mode, seed=10)
    logits = np.float32(100) * np.sign(logits)

    def loss(x):
        return dice_loss(
            y_true,
            x,
            mode=mode,
            from_logits=True,
            log_loss=log_loss,
            per_image=per_image,
            generalized=mode == "multiclass",
        )

    assert all_finite(loss(logits), gradient(loss, logits))


@pytest.mark.parametrize("smooth", [0.0, 1.0])
@pytest.mark.parametrize("mode", ["binary", "multiclass", "multilabel"])
def test_dice_is_exactly_zero_at_a_perfect_prediction(mode, smooth):
    y_true, _ = segmentation_batch(mode, seed=11)
    if mode == "multiclass":
        y_pred = np.eye(4, dtype="float32")[y_true.astype(int)]
    else:
        y_pred = y_true.copy()
    for per_image in (False, True):
        values = dice_loss(
            y_true, y_pred, mode=mode, smooth=smooth, per_image=per_image
        )
        assert np.all(numpy(values) == 0)


def test_dice_empty_mask_predicted_empty_is_zero_and_a_false_alarm_costs_one():
    y_true = np.zeros((2, 4), "float32")
    y_pred = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 0.3, 0.0, 0.0]], "float32")
    values = numpy(dice_loss(y_true, y_pred, per_image=True))
    np.testing.assert_array_equal(values, [0.0, 1.0])
    assert all_finite(gradient(lambda p: dice_loss(y_true, p, per_image=True), y_pred))


@pytest.mark.parametrize("mode", ["binary", "multiclass"])
@pytest.mark.parametrize("per_image", [False, True])
def test_dice_ignore_index_equals_dropping_those_pixels(mode, per_image):
    y_true, logits = segmentation_batch(mode, seed=12, shape=(3, 8))
    ignored = np.zeros(8, bool)
    ignored[[1, 4, 5]] = True
    marked = y_true.copy()
    marked[:, ignored] = 255
    kwargs = {"mode": mode, "from_logits": True, "per_image": per_image}
    got = dice_loss(marked, logits, ignore_index=255, **kwargs)
    expected = dice_loss(y_true[:, ~ignored], logits[:, ~ignored], **kwargs)
    np.testing.assert_allclose(numpy(got), numpy(expected), rtol=1e-6)


def test_dice_multiclass_labels_with_a_trailing_axis_of_one_are_the_same():
    y_true, logits = segmentation_batch("multiclass", seed=13)
    kwargs = {"mode": "multiclass", "from_logits": True}
    np.testing.assert_allclose(
        numpy(dice_loss(y_true[..., None], logits, **kwargs)),
        numpy(dice_loss(y_true.astype("int32"), logits, **kwargs)),
    )


@pytest.mark.parametrize(
    ("true_shape", "pred_shape"),
    [
        ((3, 6, 5, 4), (3, 6, 5, 4)),
        ((3, 6), (3, 6, 5, 4)),
        ((3, 6, 5, 2), (3, 6, 5, 4)),
    ],
)
def test_dice_multiclass_targets_that_are_not_class_ids_raise_naming_both(
    true_shape, pred_shape
):
    with pytest.raises(ValueError, match=shapes_pattern(true_shape, pred_shape)):
        dice_loss(np.zeros(true_shape), np.zeros(pred_shape), mode="multiclass")


def test_dice_multiclass_needs_two_classes():
    with pytest.raises(ValueError, match="size >= 2"):
        dice_loss(np.zeros((2, 3)), np.zeros((2, 3, 1)), mode="multiclass")


@pytest.mark.parametrize("mode", ["binary", "multiclass", "multilabel"])
def test_dice_class_weights_of_the_wrong_length_raise_naming_both(mode):
    y_true, logits = segmentation_batch(mode, seed=14)
    classes = 1 if mode == "binary" else 4
    message = (
        rf"`class_weights` must hold one weight per class, {classes} in "
        rf"mode='{mode}' for y_pred.shape=\(3, 6, 5, {logits.shape[-1]}\), got "
        r"class_weights=\[1.0, 2.0\]"
    )
    with pytest.raises(ValueError, match=message):
        dice_loss(y_true, logits, mode=mode, class_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match=message):
        DiceLoss(mode=mode, class_weights=[1.0, 2.0])(y_true, logits)


def test_dice_whole_batch_sample_weight_scales_each_images_share_only():
    y_true, logits = segmentation_batch("binary", seed=15)
    values = numpy(dice_loss(y_true, logits, from_logits=True))
    weights = np.array([0.0, 1.0, 2.0], "float32")
    loss = DiceLoss(from_logits=True, reduction="sum")
    got = float(loss(y_true, logits, sample_weight=weights))
    # The image of weight 0 still counts in the shared denominator.
    assert got == pytest.approx(float((values * weights).sum()), rel=1e-6)
    alone = numpy(dice_loss(y_true[1:], logits[1:], from_logits=True))
    assert not np.allclose(values[1:], alone)


# ---------------------------------------------------------- Dice + focal loss


def flat_masks_and_probabilities(seed=16, shape=(4, 6 * 5)):
    rng = np.random.default_rng(seed)
    y_true = (rng.random(shape) < 0.35).astype("float32")
    return y_true, rng.uniform(0.02, 0.98, shape).astype("float32")


def test_dice_plus_binary_focal_equals_the_sum_of_its_parts_and_saves(tmp_path):
    # Per-image masks flattened to (batch, H * W): the focal cross-entropy then
    # gives one value per image, as the Dice loss does.
    dice, focal = DiceLoss(), keras.losses.BinaryFocalCrossentropy(gamma=2.0)
    loss = CombinedLoss([dice, focal], weights=[1.0, 0.5])
    y_true, y_pred = flat_masks_and_probabilities()
    expected = float(dice(y_true, y_pred)) + 0.5 * float(focal(y_true, y_pred))
    assert float(loss(y_true, y_pred)) == pytest.approx(expected, rel=1e-6)
    clone = keras.saving.deserialize_keras_object(
        json.loads(json.dumps(keras.saving.serialize_keras_object(loss)))
    )
    assert [type(part) for part in clone.losses] == [
        DiceLoss,
        keras.losses.BinaryFocalCrossentropy,
    ]
    assert clone.get_config() == loss.get_config()
    assert float(clone(y_true, y_pred)) == pytest.approx(expected, rel=1e-6)

    x = np.random.default_rng(17).normal(size=(4, 3)).astype("float32")
    model = keras.Sequential(
        [keras.Input(shape=(3,)), keras.layers.Dense(30, activation="sigmoid")]
    )
    model.compile(loss=loss)
    before = model.evaluate(x, y_true, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert loaded.evaluate(x, y_true, verbose=0) == pytest.approx(before, rel=1e-6)


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


# -------------------------------------------------------------- Lovász-Softmax


def class_ids_and_probabilities(seed=0, shape=(3, 6, 5, 4), ignored=0.0):
    """(B, H, W) class ids (a share `ignored` of them 255) and softmax outputs."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, shape[-1], shape[:-1])
    labels[rng.random(labels.shape) < ignored] = 255
    logits = rng.normal(0, 2, shape)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return labels.astype("int32"), (e / e.sum(axis=-1, keepdims=True)).astype("float32")


def authors_lovasz_grad(gt_sorted):
    """The authors' PyTorch `lovasz_grad` (bermanmaxim/LovaszSoftmax, MIT)."""
    gts = gt_sorted.sum()
    intersection = gts - gt_sorted.cumsum(0)
    union = gts + (1 - gt_sorted).cumsum(0)
    jaccard = 1.0 - intersection / union
    return torch.cat([jaccard[:1], jaccard[1:] - jaccard[:-1]])


def authors_mean(values):
    """Their `mean`: 0 for nothing, else the running sum over the count."""
    values = list(values)
    return sum(values[1:], values[0]) / len(values) if values else 0.0


def authors_lovasz_softmax_flat(probas, labels, classes):
    """The authors' `lovasz_softmax_flat`, restated with current torch."""
    if probas.numel() == 0:
        return probas.sum() * 0.0  # only void pixels: zero loss and gradient
    losses = []
    class_to_sum = range(probas.size(1)) if classes in ("all", "present") else classes
    for c in class_to_sum:
        fg = (labels == c).to(probas.dtype)
        if classes == "present" and fg.sum() == 0:
            continue
        errors = (fg - probas[:, c]).abs()
        errors_sorted, perm = torch.sort(errors, 0, descending=True)
        losses.append(torch.dot(errors_sorted, authors_lovasz_grad(fg[perm])))
    return authors_mean(losses)


def authors_flatten_probas(probas, labels, ignore):
    """Their `flatten_probas`: (B, C, H, W) -> (B H W, C), void pixels removed.

    (Their `probas[valid.nonzero().squeeze()]` drops the class axis when one
    pixel is left; a boolean index keeps it.)
    """
    num_classes = probas.size(1)
    probas = probas.permute(0, 2, 3, 1).reshape(-1, num_classes)
    labels = labels.reshape(-1)
    if ignore is None:
        return probas, labels
    valid = labels != ignore
    return probas[valid], labels[valid]


def authors_lovasz_softmax(probas, labels, classes, per_image, ignore):
    """Their `lovasz_softmax(probas [B, C, H, W], labels [B, H, W], ...)`."""
    if per_image:
        return authors_mean(
            authors_lovasz_softmax_flat(
                *authors_flatten_probas(p[None], y[None], ignore), classes
            )
            for p, y in zip(probas, labels, strict=True)
        )
    return authors_lovasz_softmax_flat(
        *authors_flatten_probas(probas, labels, ignore), classes
    )


SOFTMAX_SETTINGS = [
    ("present", False, None),
    ("present", True, None),
    ("all", False, None),
    ("all", True, 255),
    ([0, 2], False, 255),
    ([3], True, None),
]


@pytest.mark.parametrize(("classes", "per_image", "ignore"), SOFTMAX_SETTINGS)
def test_lovasz_softmax_matches_numpy_reference_per_sample_on_images(
    classes, per_image, ignore
):
    y, p = class_ids_and_probabilities(ignored=0.2 if ignore else 0.0)
    kwargs = {"classes": classes, "per_image": per_image, "ignore_index": ignore}
    got = numpy(lovasz_softmax_loss(y, p, **kwargs))
    assert got.shape == (3,)
    expected = ref.lovasz_softmax(y, p, classes, per_image, ignore)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("classes", "per_image", "ignore"), SOFTMAX_SETTINGS)
@pytest.mark.parametrize("seed", [0, 1])
def test_lovasz_softmax_default_reduction_and_gradient_match_the_authors_torch_code(
    classes, per_image, ignore, seed
):
    y, p = class_ids_and_probabilities(seed, (2, 7, 6, 5), 0.2 if ignore else 0.0)
    if seed == 1:
        y[0] = np.where(y[0] == 1, 0, y[0])  # image 0 without class 1
    probas = torch.tensor(np.float64(p).transpose(0, 3, 1, 2), requires_grad=True)
    theirs = authors_lovasz_softmax(
        probas, torch.tensor(y, dtype=torch.int64), classes, per_image, ignore
    )
    theirs.backward()
    kwargs = {"classes": classes, "per_image": per_image, "ignore_index": ignore}
    ours = LovaszSoftmaxLoss(**kwargs)(y, p)
    assert float(ours) == pytest.approx(theirs.item(), rel=1e-6)
    # The default reduction is the mean over the batch.
    grad = gradient(lambda v: lovasz_softmax_loss(y, v, **kwargs) / len(p), p)
    their_grad = probas.grad.numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(grad, their_grad, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("per_image", [True, False])
def test_lovasz_softmax_on_logits_is_the_loss_of_their_softmax(per_image):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, (3, 5, 5))
    x = rng.normal(0, 3, (3, 5, 5, 4)).astype("float32")
    p = numpy(keras.ops.softmax(x, axis=-1))
    got = numpy(lovasz_softmax_loss(y, x, per_image=per_image, from_logits=True))
    np.testing.assert_allclose(
        got, numpy(lovasz_softmax_loss(y, p, per_image=per_image)), rtol=1e-6
    )
    expected = ref.lovasz_softmax(y, x, "present", per_image, from_logits=True)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_lovasz_softmax_of_one_hot_predictions_is_one_minus_keras_mean_iou():
    # The Lovász extension equals the Jaccard loss on hard (0/1) errors.
    rng = np.random.default_rng(4)
    y = rng.integers(0, 4, (3, 6, 6))
    y[0, 0, :4] = np.arange(4)  # every class occurs in the batch
    predicted = np.where(rng.random(y.shape) < 0.6, y, rng.integers(0, 4, y.shape))
    p = np.eye(4, dtype="float32")[predicted]
    mean_iou = keras.metrics.MeanIoU(num_classes=4)
    mean_iou.update_state(np.int32(y), np.int32(predicted))
    loss = LovaszSoftmaxLoss(classes="all")(y, p)
    assert float(loss) == pytest.approx(1.0 - float(mean_iou.result()), rel=1e-6)


@pytest.mark.parametrize("classes", ["present", "all", [1, 2]])
@pytest.mark.parametrize("per_image", [True, False])
def test_lovasz_softmax_of_a_perfect_prediction_is_zero(classes, per_image):
    y, _ = class_ids_and_probabilities()
    p = np.eye(4, dtype="float32")[y]
    kwargs = {"classes": classes, "per_image": per_image}
    assert np.all(numpy(lovasz_softmax_loss(y, p, **kwargs)) == 0.0)
    assert all_finite(gradient(lambda v: lovasz_softmax_loss(y, v, **kwargs), p))


def test_lovasz_softmax_present_skips_classes_absent_from_each_image():
    y, p = class_ids_and_probabilities()
    y[0] = np.where(y[0] == 3, 0, y[0])  # image 0 has no class 3
    present = numpy(lovasz_softmax_loss(y, p, per_image=True))
    first = numpy(lovasz_softmax_loss(y[:1], p[:1], classes=[0, 1, 2], per_image=True))
    assert present[0] == pytest.approx(first[0], rel=1e-6)
    # "all" scores class 3 of image 0 by its largest probability alone.
    every = numpy(lovasz_softmax_loss(y[:1], p[:1], classes="all", per_image=True))
    expected = (3 * first[0] + p[0, ..., 3].max()) / 4
    assert every[0] == pytest.approx(expected, rel=1e-6)


def test_lovasz_softmax_ignored_pixels_have_no_effect_on_value_or_gradient():
    y, p = class_ids_and_probabilities(ignored=0.3)
    ignored = y == 255
    other = p.copy()
    other[ignored] = np.float32([0.97, 0.01, 0.01, 0.01])
    for per_image in (True, False):
        kwargs = {"per_image": per_image, "ignore_index": 255}
        values = numpy(lovasz_softmax_loss(y, p, **kwargs))
        np.testing.assert_allclose(
            numpy(lovasz_softmax_loss(y, other, **kwargs)), values, rtol=1e-6
        )
        grad = gradient(lambda v, kw=kwargs: lovasz_softmax_loss(y, v, **kw), p)
        assert np.all(grad[ignored] == 0.0)
        # The same as the images with the ignored pixels cut out.
        if per_image:
            kept = ~ignored[0]
            alone = lovasz_softmax_loss(y[0][kept][None], p[0][kept][None])
            assert values[0] == pytest.approx(float(alone[0]), rel=1e-6)


def test_lovasz_softmax_set_of_ignored_pixels_only_costs_zero():
    y, p = class_ids_and_probabilities()
    y[1] = 255
    values = numpy(lovasz_softmax_loss(y, p, per_image=True, ignore_index=255))
    assert values[1] == 0.0 and values[0] > 0.0
    y[:] = 255
    for per_image in (True, False):
        kwargs = {"per_image": per_image, "ignore_index": 255}
        np.testing.assert_array_equal(numpy(lovasz_softmax_loss(y, p, **kwargs)), 0.0)
        grad = gradient(lambda v, kw=kwargs: lovasz_softmax_loss(y, v, **kw), p)
        assert all_finite(grad)


@pytest.mark.parametrize("per_image", [True, False])
def test_lovasz_softmax_trailing_axis_of_size_one_in_y_true_is_squeezed(per_image):
    y, p = class_ids_and_probabilities()
    np.testing.assert_array_equal(
        numpy(lovasz_softmax_loss(y[..., None], p, per_image=per_image)),
        numpy(lovasz_softmax_loss(y, p, per_image=per_image)),
    )


@pytest.mark.parametrize(
    ("true_shape", "pred_shape", "message"),
    [
        ((3, 6, 5, 4), (3, 6, 5, 4), "one class id per pixel"),
        ((3, 6), (3, 6, 5, 4), "one class id per pixel"),
        ((3, 6, 5), (3, 5, 6, 4), "one class id per pixel"),
        ((3, 6, 5), (3, 6, 5, 1), "size >= 2"),
        ((3,), (3,), "a class axis"),
    ],
)
def test_lovasz_softmax_shapes_that_do_not_fit_raise_naming_both(
    true_shape, pred_shape, message
):
    y, p = np.zeros(true_shape, "float32"), np.full(pred_shape, 0.25, "float32")
    pattern = f"{message}.*{shapes_pattern(true_shape, pred_shape)}"
    with pytest.raises(ValueError, match=pattern):
        lovasz_softmax_loss(y, p)
    with pytest.raises(ValueError, match=pattern):
        LovaszSoftmaxLoss()(y, p)


def test_lovasz_softmax_class_id_beyond_the_class_axis_raises():
    y, p = class_ids_and_probabilities()
    message = r"below the number of classes, 4 .*got classes=\(1, 4\)"
    with pytest.raises(ValueError, match=message):
        lovasz_softmax_loss(y, p, classes=[1, 4])


def test_lovasz_softmax_a_label_that_is_no_class_gives_nan_for_its_set():
    y, p = class_ids_and_probabilities()
    y[1, 0, 0] = 4
    values = numpy(lovasz_softmax_loss(y, p, per_image=True))
    assert np.isnan(values[1]) and np.all(np.isfinite(values[[0, 2]]))
    assert np.all(np.isnan(numpy(lovasz_softmax_loss(y, p))))
    y[1, 0, 0] = 255  # the same label, ignored, counts for nothing
    assert all_finite(lovasz_softmax_loss(y, p, ignore_index=255))


@pytest.mark.parametrize("per_image", [True, False])
def test_lovasz_softmax_images_without_pixels_cost_zero(per_image):
    values = lovasz_softmax_loss(
        np.zeros((2, 0, 3)), np.zeros((2, 0, 3, 4), "float32"), per_image=per_image
    )
    np.testing.assert_array_equal(numpy(values), np.zeros(2))


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    per_image=st.booleans(),
    classes=st.sampled_from(["present", "all", [0, 1]]),
)
def test_lovasz_softmax_values_and_gradients_are_finite_at_ties_and_extremes(
    seed, per_image, classes
):
    # Probabilities of 0, 1 and 1/2 make ties everywhere; logits of +-100 saturate
    # the softmax.
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, (3, 4, 2))
    p = rng.choice([0.0, 0.5, 1.0], size=(3, 4, 2, 3)).astype("float32")
    x = rng.choice([-100.0, 0.0, 100.0], size=(3, 4, 2, 3)).astype("float32")
    kwargs = {"classes": classes, "per_image": per_image}
    for scores, from_logits in ((p, False), (x, True)):
        kwargs["from_logits"] = from_logits
        values = numpy(lovasz_softmax_loss(y, scores, **kwargs))
        grad = gradient(lambda v: lovasz_softmax_loss(y, v, **kwargs), scores)
        assert all_finite(values, grad)
        expected = ref.lovasz_softmax(y, scores, classes, per_image, None, from_logits)
        np.testing.assert_allclose(values.mean(), expected.mean(), rtol=1e-5)


def test_lovasz_softmax_traces_with_unknown_shapes_in_a_tensorflow_graph():
    if BACKEND != "tensorflow":
        pytest.skip("TensorFlow graphs with unknown dimensions")
    import tensorflow as tf

    y, p = class_ids_and_probabilities(ignored=0.2)
    for per_image in (True, False):
        loss = LovaszSoftmaxLoss(per_image=per_image, ignore_index=255)
        traced = tf.function(
            loss,
            input_signature=[
                tf.TensorSpec([None, None, None], tf.float32),
                tf.TensorSpec([None, None, None, 4], tf.float32),
            ],
        )
        got = traced(tf.constant(y, tf.float32), tf.constant(p))
        expected = ref.lovasz_softmax(y, p, "present", per_image, 255).mean()
        assert float(got) == pytest.approx(expected, rel=1e-5)

"""Classification losses against Keras, TensorFlow and PyTorch, and at edges.

WeightedBinaryCrossentropy: Keras's BCE, tf.nn and PyTorch's pos_weight.
PolyLoss: Keras's categorical cross-entropy at epsilon=0, the paper's code.
SparseCategoricalFocalLoss: Keras's CategoricalFocalCrossentropy on one-hot labels,
SparseCategoricalCrossentropy (ignore_class included) at gamma=0, its own shapes.
Arguments, Keras twins at the defaults, rank alignment and compilation are
checked for every loss by test_contract.py.
"""

import keras
import numpy as np
import pytest
from cases import CASES
from helpers import BACKEND, float64, gradient, numpy, shapes_pattern
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from references import classification as ref
from references import log_softmax

from lossbook import (
    PolyLoss,
    SparseCategoricalFocalLoss,
    WeightedBinaryCrossentropy,
    poly_loss,
    sparse_categorical_focal_loss,
    weighted_binary_crossentropy,
)

torch = pytest.importorskip(
    "torch", reason="PyTorch is a test dependency (torch==2.13.0)"
)


def random_batch(seed=0, shape=(32, 4)):
    rng = np.random.default_rng(seed)
    y = (rng.random(shape) < 0.3).astype("float32")
    return y, rng.normal(0, 3, shape).astype("float32")


@pytest.mark.parametrize("from_logits", [True, False])
def test_pos_weight_one_with_label_smoothing_equals_keras_binary_crossentropy(
    from_logits,
):
    y, logits = random_batch()
    y_pred = logits if from_logits else 1 / (1 + np.exp(-logits))
    options = {"from_logits": from_logits, "label_smoothing": 0.1}
    ours = WeightedBinaryCrossentropy(pos_weight=1.0, **options)(y, y_pred)
    keras_loss = keras.losses.BinaryCrossentropy(**options)(y, y_pred)
    assert float(ours) == pytest.approx(float(keras_loss), rel=1e-5)


@pytest.mark.parametrize("pos_weight", [0.25, 1.0, 3.0, 20.0])
def test_logits_match_torch_bce_with_logits_pos_weight(pos_weight):
    y, logits = random_batch()
    torch_loss = torch.nn.BCEWithLogitsLoss(
        pos_weight=torch.tensor(pos_weight), reduction="none"
    )(torch.from_numpy(logits), torch.from_numpy(y))
    ours = weighted_binary_crossentropy(
        y, logits, pos_weight=pos_weight, from_logits=True
    )
    np.testing.assert_allclose(numpy(ours), torch_loss.mean(dim=-1).numpy(), rtol=1e-5)


def test_logits_match_tf_weighted_cross_entropy_with_logits():
    tf = pytest.importorskip("tensorflow")
    y, logits = random_batch()
    tf_loss = tf.nn.weighted_cross_entropy_with_logits(y, logits, pos_weight=4.0)
    ours = weighted_binary_crossentropy(y, logits, pos_weight=4.0, from_logits=True)
    np.testing.assert_allclose(
        numpy(ours), tf.reduce_mean(tf_loss, axis=-1).numpy(), rtol=1e-5
    )


def test_label_smoothing_moves_targets_towards_one_half():
    y, logits = random_batch()
    ours = weighted_binary_crossentropy(
        y, logits, pos_weight=2.0, from_logits=True, label_smoothing=0.2
    )
    expected = ref.weighted_bce_from_logits(y * 0.8 + 0.1, logits, 2.0)
    np.testing.assert_allclose(numpy(ours), expected, rtol=1e-5)


def test_axis_chooses_the_averaged_axis():
    y, logits = random_batch(shape=(4, 3, 5))
    ours = weighted_binary_crossentropy(
        y, logits, pos_weight=2.0, from_logits=True, axis=1
    )
    expected = ref.weighted_bce_from_logits(
        np.moveaxis(y, 1, -1), np.moveaxis(logits, 1, -1), 2.0
    )
    assert ours.shape == (4, 5)
    np.testing.assert_allclose(numpy(ours), expected, rtol=1e-5)


def test_extreme_logits_give_exact_finite_values_and_gradients():
    y = np.array([[1.0], [1.0], [0.0], [0.0]], dtype="float32")
    logits = np.array([[-100.0], [100.0], [-100.0], [100.0]], dtype="float32")
    function = lambda x: weighted_binary_crossentropy(  # noqa: E731
        y, x, pos_weight=3.0, from_logits=True
    )
    # A confident miss costs pos_weight * 100 for a positive, 100 for a negative.
    # The exact "zeros" are 3 * softplus(-100) = 1.1e-43: torch keeps the subnormal.
    np.testing.assert_allclose(
        numpy(function(logits)), [300.0, 0.0, 0.0, 100.0], atol=1e-40
    )
    np.testing.assert_allclose(
        gradient(function, logits)[:, 0], [-3.0, 0.0, 0.0, 1.0], atol=1e-6
    )


def test_probabilities_of_exactly_zero_and_one_give_finite_values_and_gradients():
    y = np.array([[1.0], [1.0], [0.0], [0.0]], dtype="float32")
    p = np.array([[0.0], [1.0], [0.0], [1.0]], dtype="float32")
    function = lambda x: weighted_binary_crossentropy(y, x, pos_weight=2.0)  # noqa: E731
    values = numpy(function(p))
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(gradient(function, p)))
    # Clipped to [eps, 1 - eps] in float32, where 1 - eps rounds to 1 - 1.19e-7.
    eps = np.float32(keras.backend.epsilon())
    at_zero, at_one = -np.log(eps), -np.log(np.float32(1) - (np.float32(1) - eps))
    np.testing.assert_allclose(
        values, [2 * at_zero, 0, 0, at_one], rtol=1e-5, atol=1e-6
    )


def test_from_logits_yes_raises_instead_of_counting_as_true():
    # The example: a truthy string used to switch logits on silently.
    y, logits = random_batch()
    with pytest.raises(ValueError, match="`from_logits` must be True or False"):
        weighted_binary_crossentropy(y, logits, pos_weight=3.0, from_logits="yes")


# PolyLoss ---------------------------------------------------------------------


def one_hot_batch(seed=0, shape=(32, 5), scale=3.0):
    rng = np.random.default_rng(seed)
    y = np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])]
    return y, rng.normal(0, scale, shape).astype("float32")


def softmax(x):
    return np.exp(log_softmax(x)).astype("float32")


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_poly_epsilon_zero_equals_keras_categorical_crossentropy(
    from_logits, label_smoothing
):
    y, logits = one_hot_batch(seed=20)
    y_pred = logits if from_logits else softmax(logits)
    options = {"from_logits": from_logits, "label_smoothing": label_smoothing}
    ours = PolyLoss(epsilon=0.0, **options, reduction=None)(y, y_pred)
    keras_loss = keras.losses.CategoricalCrossentropy(**options, reduction=None)
    np.testing.assert_allclose(
        numpy(ours), numpy(keras_loss(y, y_pred)), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("epsilon", [-1.0, 0.5, 1.0, 4.0])
@pytest.mark.parametrize("from_logits", [True, False])
def test_poly_matches_numpy_formula_with_label_smoothing(epsilon, from_logits):
    y, logits = one_hot_batch(seed=21)
    y_pred = logits if from_logits else softmax(logits)
    got = poly_loss(
        y, y_pred, epsilon=epsilon, from_logits=from_logits, label_smoothing=0.2
    )
    expected = ref.poly1(y, y_pred, epsilon, from_logits, 0.2)
    np.testing.assert_allclose(numpy(got), expected, rtol=1e-5, atol=1e-6)


def paper_poly1_cross_entropy(logits, labels, epsilon, alpha):
    """The paper's label-smoothing code (Leng et al. 2022, appendix), as printed."""
    import tensorflow as tf

    num_classes = labels.get_shape().as_list()[-1]
    smooth_labels = labels * (1 - alpha) + alpha / num_classes
    one_minus_pt = tf.reduce_sum(smooth_labels * (1 - tf.nn.softmax(logits)), axis=-1)
    CE_loss = tf.keras.losses.CategoricalCrossentropy(  # noqa: N806
        from_logits=True, label_smoothing=alpha, reduction="none"
    )
    CE = CE_loss(labels, logits)  # noqa: N806
    Poly1 = CE + epsilon * one_minus_pt  # noqa: N806
    return Poly1


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="the paper's code calls tf.keras, which is Keras 3 on the active backend",
)
@pytest.mark.parametrize(("epsilon", "alpha"), [(1.0, 0.0), (2.0, 0.1), (-1.0, 0.3)])
def test_poly_matches_the_papers_tensorflow_code(epsilon, alpha):
    import tensorflow as tf

    y, logits = one_hot_batch(seed=22)
    expected = paper_poly1_cross_entropy(
        tf.constant(logits), tf.constant(y), epsilon, alpha
    )
    ours = poly_loss(
        y, logits, epsilon=epsilon, from_logits=True, label_smoothing=alpha
    )
    np.testing.assert_allclose(numpy(ours), expected.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_poly_matches_torch_cross_entropy_plus_epsilon_times_one_minus_pt(
    label_smoothing,
):
    y, logits = one_hot_batch(seed=23)
    x = torch.from_numpy(logits)
    cross_entropy = torch.nn.functional.cross_entropy(
        x,
        torch.from_numpy(y.argmax(-1)),
        label_smoothing=label_smoothing,
        reduction="none",
    )
    smoothed = torch.from_numpy(y) * (1 - label_smoothing) + label_smoothing / 5
    p_t = (smoothed * torch.softmax(x, dim=-1)).sum(dim=-1)
    expected = cross_entropy + 2.0 * (1 - p_t)
    ours = poly_loss(
        y, logits, epsilon=2.0, from_logits=True, label_smoothing=label_smoothing
    )
    np.testing.assert_allclose(numpy(ours), expected.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("scale", [3.0, 100.0])
@pytest.mark.parametrize("epsilon", [-1.0, 0.0, 2.0])
def test_poly_from_logits_equals_optax_poly_loss_cross_entropy(epsilon, scale):
    import jax.numpy as jnp
    import optax

    y, logits = one_hot_batch(seed=29, scale=scale)
    expected = optax.losses.poly_loss_cross_entropy(
        jnp.asarray(logits), jnp.asarray(y), epsilon=epsilon
    )
    ours = poly_loss(y, logits, epsilon=epsilon, from_logits=True)
    np.testing.assert_allclose(numpy(ours), np.asarray(expected), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("epsilon", [-1.0, 0.0, 1.0, 3.0])
def test_poly_logit_gradient_is_one_plus_epsilon_pt_times_p_minus_y(epsilon):
    y, logits = (np.float64(a) for a in one_hot_batch(seed=24, shape=(6, 4)))
    p = np.exp(log_softmax(logits))
    p_t = (y * p).sum(axis=-1, keepdims=True)
    with float64():
        grads = gradient(
            lambda x: poly_loss(y, x, epsilon=epsilon, from_logits=True), logits
        )
    assert grads.dtype == np.float64
    expected = (1 + epsilon * p_t) * (p - y)
    np.testing.assert_allclose(grads, expected, rtol=1e-10, atol=1e-11)


def test_poly_extreme_logits_give_exact_finite_values_and_gradients():
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], "float32")
    logits = np.array(
        [[100.0, -100.0, 0.0], [100.0, -100.0, 0.0], [1e4, -1e4, 1e4]], "float32"
    )
    function = lambda x: poly_loss(y, x, epsilon=1.0, from_logits=True)  # noqa: E731
    # Right and sure: 0. Wrong by 200: CE 200 plus epsilon * (1 - 0). A tie
    # between two classes at 1e4: CE log 2 plus epsilon * 1/2.
    np.testing.assert_allclose(
        numpy(function(logits)), [0.0, 201.0, np.log(2) + 0.5], atol=1e-5
    )
    assert np.all(np.isfinite(gradient(function, logits)))


def test_poly_probabilities_at_a_perfect_prediction_are_zero_and_finite():
    y, _ = one_hot_batch(seed=25, shape=(4, 3))
    function = lambda p: poly_loss(y, p, epsilon=1.0)  # noqa: E731
    np.testing.assert_allclose(numpy(function(y)), 0.0, atol=1e-6)
    assert np.all(np.isfinite(gradient(function, y)))


@settings(max_examples=25, deadline=None)
@given(
    logits=hnp.arrays(
        np.float32, (3, 4), elements=st.sampled_from([-1e4, -100.0, 0.0, 1.0, 100.0])
    ),
    epsilon=st.sampled_from([-1.0, 0.0, 1.0, 5.0]),
    label_smoothing=st.sampled_from([0.0, 0.1, 1.0]),
)
def test_poly_logits_give_finite_non_negative_values_and_finite_gradients(
    logits, epsilon, label_smoothing
):
    # -log(p) >= 1 - p, so even epsilon = -1 keeps every value >= 0.
    y = np.eye(4, dtype="float32")[[0, 2, 3]]
    function = lambda x: poly_loss(  # noqa: E731
        y, x, epsilon=epsilon, from_logits=True, label_smoothing=label_smoothing
    )
    values = numpy(function(logits))
    assert np.all(np.isfinite(values)) and np.all(values >= -1e-5)
    assert np.all(np.isfinite(gradient(function, logits)))
    np.testing.assert_allclose(
        values,
        ref.poly1(y, logits, epsilon, True, label_smoothing),
        rtol=1e-5,
        atol=1e-5,
    )


def test_poly_logits_with_a_trailing_unit_axis_equal_logits_without_it():
    y, logits = one_hot_batch(seed=26, shape=(8, 5))
    expected = numpy(poly_loss(y, logits, epsilon=2.0, from_logits=True))
    got = poly_loss(y, logits[..., None], epsilon=2.0, from_logits=True)
    np.testing.assert_array_equal(numpy(got), expected)
    loss = PolyLoss(epsilon=2.0, from_logits=True)
    assert float(loss(y, logits[..., None])) == float(loss(y, logits))


def test_poly_with_one_class_raises_naming_both_shapes():
    # A softmax over one class is 1 whatever the logit: nothing to learn.
    y, logits = one_hot_batch(seed=27, shape=(8, 1))
    message = "size >= 2.*" + shapes_pattern((8, 1), (8, 1))
    with pytest.raises(ValueError, match=message):
        poly_loss(y, logits, from_logits=True)
    with pytest.raises(ValueError, match=message):
        PolyLoss(from_logits=True)(y, logits)


@pytest.mark.parametrize("from_logits", [False, True])
def test_pos_and_neg_weight_equal_keras_bce_weighted_by_class(from_logits):
    # What class_weight={0: 0.5, 1: 5.0} does in fit: a sample weight per class.
    rng = np.random.default_rng(4)
    y = (rng.random((16, 1)) < 0.4).astype("float32")
    x = rng.normal(size=(16, 1)).astype("float32")
    y_pred = x if from_logits else 1.0 / (1.0 + np.exp(-x))
    by_class = np.where(y[:, 0] == 1.0, 5.0, 0.5)
    for reduction in ("sum", "sum_over_batch_size", None):
        ours = WeightedBinaryCrossentropy(
            pos_weight=5.0, neg_weight=0.5, from_logits=from_logits, reduction=reduction
        )(y, y_pred)
        theirs = keras.losses.BinaryCrossentropy(
            from_logits=from_logits, reduction=reduction
        )(y, y_pred, sample_weight=by_class)
        np.testing.assert_allclose(numpy(ours), numpy(theirs), rtol=1e-5)


# SparseCategoricalFocalLoss ----------------------------------------------------

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]
SPARSE_CASES = {c.name: c for c in CASES if c.loss_class is SparseCategoricalFocalLoss}


def labels_batch(seed=0, shape=(32, 5), scale=3.0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, shape[-1], shape[:-1])
    return labels, rng.normal(0, scale, shape).astype("float32")


# (y_true shape, y_pred shape): the forms Keras's sparse cross-entropy accepts.
SPARSE_SHAPES = [
    ((8,), (8, 5)),
    ((8, 1), (8, 5)),
    ((8, 3), (8, 3, 5)),
    ((8, 3, 1), (8, 3, 5)),
]


@pytest.mark.parametrize("case_name", sorted(SPARSE_CASES))
@pytest.mark.parametrize(("true_shape", "pred_shape"), SPARSE_SHAPES, ids=str)
def test_sparse_focal_at_gamma_zero_equals_keras_sparse_categorical_crossentropy(
    case_name, true_shape, pred_shape
):
    # The contract's Keras twin, for labels of every accepted shape, under every
    # reduction, with per-sample and per-position weights.
    case = SPARSE_CASES[case_name]
    twin = case.keras_twin
    rng = np.random.default_rng(30)
    labels, y_pred = case.make_inputs(rng, pred_shape)
    labels = labels.reshape(true_shape)
    # Per-sample weights of shape (B, 1) against (B, T) values (lossbook rejects
    # (B,), which Keras would broadcast over T), and per-position ones.
    per_sample = np.linspace(0.2, 1.7, 8, dtype="float32").reshape(
        (8,) + (1,) * (len(pred_shape) - 2)
    )
    weight_forms = [None, per_sample]
    if len(pred_shape) == 3:
        weight_forms.append(rng.random((8, 3)).astype("float32"))
    for reduction in REDUCTIONS:
        ours = case.loss_class(**twin.kwargs, reduction=reduction)
        theirs = twin.make(reduction=reduction)
        for weights in weight_forms:
            got = numpy(ours(labels, y_pred, weights))
            expected = twin.scale * numpy(theirs(labels, y_pred, weights))
            assert got.shape == expected.shape
            np.testing.assert_allclose(
                got, expected, rtol=1e-5, atol=1e-6, err_msg=f"{reduction}"
            )


@pytest.mark.parametrize("gamma", [0.5, 2.0, 4.0])
@pytest.mark.parametrize(
    "alpha", [None, 0.25, [0.5, 1.0, 2.0, 0.25, 3.0]], ids=["none", "one", "per_class"]
)
@pytest.mark.parametrize("from_logits", [True, False])
def test_sparse_focal_equals_keras_categorical_focal_crossentropy_on_one_hot_labels(
    gamma, alpha, from_logits
):
    # In float64, where Keras's 1 - p keeps its digits too (in float32 it loses
    # up to 5e-5 of them by cancellation). alpha=None is Keras's alpha=1.0.
    labels, logits = labels_batch(seed=31, shape=(64, 5), scale=2.0)
    logits = np.float64(logits)
    log_p = log_softmax(logits)
    y_pred = logits if from_logits else np.exp(log_p)
    # Keras clips p to [1e-7, 1 - 1e-7]: these inputs stay inside, where both
    # losses are exact (outside, see the test of extreme logits below).
    p_t = np.exp(np.take_along_axis(log_p, labels[:, None], axis=-1))
    assert np.all((p_t > 1e-7) & (p_t < 1 - 1e-7))
    with float64():
        ours = SparseCategoricalFocalLoss(
            gamma=gamma,
            alpha=alpha,
            from_logits=from_logits,
            reduction=None,
            dtype="float64",
        )(labels, y_pred)
        theirs = keras.losses.CategoricalFocalCrossentropy(
            gamma=gamma,
            alpha=1.0 if alpha is None else alpha,
            from_logits=from_logits,
            reduction=None,
            dtype="float64",
        )(np.eye(5)[labels], y_pred)
        ours, theirs = numpy(ours), numpy(theirs)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_sparse_focal_default_is_four_times_keras_categorical_focal_default():
    # Keras's alpha defaults to 0.25, which scales the categorical loss by 0.25;
    # lossbook's alpha=None applies no factor.
    labels, logits = labels_batch(seed=32)
    y_pred = np.exp(log_softmax(logits)).astype("float32")
    ours = SparseCategoricalFocalLoss()(labels, y_pred)
    theirs = keras.losses.CategoricalFocalCrossentropy()(np.eye(5)[labels], y_pred)
    assert float(ours) == pytest.approx(4 * float(theirs), rel=1e-4)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 2.0])
def test_sparse_focal_extreme_logits_give_exact_values_where_keras_clips(gamma):
    labels = np.array([0, 1, 2, 0])
    logits = np.array(
        [[100, -100, 0], [100, -100, 0], [1e4, -1e4, 1e4], [-100, 100, -100]],
        "float32",
    )
    function = lambda x: sparse_categorical_focal_loss(  # noqa: E731
        labels, x, gamma=gamma, from_logits=True
    )
    # Right and sure: 0. Wrong by 200: (1 - 0)**gamma * 200. A tie of two
    # classes at 1e4: 0.5**gamma * log 2.
    expected = [0.0, 200.0, 0.5**gamma * np.log(2), 200.0]
    np.testing.assert_allclose(numpy(function(logits)), expected, rtol=1e-6)
    assert np.all(np.isfinite(gradient(function, logits)))
    # Keras clips the softmax to [1e-7, 1 - 1e-7]: its miss by 200 costs 16.1.
    keras_values = keras.losses.CategoricalFocalCrossentropy(
        alpha=1.0, gamma=gamma, from_logits=True, reduction=None
    )(np.eye(3, dtype="float32")[labels], logits)
    assert numpy(keras_values)[1] == pytest.approx(-np.log(1e-7), rel=1e-4)


@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_sparse_focal_probabilities_of_zero_and_one_give_finite_values_and_gradients(
    gamma,
):
    labels = np.array([0, 1, 2])
    p = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0]], "float32")
    function = lambda x: sparse_categorical_focal_loss(  # noqa: E731
        labels, x, gamma=gamma
    )
    values = numpy(function(p))
    assert np.all(np.isfinite(gradient(function, p)))
    np.testing.assert_allclose(values, ref.sparse_focal(labels, p, gamma), atol=1e-6)
    assert values[1] == pytest.approx(-np.log(1e-7), rel=1e-4)


@settings(max_examples=25, deadline=None)
@given(
    logits=hnp.arrays(
        np.float32, (3, 4), elements=st.sampled_from([-1e4, -100.0, 0.0, 1.0, 100.0])
    ),
    gamma=st.sampled_from([0.0, 0.25, 1.0, 2.0, 5.0]),
)
def test_sparse_focal_logits_give_finite_non_negative_values_and_finite_gradients(
    logits, gamma
):
    labels = np.array([0, 2, 3])
    function = lambda x: sparse_categorical_focal_loss(  # noqa: E731
        labels, x, gamma=gamma, alpha=[1.0, 0.5, 2.0, 0.0], from_logits=True
    )
    values = numpy(function(logits))
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    assert np.all(np.isfinite(gradient(function, logits)))
    expected = ref.sparse_focal(labels, logits, gamma, [1.0, 0.5, 2.0, 0.0], True)
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("ignore_class", [-1, 255, 2])
@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize(
    ("true_shape", "pred_shape"), [((12,), (12, 4)), ((6, 5), (6, 5, 4))], ids=str
)
def test_sparse_focal_ignore_class_equals_keras_sparse_categorical_crossentropy(
    ignore_class, from_logits, true_shape, pred_shape
):
    # Keras zeroes ignored positions and masks them out of the mean: at gamma=0
    # the two agree under every reduction, with and without sample weights.
    rng = np.random.default_rng(33)
    labels, logits = labels_batch(seed=33, shape=pred_shape)
    labels[rng.random(true_shape) < 0.3] = ignore_class
    y_pred = logits if from_logits else np.exp(log_softmax(logits)).astype("float32")
    per_sample = np.linspace(0.2, 1.7, true_shape[0], dtype="float32")
    weight_forms = [None, per_sample.reshape((-1,) + (1,) * (len(true_shape) - 1))]
    if len(true_shape) == 2:
        weight_forms.append(rng.random(true_shape).astype("float32"))
    options = {"from_logits": from_logits, "ignore_class": ignore_class}
    for reduction in REDUCTIONS:
        ours = SparseCategoricalFocalLoss(gamma=0.0, **options, reduction=reduction)
        theirs = keras.losses.SparseCategoricalCrossentropy(
            **options, reduction=reduction
        )
        for weights in weight_forms:
            if BACKEND == "torch" and weights is not None and weights.shape[1:] == (1,):
                # Keras 3.15's Loss multiplies the weights by the mask in place
                # (`sample_weight *= float_mask`), which PyTorch cannot broadcast
                # from (B, 1) to (B, T): its own loss fails alike.
                for loss in (ours, theirs):
                    with pytest.raises(RuntimeError, match="broadcast shape"):
                        loss(labels, y_pred, weights)
                continue
            np.testing.assert_allclose(
                numpy(ours(labels, y_pred, weights)),
                numpy(theirs(labels, y_pred, weights)),
                rtol=1e-5,
                atol=1e-6,
                err_msg=f"{reduction}",
            )


def test_sparse_focal_ignored_positions_are_zero_left_out_of_the_mean_and_inert():
    labels, logits = labels_batch(seed=34, shape=(4, 6, 3))
    labels[0, :4] = labels[2, 1] = -1
    # Whatever an ignored position holds reaches neither value nor gradient.
    logits[0, 0] = np.nan
    function = lambda x: sparse_categorical_focal_loss(  # noqa: E731
        labels, x, gamma=2.0, from_logits=True, ignore_class=-1
    )
    values = numpy(function(logits))
    assert np.all(values[labels == -1] == 0.0)
    clean = np.where(np.isnan(logits), 0.0, logits)
    expected = ref.sparse_focal(labels, clean, 2.0, from_logits=True, ignore_class=-1)
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-7)
    grads = gradient(function, logits)
    assert np.all(np.isfinite(grads)) and np.all(grads[labels == -1] == 0.0)
    loss = SparseCategoricalFocalLoss(gamma=2.0, from_logits=True, ignore_class=-1)
    mean = expected.sum() / np.sum(labels != -1)
    assert float(loss(labels, logits)) == pytest.approx(mean, rel=1e-5)
    everything_ignored = np.full_like(labels, -1)
    assert float(loss(everything_ignored, logits)) == 0.0


@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_sparse_focal_ignore_class_in_evaluate_leaves_ignored_labels_out(gamma):
    # Through compile and evaluate (Keras's compiled step), the mask still counts.
    rng = np.random.default_rng(35)
    x = rng.normal(size=(32, 3)).astype("float32")
    labels = rng.integers(0, 4, 32)
    labels[::3] = -1
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4)])
    options = {"from_logits": True, "ignore_class": -1}
    model.compile(loss=SparseCategoricalFocalLoss(gamma=gamma, **options))
    got = model.evaluate(x, labels, batch_size=32, verbose=0)
    values = ref.sparse_focal(labels, numpy(model(x)), gamma, **options)
    assert got == pytest.approx(values.sum() / np.sum(labels != -1), rel=1e-5)
    if gamma == 0.0:
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(**options))
        keras_value = model.evaluate(x, labels, batch_size=32, verbose=0)
        assert got == pytest.approx(keras_value, rel=1e-5)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float16", "float32"])
def test_sparse_focal_labels_of_any_integer_or_float_dtype_give_the_same_values(dtype):
    labels, logits = labels_batch(seed=36)
    expected = ref.sparse_focal(labels, logits, 2.0, from_logits=True)
    got = sparse_categorical_focal_loss(
        labels.astype(dtype), logits, gamma=2.0, from_logits=True
    )
    np.testing.assert_allclose(numpy(got), expected, rtol=1e-5)


@pytest.mark.parametrize("from_logits", [True, False])
def test_sparse_focal_a_label_that_is_no_class_index_gives_nan_there_only(from_logits):
    labels = np.array([0.0, 3.0, -1.0, 1.5, 2.0, np.nan])
    _, logits = labels_batch(seed=37, shape=(6, 3))
    y_pred = logits if from_logits else np.exp(log_softmax(logits)).astype("float32")
    values = numpy(
        sparse_categorical_focal_loss(labels, y_pred, from_logits=from_logits)
    )
    np.testing.assert_array_equal(np.isnan(values), [0, 1, 1, 1, 0, 1])
    # What the catalog says of Keras: it raises on TensorFlow and PyTorch, and
    # gives 0 on JAX, for a label out of range.
    keras_loss = keras.losses.SparseCategoricalCrossentropy(
        from_logits=from_logits, reduction=None
    )
    if BACKEND == "jax":
        assert numpy(keras_loss(labels[:3], y_pred[:3]))[1:].tolist() == [0.0, 0.0]
    else:
        with pytest.raises(Exception, match="-1|3"):
            keras_loss(labels[:3].astype("int64"), y_pred[:3])


SPARSE_MISMATCHES = [
    ((8,), (8, 3, 5)),
    ((8, 2), (8, 5)),
    ((8, 5), (8, 5)),  # one-hot targets
    ((8, 3, 2), (8, 3, 5)),
    ((8, 3), (8, 5)),
    ((8,), (8,)),
]


@pytest.mark.parametrize(("true_shape", "pred_shape"), SPARSE_MISMATCHES, ids=str)
def test_sparse_focal_labels_that_do_not_fit_y_pred_raise_naming_both_shapes(
    true_shape, pred_shape
):
    labels = np.zeros(true_shape, "float32")
    y_pred = np.full(pred_shape, 0.2, "float32")
    message = shapes_pattern(true_shape, pred_shape)
    with pytest.raises(ValueError, match=message):
        sparse_categorical_focal_loss(labels, y_pred)
    with pytest.raises(ValueError, match=message):
        SparseCategoricalFocalLoss()(labels, y_pred)


def test_sparse_focal_without_a_batch_axis_or_with_one_class_raises():
    with pytest.raises(ValueError, match="must have a batch axis"):
        sparse_categorical_focal_loss(np.float32(1.0), np.float32(0.5))
    message = "size >= 2.*" + shapes_pattern((8, 1), (8, 1))
    with pytest.raises(ValueError, match=message):
        sparse_categorical_focal_loss(np.zeros((8, 1)), np.ones((8, 1)))


def test_sparse_focal_alpha_of_the_wrong_length_raises_naming_both_counts():
    labels, logits = labels_batch(seed=38, shape=(8, 5))
    message = r"`alpha` has 3 weights, .* y_pred has 5 classes: .*" + shapes_pattern(
        (8,), (8, 5)
    )
    with pytest.raises(ValueError, match=message):
        sparse_categorical_focal_loss(labels, logits, alpha=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=message):
        SparseCategoricalFocalLoss(alpha=[1.0, 2.0, 3.0])(labels, logits)


def test_sparse_focal_per_class_alpha_at_gamma_zero_is_keras_class_weighting():
    # alpha=[w_0, ..., w_k] weights each sample by its class, as class_weight
    # does in fit (by sample weights).
    labels, logits = labels_batch(seed=39, shape=(32, 4))
    alpha = [0.5, 2.0, 1.0, 4.0]
    for reduction in ("sum", "sum_over_batch_size", None):
        ours = SparseCategoricalFocalLoss(
            gamma=0.0, alpha=alpha, from_logits=True, reduction=reduction
        )(labels, logits)
        theirs = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction=reduction
        )(labels, logits, sample_weight=np.asarray(alpha, "float32")[labels])
        np.testing.assert_allclose(numpy(ours), numpy(theirs), rtol=1e-5)

"""Metric-learning losses against TensorFlow Addons' algorithms, PyTorch, and at edges.

TensorFlow Addons no longer installs with current TensorFlow, so its algorithms are
ported line by line to float64 NumPy in references/metric_learning.py. Arguments
and the values on random batches are checked for every loss by test_contract.py.
"""

import keras
import numpy as np
import pytest
from helpers import BACKEND, all_finite, gradient, numpy, shapes_pattern
from hypothesis import given, settings
from hypothesis import strategies as st
from references import metric_learning as ref

from lossbook import (
    ContrastiveLoss,
    NTXentLoss,
    TripletHardLoss,
    TripletSemiHardLoss,
    contrastive_loss,
    nt_xent_loss,
    triplet_hard_loss,
    triplet_semihard_loss,
)

torch = pytest.importorskip(
    "torch", reason="PyTorch is a test dependency (torch==2.13.0)"
)

TRIPLET_LOSSES = pytest.mark.parametrize(
    "function", [triplet_semihard_loss, triplet_hard_loss], ids=lambda f: f.__name__
)


def labelled_batch(seed=0, batch=12, dim=4, classes=3):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, batch)
    return labels, rng.normal(0, 1, (batch, dim)).astype("float32")


def paired_views(seed=0, pairs=6, dim=5, noise=0.5):
    rng = np.random.default_rng(seed)
    examples = rng.normal(0, 1, (pairs, dim))
    views = np.concatenate([examples, examples]) + rng.normal(
        0, noise, (2 * pairs, dim)
    )
    return views.astype("float32")


def addons_reference(function):
    """The per-anchor values of Addons' algorithm behind `function`."""
    if function is triplet_semihard_loss:
        return ref.triplet_semihard_per_anchor
    return ref.tfa_triplet_hard_per_anchor


# Contrastive -------------------------------------------------------------------


@pytest.mark.parametrize("margin", [0.0, 0.5, 3.0])
def test_contrastive_rank_one_inputs_give_addons_elementwise_values(margin):
    rng = np.random.default_rng(0)
    y = (rng.random(32) < 0.5).astype("float32")
    d = np.abs(rng.normal(1, 1, 32)).astype("float32")
    np.testing.assert_allclose(
        numpy(contrastive_loss(y, d, margin=margin)),
        ref.contrastive_elementwise(y, d, margin),
        rtol=1e-5,
        atol=1e-7,
    )


def test_contrastive_class_equals_addons_class_on_a_trailing_axis():
    # Addons' ContrastiveLoss averages its elementwise values over every element.
    rng = np.random.default_rng(1)
    y = (rng.random((8, 3)) < 0.5).astype("float32")
    d = np.abs(rng.normal(1, 1, (8, 3))).astype("float32")
    ours = float(ContrastiveLoss(margin=1.5)(y, d))
    assert ours == pytest.approx(
        ref.contrastive_elementwise(y, d, 1.5).mean(), rel=1e-6
    )


def test_contrastive_is_zero_for_close_similar_pairs_and_far_dissimilar_pairs():
    y = np.array([1.0, 1.0, 0.0, 0.0])
    d = np.array([0.0, 0.0, 1.0, 7.0])
    np.testing.assert_array_equal(numpy(contrastive_loss(y, d)), 0.0)


def test_contrastive_margin_zero_ignores_dissimilar_pairs():
    y = np.array([0.0, 0.0, 1.0])
    d = np.array([0.0, 0.3, 0.5])
    np.testing.assert_allclose(numpy(contrastive_loss(y, d, margin=0.0)), [0, 0, 0.25])


@settings(max_examples=20, deadline=None)
@given(
    distances=st.lists(
        st.sampled_from([0.0, 1e-30, 1e-3, 1.0, 1.0 + 1e-7, 1e3]),
        min_size=6,
        max_size=6,
    ),
    similar=st.booleans(),
)
def test_contrastive_values_and_gradients_are_finite_at_edges(distances, similar):
    d = np.array(distances, "float32")
    y = np.full_like(d, float(similar))
    values = numpy(contrastive_loss(y, d))
    assert all_finite(values, gradient(lambda p: contrastive_loss(y, p), d))
    # atol: (1e-30)**2 underflows to 0 in float32.
    np.testing.assert_allclose(
        values, ref.contrastive(y, d, 1.0), rtol=1e-5, atol=1e-30
    )


# Triplet losses ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_addons_ports_agree_with_addons_loop_references(seed):
    # The ports are checked against Addons' own (loop) test references first.
    labels, x = labelled_batch(seed)
    assert ref.tfa_triplet_semihard(labels, x, 1.0) == pytest.approx(
        ref.loop_triplet_semihard(labels, x, 1.0), rel=1e-12
    )
    for soft in (False, True):
        assert ref.tfa_triplet_hard_per_anchor(labels, x, 1.0, soft).mean() == (
            pytest.approx(ref.loop_triplet_hard(labels, x, 1.0, soft), rel=1e-12)
        )


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("margin", [0.0, 0.2, 1.0])
def test_semihard_default_reduction_equals_addons_scalar(seed, margin):
    labels, x = labelled_batch(seed, classes=3 + seed)
    ours = float(TripletSemiHardLoss(margin=margin)(labels, x))
    assert ours == pytest.approx(ref.tfa_triplet_semihard(labels, x, margin), rel=1e-5)


def test_semihard_mining_finds_the_next_negative_among_ties_in_a_large_batch():
    # 256 rows on an integer grid: many distances tie exactly (256 rows keep the
    # centred coordinates, and so the distances, exact in float32), and a binary
    # search over up to 256 sorted negatives runs 9 halvings deep.
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 7, 256)
    x = rng.integers(-2, 3, (256, 3)).astype("float32")
    pair_losses, num_positives = ref.tfa_semihard_pair_losses(labels, x, 0.5)
    np.testing.assert_allclose(
        numpy(triplet_semihard_loss(labels, x, margin=0.5)),
        pair_losses.sum(axis=1) * 256 / num_positives,
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="only TensorFlow traces the loss with an unknown batch size",
)
def test_semihard_traced_with_an_unknown_batch_size_equals_eager():
    # The batched binary search of TensorFlow then runs as many halvings as the
    # largest batch needs, not as many as the traced batch has rows.
    import tensorflow as tf

    labels, x = labelled_batch(7, batch=40, classes=5)
    traced = tf.function(
        lambda y, p: triplet_semihard_loss(y, p),
        input_signature=[
            tf.TensorSpec([None], tf.float32),
            tf.TensorSpec([None, 4], tf.float32),
        ],
    )
    np.testing.assert_allclose(
        numpy(traced(labels.astype("float32"), x)),
        numpy(triplet_semihard_loss(labels, x)),
        rtol=1e-6,
    )


def test_semihard_per_anchor_values_are_anchor_sums_times_batch_over_positives():
    labels, x = labelled_batch(5)
    pair_losses, num_positives = ref.tfa_semihard_pair_losses(labels, x, 1.0)
    np.testing.assert_allclose(
        numpy(triplet_semihard_loss(labels, x)),
        pair_losses.sum(axis=1) * 12 / num_positives,
        rtol=1e-5,
    )


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_hard_per_anchor_values_and_mean_equal_addons(seed, soft):
    labels, x = labelled_batch(seed, classes=4)
    expected = ref.tfa_triplet_hard_per_anchor(labels, x, 0.5, soft)
    np.testing.assert_allclose(
        numpy(triplet_hard_loss(labels, x, margin=0.5, soft=soft)), expected, rtol=1e-5
    )
    ours = float(TripletHardLoss(margin=0.5, soft=soft)(labels, x))
    assert ours == pytest.approx(expected.mean(), rel=1e-5)


@pytest.mark.parametrize("loss_class", [TripletSemiHardLoss, TripletHardLoss])
def test_labels_of_shape_batch_by_one_and_integer_dtypes_give_the_same_loss(loss_class):
    labels, x = labelled_batch(3)
    expected = float(loss_class()(labels.astype("float32"), x))
    for y in (labels[:, None], labels.astype("int64"), labels.astype("int32")[:, None]):
        assert float(loss_class()(y, x)) == pytest.approx(expected, rel=1e-6)


def test_semihard_batch_without_positive_pairs_gives_zeros_where_addons_gives_nan():
    labels = np.arange(6)
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    assert np.isnan(ref.tfa_triplet_semihard(labels, x, 1.0))  # 0 / 0 in Addons
    values = numpy(triplet_semihard_loss(labels, x))
    grads = gradient(lambda p: triplet_semihard_loss(labels, p), x)
    np.testing.assert_array_equal(values, 0.0)
    np.testing.assert_array_equal(grads, 0.0)


@pytest.mark.parametrize("soft", [False, True])
def test_hard_batch_without_positive_pairs_follows_addons(soft):
    # Addons counts every anchor with a hardest-positive distance of 0.
    labels = np.arange(6)
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    np.testing.assert_allclose(
        numpy(triplet_hard_loss(labels, x, margin=3.0, soft=soft)),
        ref.tfa_triplet_hard_per_anchor(labels, x, 3.0, soft),
        rtol=1e-5,
    )


def test_batch_of_one_label_follows_addons():
    # No negatives: Addons' semi-hard uses a negative distance of 0 (margin + d_ap
    # per pair), its hard loss the row's largest distance (margin per anchor).
    labels = np.zeros(6)
    x = np.random.default_rng(2).normal(size=(6, 3)).astype("float32")
    np.testing.assert_allclose(
        numpy(triplet_semihard_loss(labels, x, margin=0.5)),
        ref.triplet_semihard_per_anchor(labels, x, 0.5),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        numpy(triplet_hard_loss(labels, x, margin=0.5)), 0.5, rtol=1e-6
    )
    np.testing.assert_allclose(
        numpy(triplet_hard_loss(labels, x, soft=True)), np.log(2.0), rtol=1e-6
    )


@TRIPLET_LOSSES
def test_identical_embeddings_give_margin_and_finite_gradients(function):
    labels = np.array([0, 0, 1, 1, 2, 2])
    x = np.tile(np.array([[0.3, -0.2, 0.9]], "float32"), (6, 1))
    values = numpy(function(labels, x, margin=0.7))
    assert all_finite(values, gradient(lambda p: function(labels, p, margin=0.7), x))
    # Every distance is 0: each triplet costs exactly the margin.
    np.testing.assert_allclose(values.mean(), 0.7, rtol=1e-6)


@TRIPLET_LOSSES
def test_embeddings_far_from_the_origin_keep_float32_accuracy(function):
    # |a|^2 + |b|^2 - 2 a.b would lose every digit of these distances in float32;
    # centring the batch keeps them.
    labels, x = labelled_batch(7)
    far = (x + np.float32(1e4)).astype("float32")
    np.testing.assert_allclose(
        numpy(function(labels, far, margin=1.0)),
        addons_reference(function)(labels, far, 1.0),
        rtol=1e-4,
    )


@TRIPLET_LOSSES
def test_large_embeddings_give_finite_values_and_gradients(function):
    labels, x = labelled_batch(8)
    large = x * np.float32(1e6)
    values = numpy(function(labels, large))
    assert all_finite(values, gradient(lambda p: function(labels, p), large))
    np.testing.assert_allclose(
        values, addons_reference(function)(labels, large, 1.0), rtol=1e-5
    )


@settings(max_examples=15, deadline=None)
@given(
    labels=st.lists(st.integers(0, 2), min_size=7, max_size=7),
    rows=st.lists(
        st.sampled_from([(0.0, 0.0), (1.0, 0.0), (0.0, 1e-4), (-3.0, 2.0), (1e3, 1e3)]),
        min_size=7,
        max_size=7,
    ),
    soft=st.booleans(),
)
def test_triplet_values_and_gradients_are_finite_on_repeated_and_extreme_rows(
    labels, rows, soft
):
    # One shape for every example: on JAX each new shape compiles again.
    labels, x = np.array(labels), np.array(rows, "float32")
    for function, kwargs in (
        (triplet_semihard_loss, {}),
        (triplet_hard_loss, {"soft": soft}),
    ):
        values = numpy(function(labels, x, **kwargs))
        grads = gradient(lambda p, f=function, k=kwargs: f(labels, p, **k), x)
        assert all_finite(values, grads)
        assert values.shape == (7,)


def test_sample_weights_weight_anchors_and_leave_the_mining_alone():
    labels, x = labelled_batch(4, batch=8)
    per_anchor = numpy(triplet_semihard_loss(labels, x))
    weights = np.array([0, 1, 1, 1, 1, 1, 1, 2], "float32")
    weighted = float(TripletSemiHardLoss(reduction="sum")(labels, x, weights))
    assert weighted == pytest.approx(float(np.sum(weights * per_anchor)), rel=1e-6)
    # A weight of 0 removes an anchor, not a negative: dropping the sample differs.
    dropped = numpy(triplet_semihard_loss(labels[1:], x[1:]))
    assert not np.allclose(dropped * 7 / 8, per_anchor[1:])


def test_hard_loss_is_zero_when_classes_are_separated_by_the_margin():
    labels = np.array([0, 0, 1, 1])
    x = np.array([[0, 0], [0, 0.1], [5, 0], [5, 0.1]], "float32")
    np.testing.assert_array_equal(numpy(triplet_hard_loss(labels, x)), 0.0)
    np.testing.assert_array_equal(numpy(triplet_semihard_loss(labels, x)), 0.0)


@pytest.mark.parametrize("bad_label", [np.nan, np.inf])
@TRIPLET_LOSSES
def test_a_nan_or_infinite_label_makes_the_whole_batch_nan(function, bad_label):
    # Such a label equals no label, itself included: without the rule it would
    # quietly form a class of its own and give finite values.
    labels, x = labelled_batch(9)
    labels = labels.astype("float32")
    labels[4] = bad_label
    values = numpy(function(labels, x))
    assert values.shape == (12,) and np.all(np.isnan(values))


@pytest.mark.parametrize(
    ("y_true_shape", "y_pred_shape"),
    [((8,), (8,)), ((8,), (8, 3, 2)), ((8, 2), (8, 3)), ((7,), (8, 3)), ((), (8, 3))],
)
@TRIPLET_LOSSES
def test_triplet_wrong_shapes_raise_naming_both_shapes(
    function, y_true_shape, y_pred_shape
):
    with pytest.raises(ValueError, match=shapes_pattern(y_true_shape, y_pred_shape)):
        function(np.zeros(y_true_shape), np.zeros(y_pred_shape, "float32"))


def test_defaults_are_those_of_tensorflow_addons():
    # Addons' ContrastiveLoss, TripletSemiHardLoss and TripletHardLoss: margin=1.0,
    # soft=False (the functions have the classes' defaults: test_contract.py).
    for loss_class in (ContrastiveLoss, TripletSemiHardLoss, TripletHardLoss):
        assert loss_class().get_config()["margin"] == 1.0
    assert TripletHardLoss().get_config()["soft"] is False


# NT-Xent -----------------------------------------------------------------------


def torch_nt_xent(views, temperature):
    """Cross-entropy of the masked cosine-similarity matrix, in float64 PyTorch."""
    z = torch.nn.functional.normalize(torch.from_numpy(np.float64(views)), dim=1)
    logits = z @ z.T / temperature
    logits.fill_diagonal_(float("-inf"))
    size = len(views)
    targets = (torch.arange(size) + size // 2) % size
    return torch.nn.functional.cross_entropy(logits, targets, reduction="none").numpy()


@pytest.mark.parametrize("temperature", [0.05, 0.1, 0.5, 1.0, 2.0])
def test_nt_xent_matches_torch_cross_entropy_on_masked_similarities(temperature):
    views = paired_views(pairs=8)
    expected = torch_nt_xent(views, temperature)
    ours = nt_xent_loss(np.zeros(16), views, temperature=temperature)
    np.testing.assert_allclose(numpy(ours), expected, rtol=1e-5)
    mean = float(NTXentLoss(temperature=temperature)(np.zeros((16, 1)), views))
    assert mean == pytest.approx(expected.mean(), rel=1e-5)


def test_nt_xent_has_closed_form_for_identical_views_of_orthogonal_examples():
    # The positive has similarity 1, the 2N - 2 negatives 0.
    pairs, t = 3, 0.2
    views = np.concatenate([np.eye(pairs)] * 2).astype("float32")
    expected = np.log(np.exp(1 / t) + 2 * pairs - 2) - 1 / t
    np.testing.assert_allclose(
        numpy(nt_xent_loss(np.zeros(6), views, temperature=t)), expected, rtol=1e-5
    )


def test_nt_xent_identical_embeddings_give_log_of_2n_minus_1_and_zero_gradients():
    views = np.tile(np.array([[0.5, -1.0, 2.0]], "float32"), (8, 1))
    values = numpy(nt_xent_loss(np.zeros(8), views))
    grads = gradient(lambda p: nt_xent_loss(np.zeros(8), p), views)
    np.testing.assert_allclose(values, np.log(7.0), rtol=1e-6)
    np.testing.assert_allclose(grads, 0.0, atol=1e-6)


def test_nt_xent_all_zero_embeddings_give_finite_values_and_gradients():
    views = np.zeros((8, 3), "float32")
    values = numpy(nt_xent_loss(np.zeros(8), views))
    assert all_finite(values, gradient(lambda p: nt_xent_loss(np.zeros(8), p), views))
    np.testing.assert_allclose(values, np.log(7.0), rtol=1e-6)


@pytest.mark.parametrize("scale", [1e-3, 1e4, 1e12])
def test_nt_xent_does_not_depend_on_the_scale_of_the_embeddings(scale):
    views = paired_views(1)
    expected = numpy(nt_xent_loss(np.zeros(12), views))
    scaled = (views * np.float32(scale)).astype("float32")
    values = numpy(nt_xent_loss(np.zeros(12), scaled))
    grads = gradient(lambda p: nt_xent_loss(np.zeros(12), p, temperature=0.05), scaled)
    assert all_finite(grads)
    np.testing.assert_allclose(values, expected, rtol=1e-5)


@settings(max_examples=20, deadline=None)
@given(
    rows=st.lists(
        st.sampled_from(
            [(0.0, 0.0), (1.0, 0.0), (-1.0, 0.0), (1e-20, 0.0), (1e6, -1e6)]
        ),
        min_size=8,
        max_size=8,
    ),
    temperature=st.sampled_from([0.01, 0.5, 10.0]),
)
def test_nt_xent_values_and_gradients_are_finite_at_edges(rows, temperature):
    views, dummy = np.array(rows, "float32"), np.zeros(8)
    function = lambda p: nt_xent_loss(dummy, p, temperature=temperature)  # noqa: E731
    assert all_finite(function(views), gradient(function, views))


def test_nt_xent_ignores_the_values_of_y_true():
    views = paired_views(2)
    expected = numpy(nt_xent_loss(np.zeros(12), views))
    for y_true in (
        np.full((12,), np.nan),
        np.ones((12, 1)),
        np.arange(36).reshape(12, 3),
    ):
        np.testing.assert_array_equal(numpy(nt_xent_loss(y_true, views)), expected)


def test_nt_xent_swapping_the_two_halves_keeps_the_loss_but_mixing_pairs_does_not():
    views = paired_views(3, pairs=4)
    loss = NTXentLoss()
    dummy = np.zeros(8)
    before = float(loss(dummy, views))
    swapped = np.concatenate([views[4:], views[:4]])
    assert float(loss(dummy, swapped)) == pytest.approx(before, rel=1e-6)
    # Reordering one half only breaks the pairs.
    broken = np.concatenate([views[:4], views[4:][::-1]])
    assert float(loss(dummy, broken)) > before + 0.1


@pytest.mark.parametrize(
    ("y_true_shape", "y_pred_shape"),
    [((6,), (5, 3)), ((8,), (6, 3)), ((), (6, 3)), ((6,), (6,)), ((6,), (6, 3, 1))],
)
def test_nt_xent_bad_shapes_raise_naming_both_shapes(y_true_shape, y_pred_shape):
    pattern = shapes_pattern(y_true_shape, y_pred_shape)
    y_true, y_pred = np.zeros(y_true_shape), np.ones(y_pred_shape, "float32")
    with pytest.raises(ValueError, match=pattern):
        nt_xent_loss(y_true, y_pred)
    with pytest.raises(ValueError, match=pattern):
        NTXentLoss()(y_true, y_pred)


def test_nt_xent_odd_batch_raises():
    with pytest.raises(ValueError, match="even size 2N"):
        nt_xent_loss(np.zeros(5), np.ones((5, 3), "float32"))


def test_nt_xent_trains_in_fit_with_a_dummy_y_true():
    # Two views of 8 examples, laid out [views_1; views_2]; no shuffling.
    rng = np.random.default_rng(0)
    examples = rng.normal(size=(8, 4)).astype("float32")
    x = np.concatenate([examples, examples + rng.normal(0, 0.1, (8, 4))]).astype(
        "float32"
    )
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=NTXentLoss(temperature=0.2))
    history = model.fit(
        x, np.zeros((16, 1)), batch_size=16, epochs=5, shuffle=False, verbose=0
    )
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="only TensorFlow's fit traces the loss with an unknown batch size",
)
def test_nt_xent_in_tensorflow_fit_raises_on_an_odd_last_batch():
    # 11 samples in batches of 4: the last batch holds 3 rows. fit traces the
    # step with an unknown batch size, so the check runs in the graph; without
    # XLA (jit_compile=False), whose compilation would drop the assertion.
    import tensorflow as tf

    x = np.random.default_rng(1).normal(size=(11, 4)).astype("float32")
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=NTXentLoss(), jit_compile=False)
    with pytest.raises(tf.errors.InvalidArgumentError, match="even size 2N"):
        model.fit(x, np.zeros((11,)), batch_size=4, shuffle=False, verbose=0)


@pytest.mark.parametrize(
    "function",
    [triplet_semihard_loss, triplet_hard_loss, nt_xent_loss],
    ids=lambda f: f.__name__,
)
def test_an_empty_batch_gives_an_empty_vector(function):
    values = function(np.zeros((0,)), np.zeros((0, 3), "float32"))
    assert tuple(values.shape) == (0,)

"""Metric-learning losses against TensorFlow Addons' algorithms, PyTorch, and at edges.

TensorFlow Addons no longer installs with current TensorFlow, so its algorithms are
ported line by line to float64 NumPy in references/metric_learning.py. Arguments
and the values on random batches are checked for every loss by test_contract.py.
"""

import keras
import numpy as np
import pytest
from helpers import BACKEND, all_finite, float64, gradient, numpy, shapes_pattern
from hypothesis import given, settings
from hypothesis import strategies as st
from references import metric_learning as ref

from lossbook import (
    ArcFaceLoss,
    ContrastiveLoss,
    CosFaceLoss,
    CrossViewInfoNCELoss,
    LiftedStructLoss,
    MultiSimilarityLoss,
    NPairsLoss,
    NPairsMultilabelLoss,
    NTXentLoss,
    ProxyAnchorLoss,
    SupConLoss,
    TripletHardLoss,
    TripletSemiHardLoss,
    arcface_loss,
    contrastive_loss,
    cosface_loss,
    cross_view_info_nce_loss,
    lifted_struct_loss,
    multi_similarity_loss,
    npairs_loss,
    npairs_multilabel_loss,
    nt_xent_loss,
    proxy_anchor_loss,
    supcon_loss,
    triplet_hard_loss,
    triplet_semihard_loss,
)
from lossbook.layers import CosineHead

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


def keras_io_siamese_contrastive(y_true, y_pred, margin):
    """The loss of keras.io's siamese example (labels 1 = matching), in NumPy."""
    y_true, y_pred = np.float64(y_true), np.float64(y_pred)
    return np.mean(
        (1 - y_true) * y_pred**2 + y_true * np.maximum(margin - y_pred, 0.0) ** 2
    )


@pytest.mark.parametrize("margin", [1.0, 0.5])
def test_similarity_output_gives_the_keras_io_siamese_loss(margin):
    rng = np.random.default_rng(3)
    matching = (rng.random((16, 1)) < 0.5).astype("float32")
    scores = rng.random((16, 1)).astype("float32")
    loss = ContrastiveLoss(margin=margin, output="similarity")
    assert float(loss(matching, scores)) == pytest.approx(
        keras_io_siamese_contrastive(matching, scores, margin), rel=1e-6
    )


def test_similarity_scores_are_distances_with_the_labels_read_the_other_way():
    rng = np.random.default_rng(4)
    y, d = (rng.random(32) < 0.5).astype("float32"), rng.random(32).astype("float32")
    similarity = contrastive_loss(y, d, output="similarity")
    flipped = contrastive_loss(y, d, similar_label=0)
    np.testing.assert_array_equal(numpy(similarity), numpy(flipped))
    assert not np.allclose(numpy(similarity), numpy(contrastive_loss(y, d)))


@pytest.mark.parametrize("output", ["distance", "similarity"])
def test_similar_label_zero_equals_flipping_the_labels(output):
    rng = np.random.default_rng(5)
    y, d = (rng.random(32) < 0.5).astype("float32"), rng.random(32).astype("float32")
    np.testing.assert_array_equal(
        numpy(contrastive_loss(1.0 - y, d, output=output, similar_label=0)),
        numpy(contrastive_loss(y, d, output=output)),
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
@pytest.mark.parametrize(
    "function",
    [triplet_semihard_loss, triplet_hard_loss, supcon_loss, multi_similarity_loss],
    ids=lambda f: f.__name__,
)
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


DISTANCE_METRICS = pytest.mark.parametrize(
    "distance_metric", ["L2", "squared-L2", "angular", "manhattan"]
)


@keras.saving.register_keras_serializable(package="lossbook_tests")
def manhattan(embeddings):
    """A distance_metric callable, as Addons users wrote them."""
    differences = keras.ops.expand_dims(embeddings, 1) - keras.ops.expand_dims(
        embeddings, 0
    )
    return keras.ops.sum(keras.ops.abs(differences), axis=-1)


def numpy_manhattan(embeddings):
    return np.abs(embeddings[:, None, :] - embeddings[None, :, :]).sum(axis=-1)


def reference_metric(distance_metric):
    return numpy_manhattan if distance_metric == "manhattan" else distance_metric


def loss_metric(distance_metric):
    return manhattan if distance_metric == "manhattan" else distance_metric


@pytest.mark.parametrize("seed", range(3))
@DISTANCE_METRICS
def test_semihard_equals_addons_under_each_distance_metric(seed, distance_metric):
    labels, x = labelled_batch(seed, classes=3 + seed)
    loss = TripletSemiHardLoss(margin=0.3, distance_metric=loss_metric(distance_metric))
    expected = ref.tfa_triplet_semihard(
        labels, x, 0.3, reference_metric(distance_metric)
    )
    assert float(loss(labels, x)) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("soft", [False, True])
@DISTANCE_METRICS
def test_hard_equals_addons_under_each_distance_metric(soft, distance_metric):
    labels, x = labelled_batch(1, classes=4)
    values = triplet_hard_loss(
        labels, x, margin=0.3, soft=soft, distance_metric=loss_metric(distance_metric)
    )
    expected = ref.tfa_triplet_hard_per_anchor(
        labels, x, 0.3, soft, reference_metric(distance_metric)
    )
    np.testing.assert_allclose(numpy(values), expected, rtol=1e-5, atol=1e-6)


def test_a_label_alone_uses_addons_row_minimum_under_a_metric_with_negative_values():
    # Addons fills a maximum over no positive with the row's minimum, not 0: with
    # a "distance" that can be negative, the two differ.
    labels = np.array([0, 0, 1, 2])
    x = np.array([[1.0, 0], [0.8, 0.6], [-1, 0], [0, -1]], "float32")

    def negative_cosine(embeddings):
        return -keras.ops.einsum("id,jd->ij", embeddings, embeddings)

    values = triplet_hard_loss(labels, x, distance_metric=negative_cosine)
    expected = ref.tfa_triplet_hard_per_anchor(
        labels, x, 1.0, distance_metric=lambda e: -e @ e.T
    )
    np.testing.assert_allclose(numpy(values), expected, rtol=1e-6)


@pytest.mark.parametrize("distance_metric", ["squared-L2", "angular"])
@TRIPLET_LOSSES
def test_distance_metrics_give_finite_gradients_on_repeated_and_zero_rows(
    function, distance_metric
):
    labels = np.array([0, 0, 1, 1, 2, 2])
    x = np.array([[0, 0], [0, 0], [1, 2], [1, 2], [3, -1], [0, 1e-7]], "float32")
    values = numpy(function(labels, x, distance_metric=distance_metric))
    grads = gradient(lambda e: function(labels, e, distance_metric=distance_metric), x)
    assert all_finite(values, grads)


@pytest.mark.parametrize("loss_class", [TripletSemiHardLoss, TripletHardLoss])
def test_a_registered_distance_metric_saves_and_loads_in_safe_mode(
    loss_class, tmp_path
):
    labels, x = labelled_batch(2)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    model.compile(loss=loss_class(distance_metric=manhattan))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.loss.distance_metric is manhattan
    assert float(loaded.evaluate(x, labels, verbose=0)) == pytest.approx(
        float(model.evaluate(x, labels, verbose=0)), rel=1e-6
    )


@TRIPLET_LOSSES
def test_a_distance_metric_of_the_wrong_shape_raises_naming_it(function):
    labels, x = labelled_batch(0)
    pattern = r"must return a \(batch, batch\) matrix.*\(12,\)"
    with pytest.raises(ValueError, match=pattern):
        function(labels, x, distance_metric=lambda e: keras.ops.sum(e, axis=1))


def test_defaults_are_those_of_tensorflow_addons():
    # Addons' ContrastiveLoss, TripletSemiHardLoss and TripletHardLoss: margin=1.0,
    # soft=False (the functions have the classes' defaults: test_contract.py).
    for loss_class in (ContrastiveLoss, TripletSemiHardLoss, TripletHardLoss):
        assert loss_class().get_config()["margin"] == 1.0
    assert TripletHardLoss().get_config()["soft"] is False
    for loss_class in (TripletSemiHardLoss, TripletHardLoss):
        assert loss_class().get_config()["distance_metric"] == "L2"


# NT-Xent -----------------------------------------------------------------------


def torch_nt_xent(views, temperature):
    """Cross-entropy of the masked cosine-similarity matrix, in float64 PyTorch."""
    z = torch.nn.functional.normalize(torch.from_numpy(np.float64(views)), dim=1)
    logits = z @ z.T / temperature
    logits.fill_diagonal_(float("-inf"))
    size = len(views)
    targets = (torch.arange(size) + size // 2) % size
    return torch.nn.functional.cross_entropy(logits, targets, reduction="none").numpy()


@pytest.mark.parametrize("temperature", [0.07, 0.5])
def test_nt_xent_mean_equals_optax_ntxent_with_pair_labels(temperature):
    import jax.numpy as jnp
    import optax

    views = paired_views(seed=6, pairs=8)
    pair_labels = np.arange(16) % 8
    expected = optax.losses.ntxent(
        jnp.asarray(views), jnp.asarray(pair_labels), temperature
    )
    ours = NTXentLoss(temperature=temperature)(None, views)
    assert float(ours) == pytest.approx(float(expected), rel=1e-5)


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


@pytest.mark.parametrize("loss_class", [NTXentLoss, CrossViewInfoNCELoss])
@pytest.mark.parametrize("targets", ["none", "dummy"])
def test_paired_view_losses_train_in_fit_with_or_without_targets(loss_class, targets):
    # Two views of 8 examples, laid out [views_1; views_2]; no shuffling.
    rng = np.random.default_rng(0)
    examples = rng.normal(size=(8, 4)).astype("float32")
    x = np.concatenate([examples, examples + rng.normal(0, 0.1, (8, 4))]).astype(
        "float32"
    )
    y = None if targets == "none" else np.zeros((16, 1))
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss_class(temperature=0.2))
    history = model.fit(x, y, batch_size=16, epochs=5, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


# Cross-view InfoNCE ------------------------------------------------------------


def keras_io_simclr_loss(views, temperature):
    """keras.io's SimCLR contrastive loss: Keras's sparse cross-entropy both ways."""
    half = len(views) // 2
    z = views / np.linalg.norm(views, axis=1, keepdims=True)
    similarities = z[:half] @ z[half:].T / temperature
    labels = np.arange(half)
    one_way = keras.losses.sparse_categorical_crossentropy(
        labels, similarities, from_logits=True
    )
    other_way = keras.losses.sparse_categorical_crossentropy(
        labels, similarities.T, from_logits=True
    )
    return (numpy(one_way) + numpy(other_way)) / 2


def torch_clip_loss(views, temperature):
    """CLIP's pseudocode (Figure 3) in float64 PyTorch."""
    half = len(views) // 2
    z = torch.nn.functional.normalize(torch.from_numpy(np.float64(views)), dim=1)
    logits = z[:half] @ z[half:].T / temperature
    labels = torch.arange(half)
    loss = torch.nn.functional.cross_entropy(logits, labels)
    return float((loss + torch.nn.functional.cross_entropy(logits.T, labels)) / 2)


@pytest.mark.parametrize("temperature", [0.05, 0.1, 1.0])
def test_cross_view_info_nce_is_the_keras_io_simclr_loss_and_clip_loss(temperature):
    views = paired_views(seed=1, pairs=8)
    ours = float(CrossViewInfoNCELoss(temperature=temperature)(None, views))
    assert ours == pytest.approx(
        float(np.mean(keras_io_simclr_loss(views, temperature))), rel=1e-5
    )
    assert ours == pytest.approx(torch_clip_loss(views, temperature), rel=1e-5)


def test_cross_view_info_nce_rows_are_each_views_cross_entropy_over_the_other_view():
    views = paired_views(seed=2, pairs=5)
    values = numpy(cross_view_info_nce_loss(None, views, temperature=0.3))
    np.testing.assert_allclose(
        values, ref.cross_view_info_nce(views, 0.3), rtol=1e-5, atol=1e-6
    )
    assert values.shape == (10,)


def test_cross_view_info_nce_differs_from_nt_xent_by_its_candidates():
    # NT-Xent also counts the other examples of a row's own view as negatives,
    # so its loss is larger on the same batch.
    views = paired_views(seed=3, pairs=6)
    cross_view = float(CrossViewInfoNCELoss(temperature=0.5)(None, views))
    nt_xent = float(NTXentLoss(temperature=0.5)(None, views))
    assert nt_xent > cross_view


@pytest.mark.parametrize("temperature", [0.01, 0.1])
def test_cross_view_info_nce_values_and_gradients_are_finite_at_edges(temperature):
    rows = np.array(
        [[0, 0], [1e4, -1e4], [1, 1], [0, 0], [1e4, -1e4], [1, 1 + 1e-7]], "float32"
    )
    values = numpy(cross_view_info_nce_loss(None, rows, temperature=temperature))
    grads = gradient(
        lambda x: cross_view_info_nce_loss(None, x, temperature=temperature), rows
    )
    assert all_finite(values, grads)


def test_cross_view_info_nce_one_pair_has_no_negative_and_costs_nothing():
    values = numpy(cross_view_info_nce_loss(None, np.array([[1.0, 0], [0, 1.0]])))
    np.testing.assert_allclose(values, [0.0, 0.0], atol=1e-30)


@pytest.mark.parametrize(
    ("y_true_shape", "y_pred_shape"), [((3,), (3, 2)), ((4,), (6, 2)), ((4,), (4,))]
)
def test_cross_view_info_nce_bad_shapes_raise_naming_both_shapes(
    y_true_shape, y_pred_shape
):
    with pytest.raises(ValueError, match=shapes_pattern(y_true_shape, y_pred_shape)):
        cross_view_info_nce_loss(np.zeros(y_true_shape), np.ones(y_pred_shape))


def test_paired_view_functions_accept_none_for_y_true():
    views = paired_views(seed=4, pairs=3)
    for function in (nt_xent_loss, cross_view_info_nce_loss):
        np.testing.assert_array_equal(
            numpy(function(None, views)), numpy(function(np.zeros(6), views))
        )


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


# SupCon and multi-similarity ---------------------------------------------------
#
# Peer: pytorch-metric-learning 2.9 (PML), in float64 and float32 PyTorch.


def pml_supcon(labels, embeddings, temperature):
    """PML's `SupConLoss` number; `(B, V, D)` views go in as `(B * V, D)` with
    each label repeated V times (PML's layout for several views)."""
    from pytorch_metric_learning import losses

    embeddings = np.asarray(embeddings)
    if embeddings.ndim == 3:
        batch, views, dim = embeddings.shape
        embeddings = embeddings.reshape(batch * views, dim)
        labels = np.repeat(np.asarray(labels), views)
    loss = losses.SupConLoss(temperature=temperature)
    return float(loss(torch.from_numpy(embeddings), torch.from_numpy(labels)))


def pml_multi_similarity(labels, embeddings, alpha, beta, base, epsilon):
    """PML's per-anchor MS losses on the pairs of its `MultiSimilarityMiner`
    (`DoNothingReducer`: PML's default `MeanReducer` is their mean over all B
    anchors), and the number of positive and negative pairs the miner kept."""
    from pytorch_metric_learning import losses, miners, reducers

    x, y = torch.from_numpy(np.asarray(embeddings)), torch.from_numpy(labels)
    pairs = miners.MultiSimilarityMiner(epsilon=epsilon)(x, y)
    loss = losses.MultiSimilarityLoss(
        alpha=alpha, beta=beta, base=base, reducer=reducers.DoNothingReducer()
    )
    losses = loss(x, y, pairs)["loss"]["losses"]
    if not torch.is_tensor(losses):  # PML's zero_losses(): the number 0
        losses = torch.zeros(len(labels))
    return losses.numpy().ravel(), (len(pairs[0]), len(pairs[2]))


LABEL_PATTERNS = {
    # A few classes of about four samples.
    "few_classes": lambda rng: rng.integers(0, 3, 12),
    # Classes of one sample among classes of two and three.
    "with_singletons": lambda rng: rng.permutation(
        [0, 0, 1, 2, 3, 3, 3, 4, 5, 6, 6, 7]
    ),
    # Mostly singletons.
    "many_classes": lambda rng: rng.integers(0, 10, 12),
}
PEER_RTOL = {"float32": 1e-5, "float64": 1e-12}
# Keras 3.15's reduction in Loss.__call__ gives float64 losses float32 digits on
# PyTorch (NTXentLoss(dtype="float64") too): float64 digits are checked on the
# per-sample values, the classes' reduced numbers to float32's.
REDUCED_RTOL = 1e-5


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("pattern", sorted(LABEL_PATTERNS))
@pytest.mark.parametrize("views", [None, 2, 3])
def test_supcon_default_reduction_equals_pytorch_metric_learning(views, pattern, dtype):
    for seed in range(3):
        rng = np.random.default_rng(seed)
        labels = LABEL_PATTERNS[pattern](rng)
        shape = (12, 6) if views is None else (12, views, 6)
        x = rng.normal(size=shape).astype(dtype)
        for temperature in (0.07, 0.5):
            expected = pml_supcon(labels, x, temperature)
            with float64():
                values = numpy(supcon_loss(labels, x, temperature=temperature))
                loss = SupConLoss(temperature=temperature, dtype=dtype)
                reduced = float(loss(labels, x))
            assert values.dtype == dtype
            assert values.mean() == pytest.approx(expected, rel=PEER_RTOL[dtype])
            assert reduced == pytest.approx(expected, rel=REDUCED_RTOL)


def test_supcon_anchors_without_positive_are_left_out_of_the_mean_as_in_pml():
    # Samples 2 and 3 are alone with their labels: the mean is over samples 0
    # and 1 (PML's AvgNonZeroReducer), not over all four.
    labels = np.array([0, 0, 1, 2])
    x = np.random.default_rng(3).normal(size=(4, 5))
    per_anchor, has_positive = ref.supcon_per_anchor(labels, x, 0.1)
    values = numpy(supcon_loss(labels, x, temperature=0.1))
    np.testing.assert_allclose(values, [*(2 * per_anchor[:2, 0]), 0, 0], rtol=1e-5)
    assert values.mean() == pytest.approx(per_anchor[:2].mean(), rel=1e-5)
    assert values.mean() == pytest.approx(pml_supcon(labels, x, 0.1), rel=1e-5)


def test_supcon_two_views_of_distinct_labels_equal_nt_xent():
    # Each anchor's only positive is its other view; the denominator runs over
    # every other row in both losses.
    views = paired_views(4, pairs=6)
    stacked = np.stack([views[:6], views[6:]], axis=1)
    for temperature in (0.05, 0.5):
        expected = numpy(nt_xent_loss(np.zeros(12), views, temperature=temperature))
        ours = numpy(supcon_loss(np.arange(6), stacked, temperature=temperature))
        np.testing.assert_allclose(ours, (expected[:6] + expected[6:]) / 2, rtol=1e-5)
        assert float(SupConLoss(temperature)(np.arange(6), stacked)) == (
            pytest.approx(float(NTXentLoss(temperature)(np.zeros(12), views)), 1e-5)
        )


def test_supcon_batch_of_one_label_keeps_the_paper_value_where_pml_gives_zero():
    # No negative at all: PML returns 0; the paper's formula (and the authors'
    # code) still has a value, log-softmax over the positives alone.
    labels = np.zeros(6, "int64")
    x = np.random.default_rng(5).normal(size=(6, 4))
    assert pml_supcon(labels, x, 0.5) == 0.0
    np.testing.assert_allclose(
        numpy(supcon_loss(labels, x, temperature=0.5)),
        ref.supcon(labels, x, 0.5),
        rtol=1e-5,
    )


def test_supcon_batch_without_positive_gives_zeros_and_zero_gradients():
    labels = np.arange(6)
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    assert pml_supcon(labels, x, 0.1) == 0.0
    grads = gradient(lambda p: supcon_loss(labels, p), x)
    np.testing.assert_array_equal(numpy(supcon_loss(labels, x)), 0.0)
    np.testing.assert_array_equal(grads, 0.0)


@pytest.mark.parametrize("temperature", [1e-3, 0.01, 0.07])
def test_supcon_low_temperature_gives_finite_exact_values_and_gradients(temperature):
    labels, x = labelled_batch(6, batch=10, classes=3)
    x = (x * np.float32(100)).astype("float32")  # like +-100 logits
    values = numpy(supcon_loss(labels, x, temperature=temperature))
    grads = gradient(lambda p: supcon_loss(labels, p, temperature=temperature), x)
    assert all_finite(values, grads)
    np.testing.assert_allclose(
        values, ref.supcon(labels, x, temperature), rtol=1e-5, atol=1e-5
    )


@settings(max_examples=15, deadline=None)
@given(
    labels=st.lists(st.integers(0, 2), min_size=6, max_size=6),
    rows=st.lists(
        st.sampled_from(
            [(0.0, 0.0), (1.0, 0.0), (-1.0, 1e-4), (1e-20, 0.0), (1e6, -1e6)]
        ),
        min_size=6,
        max_size=6,
    ),
    temperature=st.sampled_from([0.01, 0.07, 10.0]),
)
def test_supcon_and_multi_similarity_are_finite_on_repeated_and_extreme_rows(
    labels, rows, temperature
):
    labels, x = np.array(labels), np.array(rows, "float32")
    for function, kwargs in (
        (supcon_loss, {"temperature": temperature}),
        (multi_similarity_loss, {}),
    ):
        values = numpy(function(labels, x, **kwargs))
        grads = gradient(lambda p, f=function, k=kwargs: f(labels, p, **k), x)
        assert all_finite(values, grads)
        assert values.shape == (6,)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("pattern", sorted(LABEL_PATTERNS))
@pytest.mark.parametrize(
    "arguments",
    [
        {"alpha": 2.0, "beta": 50.0, "base": 0.5, "epsilon": 0.1},
        {"alpha": 1.0, "beta": 10.0, "base": 0.0, "epsilon": 0.5},
        {"alpha": 5.0, "beta": 40.0, "base": 0.8, "epsilon": 0.0},
    ],
    ids=["defaults", "soft", "no_epsilon"],
)
def test_multi_similarity_per_anchor_values_equal_pml_loss_on_its_miner_pairs(
    arguments, pattern, dtype
):
    checked = 0
    for seed in range(4):
        rng = np.random.default_rng(seed)
        labels = LABEL_PATTERNS[pattern](rng)
        x = rng.normal(size=(12, 6)).astype(dtype)
        expected, (positives, negatives) = pml_multi_similarity(labels, x, **arguments)
        if max(positives, negatives) <= 1:
            continue  # PML's zero_losses(); see the next test
        with float64():
            ours = numpy(multi_similarity_loss(labels, x, **arguments))
            mean = float(MultiSimilarityLoss(**arguments, dtype=dtype)(labels, x))
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, expected, rtol=PEER_RTOL[dtype], atol=1e-12)
        # PML's default MeanReducer: the mean over all B anchors.
        assert mean == pytest.approx(expected.mean(), rel=REDUCED_RTOL)
        checked += 1
    assert checked >= 3


def test_multi_similarity_differs_from_pml_only_when_it_mines_one_pair_of_each():
    # PML returns 0 when its miner keeps at most one positive and one negative
    # pair in the whole batch; the paper's formula still counts them.
    labels = np.array([0, 0, 1])
    # Only anchor 1 mines: its negative (cosine 0.96) is above its positive (0.8).
    x = np.array([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8]])
    expected, pairs = pml_multi_similarity(labels, x, 2.0, 50.0, 0.5, 0.1)
    assert pairs == (1, 1) and np.all(expected == 0.0)
    ours = numpy(multi_similarity_loss(labels, x))
    np.testing.assert_allclose(
        ours, ref.multi_similarity(labels, x, 2.0, 50.0, 0.5, 0.1), rtol=1e-5
    )
    assert ours[1] > 0.1


def test_multi_similarity_large_epsilon_keeps_every_pair_like_pml_without_miner():
    # Cosines lie in [-1, 1]: with epsilon > 2 every pair passes the mining.
    from pytorch_metric_learning import losses, reducers

    labels, x = labelled_batch(2, batch=10, classes=3)
    loss = losses.MultiSimilarityLoss(reducer=reducers.DoNothingReducer())
    result = loss(torch.from_numpy(x), torch.from_numpy(labels))
    expected = result["loss"]["losses"].numpy().ravel()
    ours = numpy(multi_similarity_loss(labels, x, epsilon=3.0))
    np.testing.assert_allclose(ours, expected, rtol=1e-5)
    assert not np.allclose(numpy(multi_similarity_loss(labels, x)), expected)


def test_multi_similarity_keeps_only_the_pairs_that_its_mining_selects():
    # Anchor 0 has its positive at cosine 0.6 and its negative at cosine c. The
    # negative is kept if c + epsilon > 0.6, the positive if 0.6 - epsilon < c.
    labels = np.array([0, 0, 1])

    def anchor_loss(c, epsilon):
        x = np.array([[1.0, 0.0], [0.6, 0.8], [c, np.sqrt(1 - c**2)]], "float32")
        return float(numpy(multi_similarity_loss(labels, x, epsilon=epsilon))[0])

    def closed_form(c):
        return (
            np.log1p(np.exp(-2 * (0.6 - 0.5))) / 2
            + np.log1p(np.exp(50 * (c - 0.5))) / 50
        )

    for c in (0.2, 0.3, 0.45):
        assert anchor_loss(c, epsilon=0.1) == 0.0
    assert anchor_loss(0.55, epsilon=0.1) == pytest.approx(closed_form(0.55), 1e-5)
    assert anchor_loss(0.3, epsilon=0.5) == pytest.approx(closed_form(0.3), 1e-5)


@pytest.mark.parametrize("beta", [50.0, 1e3, 1e5])
def test_multi_similarity_large_beta_does_not_overflow(beta):
    labels, x = labelled_batch(3, batch=10, classes=2)
    values = numpy(multi_similarity_loss(labels, x, beta=beta, base=-0.9))
    grads = gradient(
        lambda p: multi_similarity_loss(labels, p, beta=beta, base=-0.9), x
    )
    assert all_finite(values, grads)
    np.testing.assert_allclose(
        values, ref.multi_similarity(labels, x, 2.0, beta, -0.9, 0.1), rtol=1e-5
    )


@pytest.mark.parametrize("labels", [np.zeros(6), np.arange(6)], ids=["one", "all"])
def test_multi_similarity_without_positives_or_negatives_gives_zero_gradients(labels):
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    grads = gradient(lambda p: multi_similarity_loss(labels, p), x)
    np.testing.assert_array_equal(numpy(multi_similarity_loss(labels, x)), 0.0)
    np.testing.assert_array_equal(grads, 0.0)


@pytest.mark.parametrize(
    ("y_true_shape", "y_pred_shape", "function"),
    [
        ((8,), (8,), supcon_loss),
        ((8, 2), (8, 3), supcon_loss),
        ((7,), (8, 2, 3), supcon_loss),
        ((8,), (8, 2, 3, 1), supcon_loss),
        ((8,), (8,), multi_similarity_loss),
        ((8, 2), (8, 3), multi_similarity_loss),
        ((7,), (8, 3), multi_similarity_loss),
        ((8,), (8, 2, 3), multi_similarity_loss),
    ],
)
def test_supcon_and_ms_wrong_shapes_raise_naming_both_shapes(
    y_true_shape, y_pred_shape, function
):
    with pytest.raises(ValueError, match=shapes_pattern(y_true_shape, y_pred_shape)):
        function(np.zeros(y_true_shape), np.zeros(y_pred_shape, "float32"))


@pytest.mark.parametrize(
    ("function", "shape"),
    [(supcon_loss, (0, 3)), (supcon_loss, (0, 2, 3)), (multi_similarity_loss, (0, 3))],
)
def test_supcon_and_ms_empty_batch_gives_an_empty_vector(function, shape):
    assert tuple(function(np.zeros((0,)), np.zeros(shape, "float32")).shape) == (0,)


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="only TensorFlow traces the loss with an unknown batch size",
)
@pytest.mark.parametrize(
    ("function", "dims"), [(supcon_loss, [2, 4]), (multi_similarity_loss, [4])]
)
def test_supcon_and_ms_traced_with_an_unknown_batch_size_equal_eager(function, dims):
    import tensorflow as tf

    labels, x = labelled_batch(7, batch=12, classes=4)
    x = np.random.default_rng(7).normal(size=(12, *dims)).astype("float32")
    traced = tf.function(
        lambda y, p: function(y, p),
        input_signature=[
            tf.TensorSpec([None], tf.float32),
            tf.TensorSpec([None, *dims], tf.float32),
        ],
    )
    np.testing.assert_allclose(
        numpy(traced(labels.astype("float32"), x)),
        numpy(function(labels, x)),
        rtol=1e-6,
    )


# N-pairs -----------------------------------------------------------------------


def anchors_and_positives(seed=0, pairs=6, dim=4, noise=0.5):
    rng = np.random.default_rng(seed)
    anchors = rng.normal(0, 1, (pairs, dim))
    positives = anchors + rng.normal(0, noise, (pairs, dim))
    return anchors, positives


def pml_npairs(anchors, positives, normalize):
    """pytorch-metric-learning's NPairsLoss, in float64, on [anchors; positives].

    Its input is embeddings: with labels [0..n-1, 0..n-1] it takes pair i as
    (anchor i, positive i) and computes the cross-entropy of anchors @
    positives.T against the identity, Addons' npairs with distinct labels.
    """
    from pytorch_metric_learning import distances, losses

    pairs = len(anchors)
    embeddings = torch.from_numpy(np.concatenate([anchors, positives]))
    labels = torch.arange(2 * pairs) % pairs
    loss = losses.NPairsLoss(
        distance=distances.DotProductSimilarity(normalize_embeddings=normalize)
    )
    return float(loss(embeddings, labels))


def unit_rows(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_npairs_equals_pytorch_metric_learning_npairs_loss(seed, normalize):
    anchors, positives = anchors_and_positives(seed, pairs=8)
    expected = pml_npairs(anchors, positives, normalize)
    if normalize:  # PML normalises the embeddings by default
        anchors, positives = unit_rows(anchors), unit_rows(positives)
    similarities = (anchors @ positives.T).astype("float32")
    ours = float(NPairsLoss()(np.arange(8), similarities))
    assert ours == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("seed", range(3))
def test_npairs_per_anchor_values_equal_addons_and_torch_soft_target_cross_entropy(
    seed,
):
    # Repeated labels: a row's targets are shared by the pairs of its label.
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, 10)
    similarities = rng.normal(0, 3, (10, 10)).astype("float32")
    targets = np.float64(labels[:, None] == labels[None, :])
    targets /= targets.sum(axis=1, keepdims=True)
    torch_values = torch.nn.functional.cross_entropy(
        torch.from_numpy(np.float64(similarities)),
        torch.from_numpy(targets),
        reduction="none",
    ).numpy()
    ours = numpy(npairs_loss(labels, similarities))
    np.testing.assert_allclose(ours, torch_values, rtol=1e-5)
    np.testing.assert_allclose(
        ours, ref.tfa_npairs_per_anchor(labels, similarities), rtol=1e-5
    )
    mean = float(NPairsLoss()(labels, similarities))
    assert mean == pytest.approx(torch_values.mean(), rel=1e-5)


def test_npairs_with_distinct_labels_is_categorical_crossentropy_of_the_identity():
    similarities = np.random.default_rng(3).normal(0, 2, (7, 7)).astype("float32")
    expected = keras.losses.categorical_crossentropy(
        np.eye(7, dtype="float32"), similarities, from_logits=True
    )
    np.testing.assert_allclose(
        numpy(npairs_loss(np.arange(7), similarities)), numpy(expected), rtol=1e-5
    )


def test_npairs_small_loss_keeps_its_digits():
    # log(1 + 4 e**-30) ~ 3.7e-13: logsumexp(s) - s_ii would round it to 0.
    similarities = np.where(np.eye(5), 30.0, 0.0).astype("float32")
    values = numpy(npairs_loss(np.arange(5), similarities))
    np.testing.assert_allclose(values, np.log1p(4 * np.exp(-30.0)), rtol=1e-5)


@pytest.mark.parametrize(
    "function", [npairs_loss, npairs_multilabel_loss], ids=lambda f: f.__name__
)
def test_npairs_values_and_gradients_are_finite_at_extreme_logits(function):
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, 8)
    y_true = labels if function is npairs_loss else np.eye(3, dtype="float32")[labels]
    similarities = rng.choice([-100.0, 0.0, 100.0], (8, 8)).astype("float32")
    values = numpy(function(y_true, similarities))
    grads = gradient(lambda p: function(y_true, p), similarities)
    assert all_finite(values, grads)
    reference = ref.tfa_npairs_multilabel_per_anchor(np.eye(3)[labels], similarities)
    np.testing.assert_allclose(values, reference, rtol=1e-5, atol=1e-5)


def test_npairs_multilabel_equals_torch_cross_entropy_of_shared_label_counts():
    rng = np.random.default_rng(5)
    y_true = (rng.random((9, 4)) < 0.4).astype("float32")
    y_true[np.arange(9), rng.integers(0, 4, 9)] = 1.0
    similarities = rng.normal(0, 3, (9, 9)).astype("float32")
    shared = np.float64(y_true) @ np.float64(y_true).T
    torch_values = torch.nn.functional.cross_entropy(
        torch.from_numpy(np.float64(similarities)),
        torch.from_numpy(shared / shared.sum(axis=1, keepdims=True)),
        reduction="none",
    ).numpy()
    ours = numpy(npairs_multilabel_loss(y_true, similarities))
    np.testing.assert_allclose(ours, torch_values, rtol=1e-5)
    mean = float(NPairsMultilabelLoss()(y_true, similarities))
    assert mean == pytest.approx(torch_values.mean(), rel=1e-5)


def test_npairs_multilabel_of_one_hot_labels_is_npairs():
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 4, 10)
    similarities = rng.normal(0, 3, (10, 10)).astype("float32")
    np.testing.assert_allclose(
        numpy(npairs_multilabel_loss(np.eye(4)[labels], similarities)),
        numpy(npairs_loss(labels, similarities)),
        rtol=1e-6,
    )


def test_npairs_multilabel_anchor_without_labels_costs_zero_where_addons_gives_nan():
    y_true = np.array([[1, 0], [0, 0], [1, 1], [0, 1]], "float32")
    similarities = np.random.default_rng(7).normal(0, 2, (4, 4)).astype("float32")
    assert np.isnan(ref.tfa_npairs_multilabel_per_anchor(y_true, similarities)[1])
    values = numpy(npairs_multilabel_loss(y_true, similarities))
    grads = gradient(lambda p: npairs_multilabel_loss(y_true, p), similarities)
    assert values[1] == 0.0 and np.all(grads[1] == 0.0)
    np.testing.assert_allclose(
        values, ref.npairs_multilabel_per_anchor(y_true, similarities), rtol=1e-5
    )


def test_npairs_labels_of_shape_batch_by_one_and_integer_dtypes_give_the_same_loss():
    rng = np.random.default_rng(8)
    labels = rng.integers(0, 3, 6)
    similarities = rng.normal(0, 1, (6, 6)).astype("float32")
    expected = float(NPairsLoss()(labels.astype("float32"), similarities))
    for y in (labels[:, None], labels.astype("int32"), labels.astype("int64")[:, None]):
        assert float(NPairsLoss()(y, similarities)) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("bad_label", [np.nan, np.inf])
def test_npairs_nan_or_infinite_label_makes_the_whole_batch_nan(bad_label):
    labels = np.arange(6, dtype="float32")
    labels[2] = bad_label
    similarities = np.random.default_rng(9).normal(size=(6, 6)).astype("float32")
    assert np.all(np.isnan(numpy(npairs_loss(labels, similarities))))


@pytest.mark.parametrize(
    ("function", "y_true_shape", "y_pred_shape"),
    [
        (npairs_loss, (4,), (4, 3)),
        (npairs_loss, (5,), (4, 4)),
        (npairs_loss, (4, 2), (4, 4)),
        (npairs_loss, (4,), (4, 4, 1)),
        (npairs_loss, (), (4, 4)),
        (npairs_multilabel_loss, (4,), (4, 4)),
        (npairs_multilabel_loss, (4, 3), (4, 2)),
        (npairs_multilabel_loss, (5, 3), (4, 4)),
        (npairs_multilabel_loss, (4, 3, 1), (4, 4)),
    ],
)
def test_npairs_wrong_shapes_raise_naming_both_shapes(
    function, y_true_shape, y_pred_shape
):
    pattern = shapes_pattern(y_true_shape, y_pred_shape)
    y_true, y_pred = np.zeros(y_true_shape), np.zeros(y_pred_shape, "float32")
    with pytest.raises(ValueError, match=pattern):
        function(y_true, y_pred)


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="only TensorFlow traces the loss with an unknown batch size",
)
def test_npairs_traced_with_an_unknown_batch_size_equals_eager():
    import tensorflow as tf

    rng = np.random.default_rng(10)
    labels = rng.integers(0, 3, 7).astype("float32")
    similarities = rng.normal(size=(7, 7)).astype("float32")
    traced = tf.function(
        npairs_loss,
        input_signature=[
            tf.TensorSpec([None], tf.float32),
            tf.TensorSpec([None, None], tf.float32),
        ],
    )
    np.testing.assert_allclose(
        numpy(traced(labels, similarities)),
        numpy(npairs_loss(labels, similarities)),
        rtol=1e-6,
    )


# Lifted structure --------------------------------------------------------------


def pml_lifted_structure(labels, embeddings, margin):
    """pytorch-metric-learning's LiftedStructureLoss in float64, unnormalised
    Euclidean distances (PML normalises embeddings by default, Addons does not).

    Per ordered positive pair (a, p) it takes the negative pairs whose first
    element is a or p, i.e. Song et al.'s J[a, p], and averages max(J, 0)**2 / 2
    over the ordered pairs: Addons' number.
    """
    from pytorch_metric_learning import distances, losses

    loss = losses.LiftedStructureLoss(
        neg_margin=margin,
        pos_margin=0.0,
        distance=distances.LpDistance(normalize_embeddings=False),
    )
    return float(
        loss(torch.from_numpy(np.float64(embeddings)), torch.from_numpy(labels))
    )


@pytest.mark.parametrize("seed", range(3))
def test_lifted_struct_addons_port_agrees_with_the_loops_of_the_paper(seed):
    labels, x = labelled_batch(seed)
    assert ref.tfa_lifted_struct(labels, x, 1.0) == pytest.approx(
        ref.loop_lifted_struct(labels, x, 1.0), rel=1e-12
    )


@pytest.mark.parametrize("margin", [0.0, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("seed", range(3))
def test_lifted_struct_equals_pytorch_metric_learning_and_addons(seed, margin):
    labels, x = labelled_batch(seed, classes=3 + seed)
    ours = float(LiftedStructLoss(margin=margin)(labels, x))
    assert ours == pytest.approx(pml_lifted_structure(labels, x, margin), rel=1e-5)
    assert ours == pytest.approx(ref.tfa_lifted_struct(labels, x, margin), rel=1e-5)


def test_lifted_struct_per_anchor_values_are_half_anchor_sums_times_b_over_p():
    labels, x = labelled_batch(5)
    np.testing.assert_allclose(
        numpy(lifted_struct_loss(labels, x)),
        ref.lifted_struct_per_anchor(labels, x, 1.0),
        rtol=1e-5,
    )


@pytest.mark.parametrize(
    "labels", [np.arange(6), np.zeros(6)], ids=["no_positive_pair", "one_label"]
)
def test_lifted_struct_gives_zeros_where_addons_gives_nan(labels):
    # Without positive pairs Addons divides 0 by 0; without negatives its
    # log(0) = -inf times a 0 mask makes NaN.
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    assert np.isnan(ref.tfa_lifted_struct(labels, x, 1.0))
    values = numpy(lifted_struct_loss(labels, x))
    grads = gradient(lambda p: lifted_struct_loss(labels, p), x)
    np.testing.assert_array_equal(values, 0.0)
    np.testing.assert_array_equal(grads, 0.0)


def test_lifted_struct_is_zero_when_classes_are_far_apart():
    # J = log(sum of exp(margin - d)) + d_ap < 0 once negatives are far enough.
    labels = np.array([0, 0, 1, 1])
    x = np.array([[0, 0], [0, 0.1], [50, 0], [50, 0.1]], "float32")
    np.testing.assert_array_equal(numpy(lifted_struct_loss(labels, x)), 0.0)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e4])
def test_lifted_struct_values_and_gradients_are_finite_at_extreme_scales(scale):
    labels, x = labelled_batch(8)
    scaled = (x * np.float32(scale)).astype("float32")
    values = numpy(lifted_struct_loss(labels, scaled))
    grads = gradient(lambda p: lifted_struct_loss(labels, p), scaled)
    assert all_finite(values, grads)
    expected = ref.loop_lifted_struct(labels, scaled, 1.0)
    assert values.mean() == pytest.approx(expected, rel=1e-4)


def test_lifted_struct_stays_finite_where_addons_shift_overflows():
    # Addons shifts each pair by the largest negative logit of its two rows, but
    # exponentiates every entry of the rows before masking, the anchor itself
    # (logit margin - 0) included: once the closest negative is farther than
    # ~709 (float64; ~88 in float32), exp overflows and inf * 0 makes NaN.
    labels, x = labelled_batch(8)
    far = (x * np.float32(1e4)).astype("float32")
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(ref.tfa_lifted_struct(labels, far, 1.0))
    assert float(LiftedStructLoss()(labels, far)) == pytest.approx(
        ref.loop_lifted_struct(labels, far, 1.0), rel=1e-4
    )


def test_lifted_struct_identical_embeddings_give_finite_gradients():
    labels = np.array([0, 0, 1, 1, 2, 2])
    x = np.tile(np.array([[0.3, -0.2, 0.9]], "float32"), (6, 1))
    values = numpy(lifted_struct_loss(labels, x))
    assert all_finite(values, gradient(lambda p: lifted_struct_loss(labels, p), x))
    # Every distance is 0: J = log(8 e**margin) for every pair (4 + 4 negatives).
    # Each anchor has one positive and P = B: loss = J**2 / 2.
    np.testing.assert_allclose(values, 0.5 * (1 + np.log(8.0)) ** 2, rtol=1e-5)


def test_lifted_struct_sample_weights_weight_anchors():
    labels, x = labelled_batch(4, batch=8)
    per_anchor = numpy(lifted_struct_loss(labels, x))
    weights = np.array([0, 1, 1, 1, 1, 1, 1, 2], "float32")
    weighted = float(LiftedStructLoss(reduction="sum")(labels, x, weights))
    assert weighted == pytest.approx(float(np.sum(weights * per_anchor)), rel=1e-6)


# ArcFace, CosFace, Proxy-Anchor --------------------------------------------------

ANGULAR = pytest.mark.parametrize(
    "function",
    [arcface_loss, cosface_loss, proxy_anchor_loss],
    ids=lambda f: f.__name__,
)


def head_and_batch(dtype, seed, sub_centers=1, batch=32, dim=6, classes=5):
    """A CosineHead with a random kernel, embeddings and labels, as NumPy float64."""
    rng = np.random.default_rng(seed)
    kernel = rng.normal(size=(dim, classes * sub_centers))
    embeddings = rng.normal(size=(batch, dim))
    labels = rng.integers(0, classes, batch)
    head = CosineHead(classes, sub_centers=sub_centers, dtype=dtype)
    head.build((None, dim))
    head.kernel.assign(kernel.astype(dtype))
    return head, kernel, embeddings, labels


def pml_value(peer, kernel, embeddings, labels, dtype):
    torch_dtype = torch.float64 if dtype == "float64" else torch.float32
    weights = torch.tensor(kernel, dtype=torch_dtype)
    if hasattr(peer, "proxies"):
        peer.proxies.data = weights.T.contiguous()  # (C, dim): proxies are rows
    else:
        peer.W.data = weights  # (dim, C * K): centres are columns, like the head's
    with torch.no_grad():
        value = peer(torch.tensor(embeddings, dtype=torch_dtype), torch.tensor(labels))
    return float(value)


def pml_peer(name, classes, dim, sub_centers):
    losses = pytest.importorskip("pytorch_metric_learning.losses")
    if name == "arcface" and sub_centers > 1:
        return losses.SubCenterArcFaceLoss(
            num_classes=classes,
            embedding_size=dim,
            margin=np.degrees(0.5),  # PML's margin is in degrees
            scale=64,
            sub_centers=sub_centers,
        )
    if name == "arcface":
        return losses.ArcFaceLoss(classes, dim, margin=np.degrees(0.5), scale=64)
    if name == "cosface":
        return losses.CosFaceLoss(classes, dim, margin=0.35, scale=64)
    return losses.ProxyAnchorLoss(classes, dim, margin=0.1, alpha=32)


PEERS = {
    "arcface": ArcFaceLoss(margin=0.5, scale=64.0),
    "cosface": CosFaceLoss(margin=0.35, scale=64.0),
    "proxy_anchor": ProxyAnchorLoss(margin=0.1, alpha=32.0),
}


@pytest.mark.parametrize(
    ("name", "sub_centers", "away"),
    [
        ("arcface", 1, False),
        # Half the samples point away from their centre: theta + m > pi, where
        # the th/mm rule replaces cos(theta + m).
        ("arcface", 1, True),
        ("arcface", 3, False),
        ("cosface", 1, False),
        ("proxy_anchor", 1, False),
    ],
)
@pytest.mark.parametrize(("dtype", "rtol"), [("float32", 1e-6), ("float64", 1e-13)])
@pytest.mark.parametrize("seed", range(3))
def test_head_and_loss_equal_pytorch_metric_learning_with_the_same_centres(
    name, sub_centers, away, dtype, rtol, seed
):
    # PML takes the embeddings and owns the centres (ArcFaceLoss.W of shape
    # (dim, C * K), ProxyAnchorLoss.proxies of shape (C, dim)); lossbook takes the
    # cosines of a CosineHead holding the same centres. Both reduce with the mean
    # over the batch (Proxy-Anchor: the batch loss, PML's DivisorReducer).
    with float64():
        head, kernel, embeddings, labels = head_and_batch(dtype, seed, sub_centers)
        if away:
            half = len(labels) // 2
            centres = kernel[:, labels[:half] * sub_centers].T
            noise = np.random.default_rng(seed).normal(0, 0.05, centres.shape)
            embeddings[:half] = -centres + noise
        cosines = head(embeddings.astype(dtype))
        # The mean in NumPy: Keras's own reduction divides in float32 on PyTorch.
        loss = PEERS[name].__class__(
            **PEERS[name].hyperparameters(), reduction=None, dtype=dtype
        )
        ours = float(np.mean(numpy(loss(labels, cosines))))
    peer = pml_peer(name, 5, embeddings.shape[1], sub_centers)
    theirs = pml_value(peer, kernel, embeddings, labels, dtype)
    assert ours == pytest.approx(theirs, rel=rtol)


@pytest.mark.parametrize("scale", [1.0, 16.0, 64.0])
def test_zero_margin_equals_keras_cross_entropy_on_scaled_cosines(scale):
    rng = np.random.default_rng(0)
    cosines = rng.uniform(-1, 1, (16, 7)).astype("float32")
    labels = rng.integers(0, 7, 16)
    keras_loss = keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, reduction=None
    )
    expected = numpy(keras_loss(labels, scale * cosines))
    for function in (arcface_loss, cosface_loss):
        got = numpy(function(labels, cosines, margin=0.0, scale=scale))
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@ANGULAR
def test_labels_as_integers_columns_and_one_hot_rows_give_the_same_values(function):
    rng = np.random.default_rng(1)
    cosines = rng.uniform(-1, 1, (9, 4)).astype("float32")
    labels = rng.integers(0, 4, 9)
    expected = numpy(function(labels, cosines))
    for y_true in (
        labels[:, None],
        labels.astype("float32"),
        labels.astype("int8"),
        np.eye(4, dtype="float32")[labels],
    ):
        np.testing.assert_allclose(numpy(function(y_true, cosines)), expected, 1e-6)


@ANGULAR
@pytest.mark.parametrize("bad_label", [-1.0, 4.0, 1.5, np.nan])
def test_a_label_that_is_not_a_class_gives_nan(function, bad_label):
    cosines = np.random.default_rng(2).uniform(-1, 1, (5, 4)).astype("float32")
    labels = np.array([0.0, bad_label, 2.0, 3.0, 1.0], "float32")
    values = numpy(function(labels, cosines))
    assert np.isnan(values[1])
    if function is not proxy_anchor_loss:  # a batch loss: all of it is NaN
        assert np.all(np.isfinite(np.delete(values, 1)))


@ANGULAR
@pytest.mark.parametrize(
    ("true_shape", "pred_shape"),
    [((6,), (6,)), ((6,), (6, 1)), ((6, 3), (6, 4)), ((5,), (6, 4)), ((6,), (6, 4, 2))],
)
def test_shapes_that_do_not_fit_raise_naming_both(function, true_shape, pred_shape):
    y_true, y_pred = np.zeros(true_shape, "float32"), np.zeros(pred_shape, "float32")
    with pytest.raises(ValueError, match=shapes_pattern(true_shape, pred_shape)):
        function(y_true, y_pred)


@ANGULAR
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_values_and_gradients_are_finite_at_cosines_of_one_and_minus_one(
    function, dtype
):
    # sin(theta) = sqrt(1 - cos**2) has an infinite derivative at +-1; scale 64
    # and alpha 32 make logits of 64 that float16 alone could not exponentiate.
    cosines = np.array(
        [[1.0, -1.0, 0.0], [-1.0, 1.0, -1.0], [1.0, 1.0, 1.0], [0.5, -0.5, 1.0]],
        dtype,
    )
    labels = np.array([0, 0, 1, 2])
    values = function(labels, cosines)
    assert keras.backend.standardize_dtype(values.dtype) == dtype
    grads = gradient(lambda c: function(labels, c), cosines.astype("float32"))
    assert all_finite(keras.ops.cast(values, "float32"), grads)


def test_arcface_keeps_the_digits_of_a_confident_sample():
    # A loss of about e**-60: logsumexp(logits) - logits[y] would give 0 (or
    # rounding noise) in float32; lossbook keeps its relative precision.
    cosines = np.array([[0.99, -0.5, -0.4], [0.2, 0.9, 0.1]], "float32")
    labels = np.array([0, 1])
    for function, reference in (
        (arcface_loss, lambda y, c: ref.arcface(y, c, 0.5, 64.0)),
        (cosface_loss, lambda y, c: ref.cosface(y, c, 0.35, 64.0)),
    ):
        expected = reference(labels, np.float64(cosines))
        assert expected[0] < 1e-15
        np.testing.assert_allclose(numpy(function(labels, cosines)), expected, 1e-5)


def test_arcface_margin_follows_insightface_rules_around_pi():
    # Target cosine below cos(pi - m): cos(theta) - m sin(m), decreasing with the
    # angle (cos(theta + m) would rise again); easy_margin: cos(theta) where <= 0.
    c, m = -0.95, 0.5
    cosines = np.array([[c, 0.0]], "float64")
    with float64():
        value = float(numpy(arcface_loss([0], cosines, margin=m, scale=1.0))[0])
        easy = float(numpy(arcface_loss([0], cosines, scale=1.0, easy_margin=True))[0])
    logit = c - m * np.sin(m)
    assert value == pytest.approx(np.logaddexp(logit, 0.0) - logit, rel=1e-12)
    assert easy == pytest.approx(np.logaddexp(c, 0.0) - c, rel=1e-12)


def test_proxy_anchor_values_average_to_the_paper_batch_loss():
    rng = np.random.default_rng(3)
    cosines = rng.uniform(-1, 1, (10, 6))
    labels = rng.integers(0, 3, 10)  # proxies 3, 4 and 5 have no positive
    with float64():
        values = numpy(proxy_anchor_loss(labels, cosines, margin=0.2, alpha=8.0))
    paper = ref.proxy_anchor(labels, cosines, 0.2, 8.0)
    assert np.mean(values) == pytest.approx(paper, rel=1e-12)
    assert float(
        numpy(ProxyAnchorLoss(margin=0.2, alpha=8.0)(labels, cosines))
    ) == pytest.approx(paper, rel=1e-5)


def test_proxy_anchor_sample_weights_weight_each_share_of_the_batch_loss():
    rng = np.random.default_rng(4)
    cosines = rng.uniform(-1, 1, (8, 3)).astype("float32")
    labels = rng.integers(0, 3, 8)
    shares = numpy(proxy_anchor_loss(labels, cosines))
    weights = np.array([0, 1, 1, 2, 1, 1, 0.5, 1], "float32")
    weighted = float(ProxyAnchorLoss(reduction="sum")(labels, cosines, weights))
    assert weighted == pytest.approx(float(np.sum(weights * shares)), rel=1e-5)


def test_arcface_margin_in_degrees_is_refused():
    with pytest.raises(ValueError, match=r"radians in \[0, pi/2\), got margin=28.6"):
        ArcFaceLoss(margin=28.6)
    ArcFaceLoss(margin=np.radians(28.6))


def test_head_and_arcface_train_by_fit_to_a_lower_loss():
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(3, 8))
    labels = rng.integers(0, 3, 96)
    x = (centres[labels] + rng.normal(0, 0.7, (96, 8))).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(8,)), keras.layers.Dense(16), CosineHead(3)]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=ArcFaceLoss(scale=16.0))
    history = model.fit(x, labels, epochs=8, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]

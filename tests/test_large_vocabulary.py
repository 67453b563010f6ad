"""lossbook.large_vocabulary: the cross-entropy that never builds the logits.

Its value and its gradients with respect to the hidden states, the kernel and
the bias are compared with Keras's own losses on the materialised logits (and
with PyTorch's `cross_entropy` for label smoothing with ignored positions); a
training run follows the unfused head step for step.
"""

import re

import keras
import numpy as np
import pytest
import torch
from helpers import BACKEND, float64, gradients, jit, numpy
from keras import ops

from lossbook.large_vocabulary import (
    ChunkedSoftmaxHead,
    chunked_sparse_categorical_crossentropy,
)

B, T, H, V = 3, 5, 4, 11
PAD = 0
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight"]


def make_inputs(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    hidden = (2 * rng.normal(size=(B, T, H))).astype(dtype)
    kernel = rng.normal(size=(H, V)).astype(dtype)
    bias = rng.normal(size=(V,)).astype(dtype)
    labels = rng.integers(0, V, size=(B, T)).astype("int32")
    labels[:, -2:] = PAD  # padding at the end of each row
    weights = rng.uniform(0.2, 2.0, size=(B, T)).astype(dtype)
    return hidden, kernel, bias, labels, weights


def built_in(labels, hidden, kernel, bias, sample_weight=None, **loss_arguments):
    logits = ops.einsum("bth,hv->btv", hidden, kernel) + bias
    loss = keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, **loss_arguments
    )
    return loss(labels, logits, sample_weight=sample_weight)


def assert_same_value_and_gradients(ours, reference, arrays, rtol=1e-5, atol=1e-6):
    value, grads = gradients(ours, *arrays)
    expected_value, expected_grads = gradients(reference, *arrays)
    np.testing.assert_allclose(value, expected_value, rtol=rtol, atol=atol)
    for got, expected in zip(grads, expected_grads, strict=True):
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("masked", [False, True], ids=["all", "ignored-and-weighted"])
def test_value_and_gradients_equal_the_built_in_on_the_logits(reduction, masked):
    hidden, kernel, bias, labels, weights = make_inputs()
    arguments = {"reduction": reduction}
    if masked:
        arguments["ignore_class"] = PAD
    sample_weight = weights if masked else None

    def ours(hidden, kernel, bias):
        return chunked_sparse_categorical_crossentropy(
            labels,
            hidden,
            kernel,
            bias,
            chunk_size=4,
            sample_weight=sample_weight,
            **arguments,
        )

    def reference(hidden, kernel, bias):
        return built_in(labels, hidden, kernel, bias, sample_weight, **arguments)

    assert_same_value_and_gradients(ours, reference, (hidden, kernel, bias))


def test_a_head_without_bias_takes_none():
    hidden, kernel, _, labels, _ = make_inputs(1)
    zeros = np.zeros(V, "float32")

    def ours(hidden, kernel):
        return chunked_sparse_categorical_crossentropy(labels, hidden, kernel)

    def reference(hidden, kernel):
        return built_in(labels, hidden, kernel, ops.convert_to_tensor(zeros))

    assert_same_value_and_gradients(ours, reference, (hidden, kernel))


def torch_cross_entropy(labels, hidden, kernel, bias, weights, **arguments):
    """PyTorch's value and gradients of sum(weights * loss) / kept positions."""
    tensors = [torch.tensor(a, requires_grad=True) for a in (hidden, kernel, bias)]
    logits = tensors[0].reshape(-1, H) @ tensors[1] + tensors[2]
    per_position = torch.nn.functional.cross_entropy(
        logits,
        torch.tensor(labels.reshape(-1), dtype=torch.long),
        ignore_index=PAD,
        reduction="none",
        **arguments,
    )
    kept = np.sum(labels != PAD)
    value = torch.sum(per_position * torch.tensor(weights.reshape(-1))) / kept
    value.backward()
    return value.item(), [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_float64_ignored_and_smoothed_positions_match_torch_to_1e_12(smoothing):
    hidden, kernel, bias, labels, weights = make_inputs(2, "float64")
    with float64():
        value, grads = gradients(
            lambda hidden, kernel, bias: chunked_sparse_categorical_crossentropy(
                labels,
                hidden,
                kernel,
                bias,
                chunk_size=4,
                sample_weight=weights,
                ignore_class=PAD,
                label_smoothing=smoothing,
            ),
            hidden,
            kernel,
            bias,
        )
    assert value.dtype == np.float64
    expected, expected_grads = torch_cross_entropy(
        labels, hidden, kernel, bias, weights, label_smoothing=smoothing
    )
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    for got, wanted in zip(grads, expected_grads, strict=True):
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, wanted, rtol=1e-12, atol=1e-14)


def test_z_loss_adds_its_weight_times_the_squared_log_partition():
    hidden, kernel, bias, labels, weights = make_inputs(3)

    def ours(hidden, kernel, bias):
        return chunked_sparse_categorical_crossentropy(
            labels,
            hidden,
            kernel,
            bias,
            z_loss=0.05,
            sample_weight=weights,
            reduction="sum",
        )

    def reference(hidden, kernel, bias):
        logits = ops.einsum("bth,hv->btv", hidden, kernel) + bias
        cross_entropy = keras.losses.sparse_categorical_crossentropy(
            labels, logits, from_logits=True
        )
        z = 0.05 * ops.square(ops.logsumexp(logits, axis=-1))
        return ops.sum(ops.convert_to_tensor(weights) * (cross_entropy + z))

    assert_same_value_and_gradients(ours, reference, (hidden, kernel, bias))


@pytest.mark.parametrize("chunk_size", [1, 4, 14, 15, 64])
def test_the_chunk_size_changes_nothing_but_the_memory(chunk_size):
    # 15 positions: chunks of 4 and 14 leave a last chunk that overlaps.
    hidden, kernel, bias, labels, weights = make_inputs(4)

    def loss(chunk_size):
        return lambda hidden, kernel, bias: chunked_sparse_categorical_crossentropy(
            labels,
            hidden,
            kernel,
            bias,
            chunk_size=chunk_size,
            sample_weight=weights,
            ignore_class=PAD,
            label_smoothing=0.1,
        )

    assert_same_value_and_gradients(
        loss(chunk_size), loss(B * T), (hidden, kernel, bias), rtol=1e-6
    )


def test_half_precision_hidden_states_are_summed_in_float32():
    hidden, kernel, bias, labels, _ = make_inputs(6)
    half = ops.cast(hidden, "bfloat16")
    value = chunked_sparse_categorical_crossentropy(labels, half, kernel, bias)
    assert keras.backend.standardize_dtype(value.dtype) == "float32"
    rounded = numpy(ops.cast(half, "float32"))
    expected = built_in(labels, rounded, kernel, bias)
    np.testing.assert_allclose(numpy(value), numpy(expected), rtol=1e-5)


def test_compiled_equals_eager():
    hidden, kernel, bias, labels, weights = make_inputs(7)

    def loss(hidden, kernel, bias, labels, weights):
        return chunked_sparse_categorical_crossentropy(
            labels,
            hidden,
            kernel,
            bias,
            chunk_size=4,
            sample_weight=weights,
            ignore_class=PAD,
        )

    arrays = (hidden, kernel, bias, labels, weights)
    np.testing.assert_allclose(
        numpy(jit(loss)(*arrays)), numpy(loss(*arrays)), rtol=1e-6
    )


@pytest.mark.skipif(BACKEND != "jax", reason="reads JAX's traced program")
def test_jax_never_holds_the_logits_of_every_position():
    import jax

    hidden, kernel, bias, labels, _ = make_inputs(8)

    def loss(hidden, kernel, bias):
        return chunked_sparse_categorical_crossentropy(
            labels, hidden, kernel, bias, chunk_size=4
        )

    program = str(
        jax.make_jaxpr(jax.value_and_grad(loss, (0, 1, 2)))(hidden, kernel, bias)
    )
    assert f"f32[4,{V}]" in program
    assert not re.search(rf"\[(\d+,)*{B * T},{V}\]|\[{B},{T},{V}\]", program)


def test_sample_weights_and_labels_align_like_keras():
    hidden, kernel, bias, labels, weights = make_inputs(9)
    per_row = weights[:, :1]

    def loss(labels, sample_weight):
        return numpy(
            chunked_sparse_categorical_crossentropy(
                labels, hidden, kernel, bias, sample_weight=sample_weight
            )
        )

    np.testing.assert_allclose(
        loss(labels[..., None], None), loss(labels, None), rtol=1e-6
    )
    np.testing.assert_allclose(
        loss(labels, per_row),
        loss(labels, np.broadcast_to(per_row, (B, T))),
        rtol=1e-6,
    )
    with pytest.raises(ValueError, match=re.escape(f"shape {(B,)}")):
        loss(labels, weights[:, 0])


@pytest.mark.parametrize(
    "change, pattern",
    [
        (
            {"y_true": np.zeros((B, T + 1), "int32")},
            rf"\({B}, {T + 1}\).*\({B}, {T}, {H}\)",
        ),
        (
            {"kernel": np.zeros((H + 1, V), "float32")},
            rf"\({H + 1}, {V}\).*\({B}, {T}, {H}\)",
        ),
        ({"bias": np.zeros((V + 1,), "float32")}, rf"\({V + 1},\).*\({H}, {V}\)"),
    ],
    ids=["labels", "kernel", "bias"],
)
def test_shapes_that_do_not_fit_raise_naming_both(change, pattern):
    hidden, kernel, bias, labels, _ = make_inputs()
    arrays = {"y_true": labels, "hidden": hidden, "kernel": kernel, "bias": bias}
    arrays.update(change)
    with pytest.raises(ValueError, match=pattern):
        chunked_sparse_categorical_crossentropy(**arrays)


BAD_ARGUMENTS = [
    ("chunk_size", 0),
    ("chunk_size", 2.5),
    ("ignore_class", 0.5),
    ("label_smoothing", -0.1),
    ("label_smoothing", 1.5),
    ("z_loss", -1e-4),
    ("reduction", None),
    ("reduction", "mean_squared"),
]


@pytest.mark.parametrize("name, value", BAD_ARGUMENTS)
def test_bad_arguments_raise_naming_the_argument_and_its_value(name, value):
    hidden, kernel, bias, labels, _ = make_inputs()
    pattern = re.escape(f"{name}={value!r}")
    with pytest.raises(ValueError, match=pattern):
        chunked_sparse_categorical_crossentropy(
            labels, hidden, kernel, bias, **{name: value}
        )
    with pytest.raises(ValueError, match=pattern):
        ChunkedSoftmaxHead(V, **{name: value})


def test_a_head_of_no_class_is_refused():
    with pytest.raises(ValueError, match=re.escape("num_classes=0")):
        ChunkedSoftmaxHead(0)


def test_without_labels_the_head_returns_the_logits():
    hidden, kernel, bias, *_ = make_inputs(10)
    head = ChunkedSoftmaxHead(V)
    head.build(hidden.shape)
    head.kernel.assign(kernel)
    head.bias.assign(bias)
    np.testing.assert_allclose(
        numpy(head(hidden)), hidden @ kernel + bias, rtol=1e-5, atol=1e-5
    )


def language_model(head):
    tokens = keras.Input((T,), dtype="int32")
    hidden = keras.layers.Embedding(V, H, name="embedding")(tokens)
    hidden = keras.layers.Dense(H, activation="tanh", name="mixer")(hidden)
    if head is None:
        return keras.Model(tokens, keras.layers.Dense(V, name="head")(hidden))
    labels = keras.Input((T,), dtype="int32")
    return keras.Model([tokens, labels], head(hidden, labels))


def copy_weights(source, target):
    for name in ("embedding", "mixer", "head"):
        target.get_layer(name).set_weights(source.get_layer(name).get_weights())


def test_a_training_run_follows_the_unfused_head_step_for_step():
    rng = np.random.default_rng(11)
    tokens = rng.integers(0, V, size=(32, T)).astype("int32")
    labels = np.roll(tokens, -1, axis=1)
    keras.utils.set_random_seed(0)
    unfused = language_model(None)
    fused = language_model(ChunkedSoftmaxHead(V, chunk_size=16, name="head"))
    copy_weights(unfused, fused)
    unfused.compile(
        optimizer=keras.optimizers.SGD(0.5),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    fused.compile(optimizer=keras.optimizers.SGD(0.5))
    run = {"batch_size": 8, "epochs": 3, "shuffle": False, "verbose": 0}
    expected = unfused.fit(tokens, labels, **run).history["loss"]
    got = fused.fit([tokens, labels], **run).history["loss"]
    assert expected[-1] < expected[0]  # it learns
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_a_model_with_the_head_saves_and_loads_in_safe_mode(tmp_path):
    rng = np.random.default_rng(12)
    tokens = rng.integers(0, V, size=(8, T)).astype("int32")
    labels = np.where(np.arange(T) < T - 1, np.roll(tokens, -1, axis=1), PAD)
    head = ChunkedSoftmaxHead(
        V,
        chunk_size=4,
        ignore_class=PAD,
        label_smoothing=0.1,
        z_loss=1e-3,
        name="head",
    )
    model = language_model(head)
    model.compile(optimizer="adam")
    model.fit([tokens, labels], epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert loaded.get_layer("head").get_config() == head.get_config()
    np.testing.assert_allclose(
        loaded.evaluate([tokens, labels], verbose=0),
        model.evaluate([tokens, labels], verbose=0),
        rtol=1e-6,
    )


def test_per_position_weights_reach_the_head_through_its_third_input_in_fit():
    # fit's own sample_weight weights the compiled losses only, never a loss added
    # with add_loss: weights for the head's positions are one of its inputs.
    rng = np.random.default_rng(13)
    tokens = keras.Input((T,), dtype="int32")
    labels = keras.Input((T,), dtype="int32")
    weights = keras.Input((T,))
    hidden = keras.layers.Embedding(V, H)(tokens)
    head = ChunkedSoftmaxHead(V, chunk_size=4)
    model = keras.Model([tokens, labels, weights], head(hidden, labels, weights))
    model.compile(optimizer="sgd")
    x = rng.integers(0, V, size=(8, T)).astype("int32")
    y = np.roll(x, -1, axis=1)
    w = rng.uniform(0, 2, size=(8, T)).astype("float32")
    got = model.evaluate([x, y, w], batch_size=8, verbose=0)
    expected = chunked_sparse_categorical_crossentropy(
        y, keras.Model(tokens, hidden)(x), head.kernel, head.bias, sample_weight=w
    )
    unweighted = model.evaluate([x, y, np.ones_like(w)], batch_size=8, verbose=0)
    np.testing.assert_allclose(got, numpy(expected), rtol=1e-5)
    assert abs(got - unweighted) > 1e-3

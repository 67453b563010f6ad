"""Softmax cross-entropy over many classes that never builds the logits.

With `N` positions, hidden size `H` and `V` classes, the logits of a classifier
head and their gradient are two `N x V` arrays: at `N = 8192` and `V = 65536` in
float32, 2 GiB each, more than the rest of most models. Here the head's
`hidden @ kernel + bias` is computed a chunk of positions at a time, and the
gradient of each chunk is computed with its loss, while its logits are at hand
(the fused loss of Liger-Kernel and of Wijmans et al.'s Cut Cross-Entropy works
the same way): what stays in memory besides the inputs is one chunk's logits,
the gradient with respect to `hidden` (shaped like `hidden`) and the gradients
with respect to `kernel` and `bias` (shaped like them).

The function returns the reduced loss (a scalar): that is what makes the
gradient computable in one pass, since the gradient of a scalar is known up to
one factor before anyone asks for it. Per-position values would need a second
pass over the chunks in the backward pass.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import backend, ops

from lossbook._core import (
    check_closed_unit_interval,
    check_int,
    check_non_negative,
    check_weights_fit,
    mean,
)

REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight")
# Positions per chunk when `chunk_size` is not given. Each chunk multiplies
# matrices of `chunk` rows; below a few hundred rows they use a CPU's arithmetic
# badly (and, for the kernel's gradient, write a kernel-sized product per chunk),
# above it the chunk's logits grow with no gain: see `make bench`'s chunk sweep.
DEFAULT_CHUNK_SIZE = 512


def check_chunk_size(name: str, value: Any) -> int | None:
    if value is None:
        return None
    number = check_int(name, value)
    if number < 1:
        raise ValueError(f"`{name}` must be None or >= 1, got {name}={value!r}.")
    return number


def check_ignore_class(name: str, value: Any) -> int | None:
    return None if value is None else check_int(name, value)


def check_reduction(name: str, value: Any) -> str:
    if value not in REDUCTIONS:
        raise ValueError(
            f"`{name}` must be one of {REDUCTIONS}, got {name}={value!r}. "
            "Per-position values (reduction=None) would need the logits' gradient "
            "for each position, which is what this loss never builds."
        )
    return value


def check_arguments(**arguments: Any) -> dict[str, Any]:
    """The hyperparameters, validated: one path for the function and the layer."""
    return {
        "chunk_size": check_chunk_size("chunk_size", arguments["chunk_size"]),
        "ignore_class": check_ignore_class("ignore_class", arguments["ignore_class"]),
        "label_smoothing": check_closed_unit_interval(
            "label_smoothing", arguments["label_smoothing"]
        ),
        "z_loss": check_non_negative("z_loss", arguments["z_loss"]),
        "reduction": check_reduction("reduction", arguments["reduction"]),
    }


def _accumulation_dtype(*tensors: Any) -> str:
    """float32, or float64 if an input is float64: half precision never sums."""
    dtypes = [backend.standardize_dtype(t.dtype) for t in tensors if t is not None]
    return "float64" if "float64" in dtypes else "float32"


def _align_labels(y_true: Any, hidden: Any) -> Any:
    positions = tuple(hidden.shape[:-1])
    labels = tuple(y_true.shape)
    if len(labels) == len(positions) + 1 and labels[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
        labels = labels[:-1]
    fits = len(labels) == len(positions) and all(
        a is None or b is None or a == b for a, b in zip(labels, positions, strict=True)
    )
    if not fits:
        raise ValueError(
            f"`y_true` of shape {tuple(y_true.shape)} does not fit `hidden` of shape "
            f"{tuple(hidden.shape)}: give one class index per position, of shape "
            f"{positions} (or {positions + (1,)})."
        )
    return y_true


def _position_weights(y_true: Any, sample_weight: Any, ignore_class: Any, dtype: str):
    """A weight per position: the sample weight, 0 where the class is ignored."""
    weights = ops.ones(ops.shape(y_true), dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype)
        check_weights_fit(tuple(y_true.shape), "sample_weight", sample_weight.shape)
        if len(sample_weight.shape) == len(y_true.shape) + 1:
            sample_weight = ops.squeeze(sample_weight, axis=-1)
        while len(sample_weight.shape) < len(y_true.shape):
            sample_weight = ops.expand_dims(sample_weight, -1)
        weights = weights * sample_weight
    if ignore_class is None:
        return weights, None
    kept = ops.cast(ops.not_equal(y_true, ignore_class), dtype)
    return weights * kept, kept


def _reduce(total: Any, weights: Any, kept: Any, reduction: str) -> Any:
    """Keras's reductions of the weighted sum `total` (keras.losses.Loss)."""
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight":
        return _divide_or_zero(total, ops.sum(weights))
    if kept is not None:
        # Keras weights the kept positions by count / kept when a class is
        # ignored: the mean over the positions that count.
        return _divide_or_zero(total, ops.sum(kept))
    return _divide_or_zero(total, ops.cast(ops.size(weights), total.dtype))


def _divide_or_zero(numerator: Any, denominator: Any) -> Any:
    """`ops.divide_no_nan`, which gives float32 for float64 on PyTorch."""
    zero = ops.equal(denominator, 0)
    quotient = numerator / ops.where(zero, ops.ones_like(denominator), denominator)
    return ops.where(zero, ops.zeros_like(quotient), quotient)


def _loss_and_gradients(hidden, kernel, bias, labels, weights, chunk, smoothing, z):
    """sum_i weights[i] * loss[i] and its gradients, a chunk of positions at a time.

    `hidden` is (N, H), `labels` and `weights` (N,), `bias` (V,). Chunk `i` covers
    the positions [start, start + chunk) with start = min(i * chunk, N - chunk):
    the last chunk may overlap the one before, and its positions already counted
    get no weight and keep their gradient.
    """
    n, width = ops.shape(hidden)[0], hidden.shape[1]
    num_classes = kernel.shape[1]
    chunk = _smaller(chunk, n)

    def body(i, carry):
        total, d_hidden, d_kernel, d_bias = carry
        start = _smaller(i * chunk, n - chunk)
        x = ops.slice(hidden, (start, 0), (chunk, width))
        y = ops.slice(labels, (start,), (chunk,))
        new = ops.arange(chunk) + start >= i * chunk
        w = ops.where(new, ops.slice(weights, (start,), (chunk,)), 0)
        # einsum, not matmul: Keras's PyTorch matmul computes float64 in float32.
        logits = ops.einsum("nh,hv->nv", x, kernel) + bias
        lse = ops.logsumexp(logits, axis=-1)
        picked = ops.take_along_axis(logits, y[:, None], axis=-1)[:, 0]
        loss = lse - (1 - smoothing) * picked
        # d loss / d logits = softmax * (1 + 2 z lse) - s / V - (1 - s) one_hot,
        # built in as few passes over the chunk's logits as we can.
        scale = w * (1 + 2 * z * lse) if z else w
        d_logits = ops.exp(logits - lse[:, None]) * scale[:, None]
        if z:
            loss = loss + z * ops.square(lse)
        if smoothing:
            loss = loss - smoothing * mean(logits, -1)
            d_logits = d_logits - (smoothing / num_classes) * w[:, None]
        rows = ops.arange(chunk)
        at_labels = ops.stack([rows, y], axis=1)
        d_label = ops.take_along_axis(d_logits, y[:, None], axis=-1)[:, 0]
        d_logits = ops.scatter_update(
            d_logits, at_labels, d_label - (1 - smoothing) * w
        )
        d_x = ops.einsum("nv,hv->nh", d_logits, kernel)
        before = ops.slice(d_hidden, (start, 0), (chunk, width))
        d_hidden = ops.slice_update(
            d_hidden, (start, 0), ops.where(new[:, None], d_x, before)
        )
        d_kernel = _add_product(d_kernel, x, d_logits)
        d_bias = _accumulate(d_bias, ops.sum(d_logits, axis=0))
        return total + ops.sum(w * loss), d_hidden, d_kernel, d_bias

    start = (
        ops.zeros((), hidden.dtype),
        ops.zeros_like(hidden),
        ops.zeros_like(kernel),
        ops.zeros_like(bias),
    )
    return _for_each_chunk((n + chunk - 1) // chunk, body, start)


def _add_product(total: Any, x: Any, d_logits: Any) -> Any:
    """`total + x.T @ d_logits`, the kernel's gradient summed over the chunks."""
    if backend.backend() == "torch":
        # In place, the product added by the matrix multiplication itself: a
        # kernel-sized product and a new sum per chunk cost PyTorch the memory of
        # two more kernels (no autograd here: the gradient is ours).
        return total.addmm_(x.T, d_logits)
    return total + ops.einsum("nh,nv->hv", x, d_logits)


def _accumulate(total: Any, contribution: Any) -> Any:
    if backend.backend() == "torch":
        return total.add_(contribution)
    return total + contribution


def _for_each_chunk(num_chunks: Any, body: Any, start: Any) -> Any:
    """`ops.fori_loop(0, num_chunks, body, start)`, one iteration at a time."""
    if backend.backend() != "tensorflow":
        return ops.fori_loop(0, num_chunks, body, start)
    import tensorflow as tf

    # TensorFlow runs up to 10 iterations of a loop at once by default, each
    # with its chunk's logits: more memory than the logits of every position.
    return tf.while_loop(
        lambda i, carry: i < num_chunks,
        lambda i, carry: (i + 1, body(i, carry)),
        (0, start),
        parallel_iterations=1,
    )[1]


def _smaller(a: Any, b: Any) -> Any:
    # Python ints where the loop and the shapes are Python's (PyTorch, a known
    # number of positions): a tensor there makes torch.compile's shapes unknown.
    return min(a, b) if isinstance(a, int) and isinstance(b, int) else ops.minimum(a, b)


def _fused_weighted_sum(hidden, kernel, bias, labels, weights, settings):
    """sum_i weights[i] * loss[i], whose gradients were computed with it."""
    if backend.backend() == "torch":
        # Keras's custom_gradient on PyTorch cannot be traced by torch.compile.
        from lossbook._torch_gradient import FusedLoss

        return FusedLoss.apply(hidden, kernel, bias, labels, weights, settings)

    @ops.custom_gradient
    def fused(hidden, kernel, bias):
        total, *grads = _loss_and_gradients(
            hidden, kernel, bias, labels, weights, **settings
        )

        def gradient(upstream):
            return tuple(upstream * g for g in grads)

        return total, gradient

    return fused(hidden, kernel, bias)


def chunked_sparse_categorical_crossentropy(
    y_true: Any,
    hidden: Any,
    kernel: Any,
    bias: Any = None,
    *,
    chunk_size: int | None = None,
    ignore_class: int | None = None,
    label_smoothing: float = 0.0,
    z_loss: float = 0.0,
    sample_weight: Any = None,
    reduction: str = "sum_over_batch_size",
) -> Any:
    """Softmax cross-entropy of `hidden @ kernel + bias`, without building it.

    Formula, for each position `i` with logits `z_i = hidden[i] @ kernel + bias`
    (never stored for more than `chunk_size` positions at a time),
    `lse_i = logsumexp(z_i)`, smoothing `s` and `V` classes:

    ```
    loss_i = lse_i - (1 - s) * z_i[y_i] - s * mean(z_i) + z_loss * lse_i**2
    ```

    then weighted by `sample_weight` (0 where `y_i == ignore_class`) and reduced
    as `keras.losses.Loss` reduces: with `reduction="sum_over_batch_size"` and
    no class ignored, it equals
    `keras.losses.SparseCategoricalCrossentropy(from_logits=True)` on the
    logits, and with `ignore_class` it ignores the same positions as that loss's
    `ignore_class`. With `s > 0` it equals `CategoricalCrossentropy(
    from_logits=True, label_smoothing=s)` on the one-hot labels. The `z_loss`
    term (PaLM's, `1e-4` there) keeps `lse` near 0.

    The gradients with respect to `hidden`, `kernel` and `bias` are computed with
    the loss, chunk by chunk, and kept until the backward pass asks for them: the
    extra memory is one chunk's logits (`chunk_size x V`) and arrays shaped like
    the inputs, instead of the `N x V` logits and their gradient. The sums are
    taken in float32 (float64 if an input is float64), whatever the inputs' dtype.

    Args:
        y_true: Class indices, shape `hidden.shape[:-1]` (or with a trailing 1).
        hidden: The head's inputs, shape `(..., H)`.
        kernel: The head's kernel, shape `(H, V)`.
        bias: The head's bias, shape `(V,)`, or `None`.
        chunk_size: Positions per chunk, an int >= 1, or `None` for 512 (all
            positions, if there are fewer).
        ignore_class: A class index whose positions count for nothing (padding),
            or `None`.
        label_smoothing: `s`, in [0, 1].
        z_loss: The weight of `lse**2`, >= 0.
        sample_weight: A weight per position, of the shape of `y_true`, or of
            fewer axes with trailing axes of size 1, or a scalar.
        reduction: `"sum_over_batch_size"`, `"sum"`, `"mean"` or
            `"mean_with_sample_weight"`, as in `keras.losses.Loss`.

    Returns:
        The reduced loss, a scalar of dtype float32 (float64 for float64 inputs).

    Raises:
        ValueError: If an argument is out of its range, or `y_true` or
            `sample_weight` does not fit `hidden`.

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> from lossbook.large_vocabulary import (
        ...     chunked_sparse_categorical_crossentropy,
        ... )
        >>> rng = np.random.default_rng(0)
        >>> hidden = rng.normal(size=(2, 3, 4)).astype("float32")
        >>> kernel = rng.normal(size=(4, 10)).astype("float32")
        >>> labels = np.array([[1, 2, 3], [4, 5, 6]])
        >>> loss = chunked_sparse_categorical_crossentropy(
        ...     labels, hidden, kernel, chunk_size=4
        ... )
        >>> logits = hidden @ kernel
        >>> built_in = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        >>> bool(np.isclose(float(loss), float(built_in(labels, logits))))
        True
        >>> chunked_sparse_categorical_crossentropy(
        ...     labels, hidden, kernel, label_smoothing=1.5
        ... )
        Traceback (most recent call last):
        ...
        ValueError: `label_smoothing` must be in [0, 1], got label_smoothing=1.5.

    References:
        Wijmans, Huval, Hertzberg, Koltun and Krähenbühl, "Cut Your Losses in
        Large-Vocabulary Language Models", ICLR 2025, arXiv:2411.09009. Chowdhery
        et al., "PaLM: Scaling Language Modeling with Pathways", 2022,
        arXiv:2204.02311 (z-loss).
    """
    settings = check_arguments(
        chunk_size=chunk_size,
        ignore_class=ignore_class,
        label_smoothing=label_smoothing,
        z_loss=z_loss,
        reduction=reduction,
    )
    return _compute(y_true, hidden, kernel, bias, sample_weight, **settings)


def _compute(y_true, hidden, kernel, bias, sample_weight, **settings: Any) -> Any:
    hidden = ops.convert_to_tensor(hidden)
    kernel = ops.convert_to_tensor(kernel)
    bias = None if bias is None else ops.convert_to_tensor(bias)
    y_true = _align_labels(ops.convert_to_tensor(y_true), hidden)
    if len(kernel.shape) != 2 or kernel.shape[0] != hidden.shape[-1]:
        raise ValueError(
            f"`kernel` of shape {tuple(kernel.shape)} does not fit `hidden` of shape "
            f"{tuple(hidden.shape)}: it must be (H, V) with H = {hidden.shape[-1]}."
        )
    if bias is not None and tuple(bias.shape) != (kernel.shape[1],):
        raise ValueError(
            f"`bias` of shape {tuple(bias.shape)} does not fit `kernel` of shape "
            f"{tuple(kernel.shape)}: it must be ({kernel.shape[1]},)."
        )
    dtype = _accumulation_dtype(hidden, kernel, bias)
    weights, kept = _position_weights(
        y_true, sample_weight, settings["ignore_class"], dtype
    )
    labels = ops.reshape(ops.cast(y_true, "int32"), (-1,))
    if settings["ignore_class"] is not None:
        # Any valid index: the position's weight is 0.
        labels = ops.where(ops.equal(labels, settings["ignore_class"]), 0, labels)
    # Without a bias, a bias of zeros whose gradient goes nowhere: one program.
    bias = ops.zeros((kernel.shape[1],), dtype) if bias is None else bias
    total = _fused_weighted_sum(
        ops.reshape(ops.cast(hidden, dtype), (-1, hidden.shape[-1])),
        ops.cast(kernel, dtype),
        ops.cast(bias, dtype),
        labels,
        ops.reshape(weights, (-1,)),
        {
            "chunk": settings["chunk_size"] or DEFAULT_CHUNK_SIZE,
            "smoothing": settings["label_smoothing"],
            "z": settings["z_loss"],
        },
    )
    return _reduce(total, weights, kept, settings["reduction"])


@keras.saving.register_keras_serializable(package="lossbook")
class ChunkedSoftmaxHead(keras.layers.Layer):
    """A softmax classifier head whose training loss never builds the logits.

    `head(hidden)` returns the logits `hidden @ kernel + bias`, shape
    `(..., num_classes)`, for inference on a few positions.
    `head(hidden, labels)` returns the loss of
    `chunked_sparse_categorical_crossentropy` on the head's own kernel and bias,
    and adds it to the model's losses (`add_loss`): a model built on it is
    compiled without a `loss` and trained on inputs that include the labels.
    Weights per position are a third input, `head(hidden, labels, sample_weight)`:
    the `sample_weight` given to `fit` weights the compiled losses only, never a
    loss added with `add_loss`.

    The head, not a `keras.losses.Loss`, computes the loss because a loss only
    sees `y_true` and `y_pred`: here `y_pred` would be the `N x V` logits, the
    array this head exists not to build. Computing the loss inside the layer
    that owns `kernel` and `bias` lets the gradient reach them and the hidden
    states on every backend, and the layer saves and loads like any other.

    Args:
        num_classes: `V`, an int >= 1.
        use_bias: Whether the head has a bias. Defaults to `True`.
        chunk_size: Positions per chunk, as in
            `chunked_sparse_categorical_crossentropy`.
        ignore_class: A class index whose positions count for nothing, or `None`.
        label_smoothing: The label smoothing `s`, in [0, 1].
        z_loss: The weight of the z-loss term, >= 0.
        reduction: How the loss is reduced, as in `keras.losses.Loss` (not `None`).
        kernel_initializer: Initializer of the `(H, V)` kernel. Defaults to
            `"glorot_uniform"`, as for `keras.layers.Dense`.
        **kwargs: Arguments of `keras.layers.Layer` (`name`, `dtype`, ...).

    Raises:
        ValueError: If an argument is out of its range.

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> from lossbook.large_vocabulary import ChunkedSoftmaxHead
        >>> tokens = keras.Input((8,), dtype="int32")
        >>> labels = keras.Input((8,), dtype="int32")
        >>> hidden = keras.layers.Embedding(100, 16)(tokens)
        >>> head = ChunkedSoftmaxHead(100, chunk_size=4, ignore_class=0)
        >>> model = keras.Model([tokens, labels], head(hidden, labels))
        >>> model.compile(optimizer="adam")
        >>> x = np.random.default_rng(0).integers(0, 100, (32, 8))
        >>> history = model.fit([x, np.roll(x, -1, axis=1)], epochs=2, verbose=0)
        >>> len(history.history["loss"])
        2
        >>> tuple(head(keras.ops.ones((3, 16))).shape)
        (3, 100)
    """

    def __init__(
        self,
        num_classes: int,
        *,
        use_bias: bool = True,
        chunk_size: int | None = None,
        ignore_class: int | None = None,
        label_smoothing: float = 0.0,
        z_loss: float = 0.0,
        reduction: str = "sum_over_batch_size",
        kernel_initializer: Any = "glorot_uniform",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.num_classes = check_int("num_classes", num_classes)
        if self.num_classes < 1:
            raise ValueError(
                f"`num_classes` must be >= 1, got num_classes={num_classes!r}."
            )
        self.use_bias = bool(use_bias)
        self.settings = check_arguments(
            chunk_size=chunk_size,
            ignore_class=ignore_class,
            label_smoothing=label_smoothing,
            z_loss=z_loss,
            reduction=reduction,
        )
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(
        self,
        hidden_shape: tuple,
        labels_shape: tuple | None = None,
        sample_weight_shape: tuple | None = None,
    ) -> None:
        self.kernel = self.add_weight(
            name="kernel",
            shape=(hidden_shape[-1], self.num_classes),
            initializer=self.kernel_initializer,
        )
        self.bias = (
            self.add_weight(name="bias", shape=(self.num_classes,), initializer="zeros")
            if self.use_bias
            else None
        )

    def call(self, hidden: Any, labels: Any = None, sample_weight: Any = None) -> Any:
        if labels is None:
            hidden = ops.cast(hidden, self.compute_dtype)
            kernel = ops.cast(self.kernel, self.compute_dtype)
            logits = ops.einsum("...h,hv->...v", hidden, kernel)
            if self.bias is None:
                return logits
            return logits + ops.cast(self.bias, self.compute_dtype)
        loss = _compute(
            labels, hidden, self.kernel, self.bias, sample_weight, **self.settings
        )
        self.add_loss(loss)
        return loss

    def compute_output_spec(
        self, hidden: Any, labels: Any = None, sample_weight: Any = None
    ) -> Any:
        if labels is None:
            shape = (*hidden.shape[:-1], self.num_classes)
            return keras.KerasTensor(shape, dtype=self.compute_dtype)
        dtype = "float64" if self.compute_dtype == "float64" else "float32"
        return keras.KerasTensor((), dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "use_bias": self.use_bias,
            **self.settings,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }

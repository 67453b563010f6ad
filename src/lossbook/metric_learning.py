"""Metric-learning losses: contrastive, triplet (semi-hard and hard mining), NT-Xent.

These are the losses TensorFlow Addons users lost when the package was retired,
rewritten with `keras.ops` so that they run on every Keras 3 backend. The triplet
losses and NT-Xent are batch-level by nature (they compare every sample of a batch
with every other); their functions still return one value per sample, chosen so that
the default `"sum_over_batch_size"` reduction gives the reference's number.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from lossbook._core import (
    FunctionLoss,
    check_bool,
    check_non_negative,
    check_positive,
    empty_values,
    float_dtypes,
    loss_function,
    maximum,
    mean,
    nan_if_not_finite,
    prepare_inputs,
    require_at_run_time,
)


@loss_function(margin=check_non_negative)
def contrastive_loss(y_true: Any, y_pred: Any, *, margin: float = 1.0) -> Any:
    """Contrastive loss of pairs: pull similar pairs together, push others apart.

    Formula:

    ```
    loss = y * d**2 + (1 - y) * max(margin - d, 0)**2
    loss = mean(loss, axis=-1)        # only if the inputs have a trailing axis
    ```

    `d` is the distance between the two embeddings of a pair, `y` is 1 for a
    similar pair and 0 for a dissimilar one. A dissimilar pair costs nothing once it
    is `margin` apart. This is TensorFlow Addons' `contrastive_loss`; for inputs of
    shape `(batch,)` it returns the same values, for `(batch, k)` it averages the
    `k` values of a sample, so that `ContrastiveLoss` with its default reduction
    gives the same number as Addons' `ContrastiveLoss`.

    Args:
        y_true: 1 for similar pairs, 0 for dissimilar ones, shape `(batch,)` or
            `(batch, ..., k)`.
        y_pred: Distances between the two embeddings of each pair, for example
            `keras.ops.norm(a - b, axis=-1)`; same shape as `y_true` (or one
            trailing axis of size 1 more or less).
        margin: The distance beyond which a dissimilar pair costs nothing, a
            number >= 0. Defaults to `1.0`.

    Returns:
        The per-sample loss: shape `(batch,)` for rank-1 inputs, otherwise the
        shape of `y_pred` without its last axis.

    Raises:
        ValueError: If `margin < 0`, or the shapes do not match.

    Examples:
        >>> import numpy as np
        >>> from lossbook import contrastive_loss
        >>> y_true = np.array([1.0, 1.0, 0.0, 0.0])
        >>> distances = np.array([0.0, 0.5, 0.25, 2.0])
        >>> print(np.round(np.asarray(contrastive_loss(y_true, distances)), 4))
        [0.     0.25   0.5625 0.    ]

        The similar pairs cost `d**2`; the dissimilar pair at 0.25 costs
        `(1 - 0.25)**2`, the one at 2.0, beyond the margin, nothing.

    References:
        Hadsell, Chopra and LeCun, "Dimensionality Reduction by Learning an
        Invariant Mapping", CVPR 2006. TensorFlow Addons,
        `tfa.losses.contrastive_loss`.
    """
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    losses = y_true * ops.square(y_pred) + (1.0 - y_true) * ops.square(
        ops.relu(margin - y_pred)
    )
    return ops.cast(mean(losses, axis=-1), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class ContrastiveLoss(FunctionLoss):
    """Contrastive loss of pairs, `y * d**2 + (1 - y) * max(margin - d, 0)**2`.

    The class form of `contrastive_loss`: `y_true` is 1 for similar pairs and 0
    for dissimilar ones, `y_pred` the distance between the two embeddings of each
    pair. A drop-in replacement for TensorFlow Addons' `ContrastiveLoss`.

    Args:
        margin: The distance beyond which a dissimilar pair costs nothing, a
            number >= 0. Defaults to `1.0`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"contrastive_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `margin < 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import ContrastiveLoss
        >>> y_true = np.array([1.0, 1.0, 0.0, 0.0])
        >>> distances = np.array([0.0, 0.5, 0.25, 2.0])
        >>> round(float(ContrastiveLoss()(y_true, distances)), 4)
        0.2031
        >>> round(float(ContrastiveLoss(margin=3.0)(y_true, distances)), 4)
        2.2031
        >>> ContrastiveLoss(margin=-1.0)
        Traceback (most recent call last):
        ...
        ValueError: `margin` must be >= 0, got margin=-1.0.
    """

    def __init__(
        self,
        margin: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "contrastive_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            contrastive_loss, margin=margin, reduction=reduction, name=name, dtype=dtype
        )


def _embeddings_and_first_axis(y_true: Any, y_pred: Any) -> tuple[Any, Any, str]:
    """Converts `y_pred` to its compute dtype; `y_true` is returned as a tensor.

    Half-precision embeddings are computed in float32, like `prepare_inputs` does.
    Raises a ValueError naming both shapes unless `y_pred` has rank 2 and `y_true`
    has rank >= 1 with the same first dimension (unknown dimensions pass).
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    compute_dtype, result_dtype = float_dtypes(y_pred)
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if (
        len(pred_shape) != 2
        or len(true_shape) < 1
        or (
            None not in (true_shape[0], pred_shape[0])
            and true_shape[0] != pred_shape[0]
        )
    ):
        raise ValueError(
            "`y_pred` must have shape (batch, dim) and `y_true` the same first "
            f"dimension, got y_true.shape={true_shape} and y_pred.shape={pred_shape}."
        )
    return y_true, ops.cast(y_pred, compute_dtype), result_dtype


def _labels(y_true: Any, y_pred: Any) -> Any:
    """Class labels of shape `(batch,)` from `(batch,)` or `(batch, 1)`."""
    shape = tuple(y_true.shape)
    if len(shape) == 2 and shape[1] == 1:
        return ops.squeeze(y_true, axis=1)
    if len(shape) != 1:
        raise ValueError(
            "`y_true` must hold one label per sample, shape (batch,) or (batch, 1), "
            f"got y_true.shape={shape} and y_pred.shape={tuple(y_pred.shape)}."
        )
    return y_true


def _nan_if_a_label_is_not_finite(losses: Any, labels: Any) -> Any:
    """A NaN label compares unequal to every label, itself included, and would
    make a class of its own; Keras's losses propagate it, and so do these."""
    if keras.backend.is_float_dtype(labels.dtype):
        return nan_if_not_finite(losses, ops.cast(labels, losses.dtype))
    return losses


def _identity_mask(n: Any) -> Any:
    index = ops.arange(n)
    return ops.equal(ops.expand_dims(index, 1), ops.expand_dims(index, 0))


def _pairwise_distances(embeddings: Any) -> Any:
    """Euclidean distances between all rows, with zero gradient where they are 0."""
    # Distances do not change under a translation; centring the batch first keeps
    # |a|^2 + |b|^2 - 2 a.b from cancelling catastrophically when every embedding
    # is far from the origin.
    x = embeddings - ops.expand_dims(mean(embeddings, axis=0), 0)
    squared_norms = ops.sum(ops.square(x), axis=1)
    # einsum, not matmul: Keras's PyTorch matmul computes float64 in float32.
    squared = (
        ops.expand_dims(squared_norms, 1)
        + ops.expand_dims(squared_norms, 0)
        - 2.0 * ops.einsum("id,jd->ij", x, x)
    )
    zero = ops.logical_or(ops.less_equal(squared, 0.0), _identity_mask(ops.shape(x)[0]))
    # sqrt has an infinite derivative at 0: take it only where the distance is
    # positive (as TensorFlow Addons masks the zeros), so identical embeddings get
    # a zero gradient, not NaN.
    safe = ops.where(zero, ops.ones_like(squared), squared)
    return ops.where(zero, ops.zeros_like(squared), ops.sqrt(safe))


def _label_masks(labels: Any) -> tuple[Any, Any]:
    """(positive, negative) boolean masks: same label but not itself; other label."""
    same = ops.equal(ops.expand_dims(labels, 1), ops.expand_dims(labels, 0))
    positive = ops.logical_and(
        same, ops.logical_not(_identity_mask(ops.shape(labels)[0]))
    )
    return positive, ops.logical_not(same)


def _count_at_most(ascending: Any, queries: Any) -> Any:
    """For each query of row i, how many entries of row i of `ascending` are <= it.

    `searchsorted(side="right")` row by row. Keras's searchsorted takes one row:
    JAX's and PyTorch's vmap map it over the rows, but TensorFlow's
    vectorized_map compared every query with every entry (B**3 memory), so
    there the binary search runs over all rows at once.
    """
    if keras.backend.backend() != "tensorflow":
        return ops.vectorized_map(
            lambda row: ops.searchsorted(row[0], row[1], side="right"),
            (ascending, queries),
        )
    length = ascending.shape[1]
    # 31 halvings cover any row that int32 indices can address.
    steps = length.bit_length() if length is not None else 31
    size = ops.shape(ascending)[1]
    low = ops.zeros_like(queries, dtype="int32")
    high = low + size
    for _ in range(steps):
        active = low < high
        middle = (low + high) // 2
        entry = ops.take_along_axis(ascending, ops.minimum(middle, size - 1), axis=1)
        right = ops.logical_and(active, entry <= queries)
        low = ops.where(right, middle + 1, low)
        high = ops.where(ops.logical_and(active, ops.logical_not(right)), middle, high)
    return low


@loss_function(margin=check_non_negative)
def triplet_semihard_loss(y_true: Any, y_pred: Any, *, margin: float = 1.0) -> Any:
    """Triplet loss with semi-hard negatives mined inside the batch, per anchor.

    Formula:

    ```
    d[a, j] = ||x_a - x_j||                  (Euclidean, "L2")
    for every positive pair (a, p), a != p, label[a] == label[p]:
        n*  = the closest negative with d[a, n] > d[a, p]   (semi-hard)
              or, if there is none, the farthest negative of a
        l[a, p] = max(margin + d[a, p] - d[a, n*], 0)
    P = number of positive pairs in the batch, B = batch size
    loss[a] = (B / P) * sum_p l[a, p]        (0 for every a if P == 0)
    ```

    TensorFlow Addons returns one number per batch, `sum(l) / P`, the mean over
    positive pairs. The per-anchor values above are scaled by `B / P` so that their
    mean, the default `"sum_over_batch_size"` reduction, is exactly that number;
    `"sum"` gives `B` times it. An anchor without a negative in the batch uses
    `d[a, n*] = 0`, as in Addons. Where Addons divides 0 by 0 and returns NaN (a
    batch without any positive pair), this function returns zeros, with zero
    gradients, so that such a batch leaves the weights alone.

    Sample weights weight the anchors: the weight of sample `a` multiplies
    `loss[a]`, the sum of its positive pairs. Mining ignores them: every sample of
    the batch, whatever its weight (0 included), still serves as a positive and a
    negative for the others, and `P` counts all positive pairs. A weight of `k` is
    therefore not the same as repeating a sample `k` times.

    Mining sorts each anchor's negatives and finds, for each positive, the first
    one farther away by binary search: time grows as `B**2 log B` and memory as
    `B**2`, where Addons compares every triple (`B**3` of both).

    Args:
        y_true: Integer class labels, shape `(batch,)` or `(batch, 1)`; any
            numeric dtype (Keras casts them to floatx, exact for labels below
            2**24 in float32).
        y_pred: Embeddings, shape `(batch, dim)`. Addons recommends
            L2-normalised embeddings, for which `margin=1.0` is meaningful.
        margin: The margin of the triplet loss, a number >= 0. Defaults to `1.0`.

    Returns:
        The per-anchor loss, shape `(batch,)`.

    Raises:
        ValueError: If `margin < 0`, `y_pred` is not of rank 2, or `y_true` does
            not hold one label per row of `y_pred`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import triplet_semihard_loss
        >>> labels = np.array([0, 0, 1, 1, 2])
        >>> embeddings = np.array([[0, 0], [0, 0.5], [0.6, 0], [2, 0], [1, 1]])
        >>> loss = triplet_semihard_loss(labels, embeddings)
        >>> print(np.round(np.asarray(loss), 4))
        [1.125  0.8987 1.6537 1.2322 0.    ]
        >>> round(float(np.mean(loss)), 4)  # Addons' number: sum of l / P
        0.9819

        The anchor with label 2 has no positive: it costs nothing, but it still
        serves as a negative for the others. With P = 4 positive pairs in a batch
        of B = 5, every anchor's sum is scaled by 5 / 4.

    References:
        Schroff, Kalenichenko and Philbin, "FaceNet: A Unified Embedding for Face
        Recognition and Clustering", CVPR 2015, arXiv:1503.03832. TensorFlow
        Addons, `tfa.losses.triplet_semihard_loss`.
    """
    y_true, embeddings, result_dtype = _embeddings_and_first_axis(y_true, y_pred)
    labels = _labels(y_true, y_pred)
    if embeddings.shape[0] == 0:
        return empty_values(embeddings, 1, result_dtype)
    distances = _pairwise_distances(embeddings)
    positive, negative = _label_masks(labels)

    # Each anchor's negative distances in increasing order (other entries last, at
    # a fill above every distance, so that a fill never ties with a real one),
    # then for each pair (a, p) how many of them are <= d[a, p]: the next one is
    # the closest negative farther than the positive. A sort and a binary search
    # per anchor, in B**2 memory, where comparing every triple took B**3.
    # amax/amin, not max/min: Keras's torch max() cannot be traced by torch.compile.
    above_all = ops.stop_gradient(ops.amax(distances)) + 1.0
    ascending = ops.sort(ops.where(negative, distances, above_all), axis=1)
    below_or_equal = _count_at_most(ascending, distances)
    # Clipped for the one case of B negatives: a NaN label, unequal to itself,
    # whose row is NaN anyway.
    index = ops.minimum(below_or_equal, ops.shape(distances)[0] - 1)
    closest_outside = ops.take_along_axis(ascending, index, axis=1)
    negatives = ops.sum(ops.cast(negative, below_or_equal.dtype), axis=1, keepdims=True)
    farthest_negative = ops.amax(ops.where(negative, distances, 0.0), axis=1)
    semihard = ops.where(
        below_or_equal < negatives,
        closest_outside,
        ops.expand_dims(farthest_negative, 1),
    )
    pair_losses = ops.where(positive, ops.relu(margin + distances - semihard), 0.0)
    batch_size = ops.cast(ops.shape(distances)[0], distances.dtype)
    num_positives = ops.sum(ops.cast(positive, distances.dtype))
    scale = batch_size / maximum(num_positives, ops.ones_like(num_positives))
    losses = _nan_if_a_label_is_not_finite(ops.sum(pair_losses, axis=1) * scale, labels)
    return ops.cast(losses, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class TripletSemiHardLoss(FunctionLoss):
    """Triplet loss with semi-hard negative mining inside each batch.

    The class form of `triplet_semihard_loss`, a replacement for TensorFlow
    Addons' `TripletSemiHardLoss` (Euclidean distances, its default `"L2"`):
    with the default reduction it returns Addons' number, the mean of
    `max(margin + d(a, p) - d(a, n), 0)` over all positive pairs of the batch,
    and 0 (not NaN) for a batch without positive pairs. Sample weights weight the
    anchors and do not change the mining; see `triplet_semihard_loss`.

    Args:
        margin: The margin of the triplet loss, a number >= 0. Defaults to `1.0`.
        reduction: `"sum_over_batch_size"` (default, Addons' number), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"triplet_semihard_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `margin < 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import TripletSemiHardLoss
        >>> labels = np.array([0, 0, 1, 1, 2])
        >>> embeddings = np.array([[0, 0], [0, 0.5], [0.6, 0], [2, 0], [1, 1]])
        >>> round(float(TripletSemiHardLoss()(labels, embeddings)), 4)
        0.9819
        >>> round(float(TripletSemiHardLoss(margin=0.2)(labels, embeddings)), 4)
        0.2022
        >>> TripletSemiHardLoss(margin=-0.5)
        Traceback (most recent call last):
        ...
        ValueError: `margin` must be >= 0, got margin=-0.5.
    """

    def __init__(
        self,
        margin: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "triplet_semihard_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            triplet_semihard_loss,
            margin=margin,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


@loss_function(margin=check_non_negative, soft=check_bool)
def triplet_hard_loss(
    y_true: Any, y_pred: Any, *, margin: float = 1.0, soft: bool = False
) -> Any:
    """Batch-hard triplet loss: each anchor's farthest positive and closest negative.

    Formula:

    ```
    d[a, j] = ||x_a - x_j||                  (Euclidean, "L2")
    hardest_positive[a] = max d[a, p] over p != a with label[p] == label[a]
                          (0 if a has no positive in the batch)
    hardest_negative[a] = min d[a, n] over n with label[n] != label[a]
                          (max_j d[a, j] if a has no negative in the batch)
    loss[a] = max(hardest_positive[a] - hardest_negative[a] + margin, 0)
    loss[a] = softplus(hardest_positive[a] - hardest_negative[a])   if soft
    ```

    These per-anchor values are TensorFlow Addons' before its mean: with the
    default `"sum_over_batch_size"` reduction the result is Addons' number. The
    rules for missing positives or negatives are Addons' too: an anchor whose label
    is alone in the batch still counts, with a hardest-positive distance of 0; in a
    batch of one label every anchor costs `margin` (`log(2)` if `soft`).

    Sample weights weight the anchors: the weight of sample `a` multiplies
    `loss[a]`. Mining ignores them: every sample of the batch, whatever its weight
    (0 included), can be another anchor's hardest positive or negative. A weight of
    `k` is therefore not the same as repeating a sample `k` times.

    Args:
        y_true: Integer class labels, shape `(batch,)` or `(batch, 1)`; any
            numeric dtype (Keras casts them to floatx, exact for labels below
            2**24 in float32).
        y_pred: Embeddings, shape `(batch, dim)`.
        margin: The margin of the triplet loss, a number >= 0; unused if `soft`.
            Defaults to `1.0`.
        soft: Whether to use the soft margin `softplus(d_ap - d_an)` instead of
            the hinge. Defaults to `False`.

    Returns:
        The per-anchor loss, shape `(batch,)`.

    Raises:
        ValueError: If `margin < 0`, `soft` is not a bool, `y_pred` is not of rank
            2, or `y_true` does not hold one label per row of `y_pred`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import triplet_hard_loss
        >>> labels = np.array([0, 0, 1, 1, 2])
        >>> embeddings = np.array([[0, 0], [0, 0.5], [0.6, 0], [2, 0], [1, 1]])
        >>> print(np.round(np.asarray(triplet_hard_loss(labels, embeddings)), 4))
        [0.9    0.719  1.8    0.9858 0.    ]
        >>> loss = triplet_hard_loss(labels, embeddings, soft=True)
        >>> print(np.round(np.asarray(loss), 4))
        [0.6444 0.5625 1.1711 0.6861 0.2931]

        The last anchor, alone with its label, compares a positive distance of 0
        with its closest negative, as in Addons.

    References:
        Hermans, Beyer and Leibe, "In Defense of the Triplet Loss for Person
        Re-Identification", 2017, arXiv:1703.07737. TensorFlow Addons,
        `tfa.losses.triplet_hard_loss`.
    """
    y_true, embeddings, result_dtype = _embeddings_and_first_axis(y_true, y_pred)
    labels = _labels(y_true, y_pred)
    if embeddings.shape[0] == 0:
        return empty_values(embeddings, 1, result_dtype)
    distances = _pairwise_distances(embeddings)
    positive, negative = _label_masks(labels)
    # Distances are >= 0, so 0 is a neutral fill for a maximum (and is Addons'
    # value for an anchor without positives); the row maximum is Addons' value for
    # an anchor without negatives.
    hardest_positive = ops.amax(ops.where(positive, distances, 0.0), axis=1)
    row_max = ops.amax(distances, axis=1, keepdims=True)
    hardest_negative = ops.amin(ops.where(negative, distances, row_max), axis=1)
    gap = hardest_positive - hardest_negative
    losses = ops.softplus(gap) if soft else ops.relu(gap + margin)
    return ops.cast(_nan_if_a_label_is_not_finite(losses, labels), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class TripletHardLoss(FunctionLoss):
    """Batch-hard triplet loss: farthest positive against closest negative.

    The class form of `triplet_hard_loss`, a replacement for TensorFlow Addons'
    `TripletHardLoss` (Euclidean distances, its default `"L2"`): with the default
    reduction it returns Addons' number, the mean over anchors. Sample weights
    weight the anchors and do not change the mining; see `triplet_hard_loss`.

    Args:
        margin: The margin of the triplet loss, a number >= 0; unused if `soft`.
            Defaults to `1.0`.
        soft: Whether to use the soft margin `softplus(d_ap - d_an)`. Defaults to
            `False`.
        reduction: `"sum_over_batch_size"` (default, Addons' number), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"triplet_hard_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `margin < 0` or `soft` is not a bool.

    Examples:
        >>> import numpy as np
        >>> from lossbook import TripletHardLoss
        >>> labels = np.array([0, 0, 1, 1, 2])
        >>> embeddings = np.array([[0, 0], [0, 0.5], [0.6, 0], [2, 0], [1, 1]])
        >>> round(float(TripletHardLoss()(labels, embeddings)), 4)
        0.881
        >>> round(float(TripletHardLoss(soft=True)(labels, embeddings)), 4)
        0.6714
        >>> TripletHardLoss(soft=1)
        Traceback (most recent call last):
        ...
        ValueError: `soft` must be True or False, got soft=1 of type int.
    """

    def __init__(
        self,
        margin: float = 1.0,
        soft: bool = False,
        reduction: str | None = "sum_over_batch_size",
        name: str = "triplet_hard_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            triplet_hard_loss,
            margin=margin,
            soft=soft,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


@loss_function(temperature=check_positive)
def nt_xent_loss(y_true: Any, y_pred: Any, *, temperature: float = 0.5) -> Any:
    """SimCLR's normalized temperature-scaled cross-entropy (NT-Xent), per row.

    Formula:

    ```
    z_i = y_pred[i] / ||y_pred[i]||           rows i and i + N: two views of one
    s[i, j] = z_i . z_j / temperature         example, batch size 2N
    pos(i) = (i + N) mod 2N
    loss[i] = -log( exp(s[i, pos(i)]) / sum_{j != i} exp(s[i, j]) )
    ```

    Each row is a cross-entropy over the other `2N - 1` rows: its other view is the
    positive, the remaining `2N - 2` rows are negatives, its similarity to itself
    is left out. The mean of the `2N` values, the default `"sum_over_batch_size"`
    reduction, is SimCLR's loss. The temperature sits inside the softmax, so it
    changes the shape of the loss: a low temperature concentrates the gradient on
    the hardest negatives. The value is computed as
    `softplus(logsumexp_n(s[i, n] - s[i, pos(i)]))` over the negatives `n`, which
    keeps the digits of a small loss; that is one `exp` per pair of rows. Norms use
    `rsqrt(max(||y||**2, 1e-12))`, as `tf.math.l2_normalize` does, so an all-zero
    embedding gives finite values.

    `y_true` is ignored: the pairing comes from the order of the rows. It must
    only have the batch as its first dimension, so that Keras can slice it with
    `y_pred`; in `fit`, pass a dummy array such as `np.zeros((2 * N,))` or
    `np.zeros((2 * N, 1))`, and keep each batch laid out as `[views_1; views_2]`
    (no shuffling that separates the two views, an even `batch_size`).

    Sample weights weight the rows (each view's cross-entropy); every row still
    serves as a negative for the others, whatever its weight.

    Args:
        y_true: Ignored, except that its first dimension must be `2N`.
        y_pred: Embeddings, shape `(2N, dim)`: rows `i` and `i + N` are two views
            (augmentations) of the same example.
        temperature: The softmax temperature, a number > 0. Defaults to `0.5`.

    Returns:
        The per-row loss, shape `(2N,)`.

    Raises:
        ValueError: If `temperature <= 0`, `y_pred` is not of rank 2, its batch
            size is odd (checked when it is known at trace time), or the first
            dimensions of `y_true` and `y_pred` differ.

    Examples:
        >>> import numpy as np
        >>> from lossbook import nt_xent_loss
        >>> views_1 = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> views_2 = np.array([[0.9, 0.1], [0.2, 0.8]])
        >>> y_pred = np.concatenate([views_1, views_2])
        >>> dummy = np.zeros((4,))
        >>> print(np.round(np.asarray(nt_xent_loss(dummy, y_pred)), 4))
        [0.3071 0.2798 0.3686 0.4198]
        >>> nt_xent_loss(np.zeros((3,)), y_pred[:3])
        Traceback (most recent call last):
        ...
        ValueError: The batch must hold two views of each example (an even size 2N), got y_true.shape=(3,) and y_pred.shape=(3, 2).

    References:
        Chen, Kornblith, Norouzi and Hinton, "A Simple Framework for Contrastive
        Learning of Visual Representations", ICML 2020, arXiv:2002.05709.
    """  # noqa: E501
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if len(pred_shape) != 2:
        raise ValueError(
            "`y_pred` must have shape (2N, dim), got "
            f"y_true.shape={true_shape} and y_pred.shape={pred_shape}."
        )
    if len(true_shape) < 1 or (
        None not in (true_shape[0], pred_shape[0]) and true_shape[0] != pred_shape[0]
    ):
        raise ValueError(
            "`y_true` and `y_pred` must have the same first dimension, got "
            f"y_true.shape={true_shape} and y_pred.shape={pred_shape}."
        )
    if pred_shape[0] is not None and pred_shape[0] % 2:
        raise ValueError(
            "The batch must hold two views of each example (an even size 2N), got "
            f"y_true.shape={true_shape} and y_pred.shape={pred_shape}."
        )
    _, embeddings, result_dtype = _embeddings_and_first_axis(y_true, y_pred)
    if embeddings.shape[0] == 0:
        return empty_values(embeddings, 1, result_dtype)
    squared_norms = ops.sum(ops.square(embeddings), axis=1, keepdims=True)
    z = embeddings * ops.rsqrt(maximum(squared_norms, 1e-12))
    cosines = ops.einsum("id,jd->ij", z, z)
    size = ops.shape(cosines)[0]
    index = ops.arange(size)
    # The divisor is never 0: an empty batch only reaches here when its size is
    # unknown until run time.
    partner = (index + size // 2) % ops.maximum(size, 1)
    positive = ops.take_along_axis(cosines, ops.expand_dims(partner, 1), axis=1)
    # -log(e^p / (e^p + sum_n e^n)) = softplus(logsumexp_n(n - p)): relative to the
    # positive, and with log1p inside softplus, a small loss keeps its digits
    # (logsumexp(all) - p would cancel them at a low temperature).
    margins = (cosines - positive) / temperature
    excluded = ops.logical_or(
        _identity_mask(size),
        ops.equal(ops.expand_dims(partner, 1), ops.expand_dims(index, 0)),
    )
    # Cosines lie in [-1, 1], so margins lie in [-2/T, 2/T]: this fill adds at
    # most e**-100 relative to a real negative, and keeps a batch of a single pair
    # (no negative at all) finite, with a loss of 0.
    margins = ops.where(excluded, -2.0 / temperature - 100.0, margins)
    losses = ops.softplus(ops.logsumexp(margins, axis=1))
    if pred_shape[0] is None:
        # The batch size is only known now (TensorFlow graphs): an odd one cannot
        # be split into two views, and must not train silently on wrong pairs.
        losses = require_at_run_time(
            losses,
            size % 2 == 0,
            "The batch must hold two views of each example (an even size 2N).",
        )
    return ops.cast(losses, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class NTXentLoss(FunctionLoss):
    """SimCLR's NT-Xent contrastive loss over a batch of paired views.

    The class form of `nt_xent_loss`. `y_pred` holds `2N` embeddings, rows `i`
    and `i + N` being two views of one example; `y_true` is ignored (pass a dummy
    array of shape `(2N,)` or `(2N, 1)`). With the default reduction it returns
    SimCLR's loss, the mean of the `2N` row cross-entropies.

    Args:
        temperature: The softmax temperature, a number > 0. Defaults to `0.5`.
        reduction: `"sum_over_batch_size"` (default, SimCLR's mean), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"nt_xent_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `temperature <= 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import NTXentLoss
        >>> views_1 = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> views_2 = np.array([[0.9, 0.1], [0.2, 0.8]])
        >>> y_pred = np.concatenate([views_1, views_2])
        >>> dummy = np.zeros((4, 1))
        >>> round(float(NTXentLoss()(dummy, y_pred)), 4)
        0.3438
        >>> round(float(NTXentLoss(temperature=0.1)(dummy, y_pred)), 4)
        0.0013
        >>> NTXentLoss(temperature=0.0)
        Traceback (most recent call last):
        ...
        ValueError: `temperature` must be > 0, got temperature=0.0.
    """

    def __init__(
        self,
        temperature: float = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str = "nt_xent_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            nt_xent_loss,
            temperature=temperature,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )

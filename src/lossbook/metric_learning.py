"""Metric-learning losses: contrastive, triplet (semi-hard and hard mining), NT-Xent.

These are the losses TensorFlow Addons users lost when the package was retired,
rewritten with `keras.ops` so that they run on every Keras 3 backend. The triplet
losses and NT-Xent are batch-level by nature (they compare every sample of a batch
with every other); their functions still return one value per sample, chosen so that
the default `"sum_over_batch_size"` reduction gives the reference's number.
"""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops

from lossbook._core import (
    FunctionLoss,
    check_bool,
    check_choice,
    check_finite,
    check_int,
    check_non_negative,
    check_positive,
    empty_values,
    float_dtypes,
    l2_normalize,
    loss_function,
    maximum,
    mean,
    nan_if_not_finite,
    prepare_inputs,
    require_at_run_time,
)


def _check_similar_label(name: str, value: Any) -> int:
    label = check_int(name, value)
    if label not in (0, 1):
        raise ValueError(f"`{name}` must be 0 or 1, got {name}={value!r}.")
    return label


def _check_output(name: str, value: Any) -> str:
    return check_choice(name, value, ("distance", "similarity"))


@loss_function(
    margin=check_non_negative, output=_check_output, similar_label=_check_similar_label
)
def contrastive_loss(
    y_true: Any,
    y_pred: Any,
    *,
    margin: float = 1.0,
    output: str = "distance",
    similar_label: int = 1,
) -> Any:
    """Contrastive loss of pairs: pull similar pairs together, push others apart.

    Formula:

    ```
    y = y_true if similar_label == 1 else 1 - y_true      (1: a similar pair)
    output="distance":   loss = y * d**2 + (1 - y) * max(margin - d, 0)**2
    output="similarity": loss = y * max(margin - s, 0)**2 + (1 - y) * s**2
    loss = mean(loss, axis=-1)        # only if the inputs have a trailing axis
    ```

    With the defaults, `d` is the distance between the two embeddings of a pair
    and `y_true` is 1 for a similar pair, 0 for a dissimilar one: a similar pair
    costs its squared distance, a dissimilar pair costs nothing once it is
    `margin` apart. This is TensorFlow Addons' `contrastive_loss`; for inputs of
    shape `(batch,)` it returns the same values, for `(batch, k)` it averages the
    `k` values of a sample, so that `ContrastiveLoss` with its default reduction
    gives the same number as Addons' `ContrastiveLoss`.

    `output="similarity"` is for a model whose output `s` grows with similarity,
    such as a sigmoid score in [0, 1]: a similar pair costs nothing once
    `s >= margin`, a dissimilar pair costs `s**2` (it is pushed to 0). This is the
    loss of keras.io's siamese contrastive example, whose labels are 1 for a
    matching pair. `similar_label=0` reads `y_true` the other way round (0 marks
    the similar pairs). Both exist as arguments because swapping roles by hand is
    easy to get half right, and the model then trains, without any error,
    towards the opposite of what its accuracy metric measures.

    Args:
        y_true: Pair labels, 1 (or 0 if `similar_label=0`) for similar pairs,
            shape `(batch,)` or `(batch, ..., k)`.
        y_pred: Distances between the two embeddings of each pair, for example
            `keras.ops.norm(a - b, axis=-1)`, or similarity scores if
            `output="similarity"`; same shape as `y_true` (or one trailing axis of
            size 1 more or less).
        margin: With distances, the distance beyond which a dissimilar pair costs
            nothing; with similarities, the score beyond which a similar pair
            costs nothing. A number >= 0. Defaults to `1.0`.
        output: What `y_pred` holds, `"distance"` (default) or `"similarity"`.
        similar_label: The label of a similar pair, `1` (default) or `0`.

    Returns:
        The per-sample loss: shape `(batch,)` for rank-1 inputs, otherwise the
        shape of `y_pred` without its last axis.

    Raises:
        ValueError: If `margin < 0`, `output` is neither `"distance"` nor
            `"similarity"`, `similar_label` is not 0 or 1, or the shapes do not
            match.

    Examples:
        >>> import numpy as np
        >>> from lossbook import contrastive_loss
        >>> y_true = np.array([1.0, 1.0, 0.0, 0.0])
        >>> distances = np.array([0.0, 0.5, 0.25, 2.0])
        >>> print(np.round(np.asarray(contrastive_loss(y_true, distances)), 4))
        [0.     0.25   0.5625 0.    ]

        The similar pairs cost `d**2`; the dissimilar pair at 0.25 costs
        `(1 - 0.25)**2`, the one at 2.0, beyond the margin, nothing.

        >>> import numpy as np
        >>> from lossbook import contrastive_loss
        >>> y_true = np.array([1.0, 1.0, 0.0, 0.0])
        >>> scores = np.array([0.9, 0.4, 0.3, 0.0])
        >>> loss = contrastive_loss(y_true, scores, output="similarity")
        >>> print(np.round(np.asarray(loss), 4))
        [0.01 0.36 0.09 0.  ]

        With similarity scores, the similar pairs cost `(1 - s)**2` and the
        dissimilar ones `s**2`.

    References:
        Hadsell, Chopra and LeCun, "Dimensionality Reduction by Learning an
        Invariant Mapping", CVPR 2006. TensorFlow Addons,
        `tfa.losses.contrastive_loss`. keras.io, "Image similarity estimation
        using a Siamese Network with a contrastive loss" (Mehdi, 2021).
    """
    y_true, y_pred, result_dtype = prepare_inputs(y_true, y_pred)
    similar = y_true if similar_label == 1 else 1.0 - y_true
    attract = ops.square(y_pred)
    repel = ops.square(ops.relu(margin - y_pred))
    if output == "similarity":
        attract, repel = repel, attract
    losses = similar * attract + (1.0 - similar) * repel
    return ops.cast(mean(losses, axis=-1), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class ContrastiveLoss(FunctionLoss):
    """Contrastive loss of pairs, `y * d**2 + (1 - y) * max(margin - d, 0)**2`.

    The class form of `contrastive_loss`: `y_true` is 1 for similar pairs and 0
    for dissimilar ones, `y_pred` the distance between the two embeddings of each
    pair. A drop-in replacement for TensorFlow Addons' `ContrastiveLoss`;
    `output="similarity"` serves models that output a similarity score (keras.io's
    siamese example), `similar_label=0` labels where 1 marks a dissimilar pair.

    Args:
        margin: With distances, the distance beyond which a dissimilar pair costs
            nothing; with similarities, the score beyond which a similar pair
            costs nothing. A number >= 0. Defaults to `1.0`.
        output: What `y_pred` holds, `"distance"` (default) or `"similarity"`.
        similar_label: The label of a similar pair, `1` (default) or `0`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"contrastive_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `margin < 0`, `output` is neither `"distance"` nor
            `"similarity"`, or `similar_label` is not 0 or 1.

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
        output: str = "distance",
        similar_label: int = 1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "contrastive_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            contrastive_loss,
            margin=margin,
            output=output,
            similar_label=similar_label,
            reduction=reduction,
            name=name,
            dtype=dtype,
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


def _softplus(x: Any) -> Any:
    """`log(1 + e**x)` to the last digit: Keras's PyTorch softplus returns `x`
    itself above 20, off by about e**-x (2e-9 at 20), which float64 shows."""
    positive = x > 0.0
    exponential = ops.exp(ops.where(positive, -x, x))
    return ops.where(positive, x, ops.zeros_like(x)) + ops.log1p(exponential)


def _identity_mask(n: Any) -> Any:
    index = ops.arange(n)
    return ops.equal(ops.expand_dims(index, 1), ops.expand_dims(index, 0))


def _pairwise_distances(embeddings: Any, squared: bool = False) -> Any:
    """Euclidean distances between all rows (or their squares if `squared`).

    Zero on the diagonal and wherever rounding makes a square negative, with a
    zero gradient where a distance is 0.
    """
    # Distances do not change under a translation; centring the batch first keeps
    # |a|^2 + |b|^2 - 2 a.b from cancelling catastrophically when every embedding
    # is far from the origin.
    x = embeddings - ops.expand_dims(mean(embeddings, axis=0), 0)
    squared_norms = ops.sum(ops.square(x), axis=1)
    # einsum, not matmul: Keras's PyTorch matmul computes float64 in float32.
    squares = (
        ops.expand_dims(squared_norms, 1)
        + ops.expand_dims(squared_norms, 0)
        - 2.0 * ops.einsum("id,jd->ij", x, x)
    )
    zero = ops.logical_or(ops.less_equal(squares, 0.0), _identity_mask(ops.shape(x)[0]))
    if squared:
        return ops.where(zero, ops.zeros_like(squares), squares)
    # sqrt has an infinite derivative at 0: take it only where the distance is
    # positive (as TensorFlow Addons masks the zeros), so identical embeddings get
    # a zero gradient, not NaN.
    safe = ops.where(zero, ops.ones_like(squares), squares)
    return ops.where(zero, ops.zeros_like(squares), ops.sqrt(safe))


DISTANCE_METRICS = ("L2", "squared-L2", "angular")


def check_distance_metric(name: str, value: Any) -> Any:
    """One of `DISTANCE_METRICS`, or a callable from embeddings to distances."""
    return value if callable(value) else check_choice(name, value, DISTANCE_METRICS)


def _distance_matrix(embeddings: Any, distance_metric: Any) -> Any:
    """The `(B, B)` distances of TensorFlow Addons' `distance_metric` argument."""
    if distance_metric == "L2":
        return _pairwise_distances(embeddings)
    if distance_metric == "squared-L2":
        return _pairwise_distances(embeddings, squared=True)
    if distance_metric == "angular":
        # 1 - cosine, floored at 1e-16 as Addons does (its diagonal is 1e-16, not 0).
        z = l2_normalize(embeddings)
        return maximum(1.0 - ops.einsum("id,jd->ij", z, z), 1e-16)
    distances = ops.convert_to_tensor(distance_metric(embeddings))
    size = embeddings.shape[0]
    if len(distances.shape) != 2 or not all(
        None in (dimension, size) or dimension == size for dimension in distances.shape
    ):
        raise ValueError(
            "`distance_metric` must return a (batch, batch) matrix, got shape "
            f"{tuple(distances.shape)} for embeddings of shape "
            f"{tuple(embeddings.shape)}."
        )
    return ops.cast(distances, embeddings.dtype)


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


@loss_function(margin=check_non_negative, distance_metric=check_distance_metric)
def triplet_semihard_loss(
    y_true: Any, y_pred: Any, *, margin: float = 1.0, distance_metric: Any = "L2"
) -> Any:
    """Triplet loss with semi-hard negatives mined inside the batch, per anchor.

    Formula:

    ```
    d[a, j] = ||x_a - x_j||                  (distance_metric="L2", the default)
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
    the smallest distance of its row for `d[a, n*]` (0, its distance to itself,
    with `"L2"`), as in Addons. Where Addons divides 0 by 0 and returns NaN (a
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
        distance_metric: TensorFlow Addons' argument: `"L2"` (Euclidean
            distances, the default), `"squared-L2"` (their squares), `"angular"`
            (`1 - cosine similarity`, floored at `1e-16` as in Addons), or a
            callable from the `(batch, dim)` embeddings to a `(batch, batch)`
            distance matrix.

    Returns:
        The per-anchor loss, shape `(batch,)`.

    Raises:
        ValueError: If `margin < 0`, `distance_metric` is none of the above,
            `y_pred` is not of rank 2, or `y_true` does not hold one label per row
            of `y_pred`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import triplet_semihard_loss
        >>> labels = np.array([0, 0, 1, 1, 2])
        >>> embeddings = np.array([[0, 0], [0, 0.5], [0.6, 0], [2, 0], [1, 1]])
        >>> loss = triplet_semihard_loss(labels, embeddings)
        >>> print(np.round(np.asarray(loss), 4))
        [1.125  0.8987 1.6537 1.2322 0.    ]
        >>> round(float(np.asarray(loss).mean()), 4)  # Addons' number: sum of l / P
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
    distances = _distance_matrix(embeddings, distance_metric)
    positive, negative = _label_masks(labels)
    # Addons' fill for an empty mask: a maximum over no entry is the row's minimum.
    row_min = ops.amin(distances, axis=1, keepdims=True)

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
    farthest_negative = ops.amax(ops.where(negative, distances, row_min), axis=1)
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


class _DistanceMetricConfig(FunctionLoss):
    """Saves a callable `distance_metric` as Keras serializes functions.

    A function registered with `keras.saving.register_keras_serializable` loads
    back, with `safe_mode=True` too; a lambda loads only with `safe_mode=False`.
    """

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if callable(config["distance_metric"]):
            config["distance_metric"] = keras.saving.serialize_keras_object(
                config["distance_metric"]
            )
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        if isinstance(config.get("distance_metric"), dict):
            config = {
                **config,
                "distance_metric": keras.saving.deserialize_keras_object(
                    config["distance_metric"]
                ),
            }
        return super().from_config(config)


@keras.saving.register_keras_serializable(package="lossbook")
class TripletSemiHardLoss(_DistanceMetricConfig):
    """Triplet loss with semi-hard negative mining inside each batch.

    The class form of `triplet_semihard_loss`, a replacement for TensorFlow
    Addons' `TripletSemiHardLoss`, with its `distance_metric` argument:
    with the default reduction it returns Addons' number, the mean of
    `max(margin + d(a, p) - d(a, n), 0)` over all positive pairs of the batch,
    and 0 (not NaN) for a batch without positive pairs. Sample weights weight the
    anchors and do not change the mining; see `triplet_semihard_loss`.

    Args:
        margin: The margin of the triplet loss, a number >= 0. Defaults to `1.0`.
        distance_metric: `"L2"` (default), `"squared-L2"`, `"angular"` or a
            callable from embeddings to a `(batch, batch)` distance matrix; a
            callable saves with the model if it is registered with
            `keras.saving.register_keras_serializable`.
        reduction: `"sum_over_batch_size"` (default, Addons' number), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"triplet_semihard_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `margin < 0` or `distance_metric` is none of the above.

    Examples:
        >>> import numpy as np
        >>> from lossbook import TripletSemiHardLoss
        >>> labels = np.array([0, 0, 1, 1, 2])
        >>> embeddings = np.array([[0, 0], [0, 0.5], [0.6, 0], [2, 0], [1, 1]])
        >>> round(float(TripletSemiHardLoss()(labels, embeddings)), 4)
        0.9819
        >>> round(float(TripletSemiHardLoss(margin=0.2)(labels, embeddings)), 4)
        0.2022
        >>> loss = TripletSemiHardLoss(distance_metric="angular")
        >>> round(float(loss(labels, embeddings)), 4)
        0.8536
        >>> TripletSemiHardLoss(margin=-0.5)
        Traceback (most recent call last):
        ...
        ValueError: `margin` must be >= 0, got margin=-0.5.
    """

    def __init__(
        self,
        margin: float = 1.0,
        distance_metric: Any = "L2",
        reduction: str | None = "sum_over_batch_size",
        name: str = "triplet_semihard_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            triplet_semihard_loss,
            margin=margin,
            distance_metric=distance_metric,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


@loss_function(
    margin=check_non_negative, soft=check_bool, distance_metric=check_distance_metric
)
def triplet_hard_loss(
    y_true: Any,
    y_pred: Any,
    *,
    margin: float = 1.0,
    soft: bool = False,
    distance_metric: Any = "L2",
) -> Any:
    """Batch-hard triplet loss: each anchor's farthest positive and closest negative.

    Formula:

    ```
    d[a, j] = ||x_a - x_j||                  (distance_metric="L2", the default)
    hardest_positive[a] = max d[a, p] over p != a with label[p] == label[a]
                          (min_j d[a, j], 0 with "L2", if a has no positive)
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
        distance_metric: TensorFlow Addons' argument: `"L2"` (Euclidean
            distances, the default), `"squared-L2"` (their squares), `"angular"`
            (`1 - cosine similarity`, floored at `1e-16` as in Addons), or a
            callable from the `(batch, dim)` embeddings to a `(batch, batch)`
            distance matrix.

    Returns:
        The per-anchor loss, shape `(batch,)`.

    Raises:
        ValueError: If `margin < 0`, `soft` is not a bool, `distance_metric` is
            none of the above, `y_pred` is not of rank 2, or `y_true` does not
            hold one label per row of `y_pred`.

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
    distances = _distance_matrix(embeddings, distance_metric)
    positive, negative = _label_masks(labels)
    # Addons' fills for an anchor without positives (the row minimum, 0 with
    # "L2") or without negatives (the row maximum): neutral for the max and min.
    row_min = ops.amin(distances, axis=1, keepdims=True)
    hardest_positive = ops.amax(ops.where(positive, distances, row_min), axis=1)
    row_max = ops.amax(distances, axis=1, keepdims=True)
    hardest_negative = ops.amin(ops.where(negative, distances, row_max), axis=1)
    gap = hardest_positive - hardest_negative
    losses = ops.softplus(gap) if soft else ops.relu(gap + margin)
    return ops.cast(_nan_if_a_label_is_not_finite(losses, labels), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class TripletHardLoss(_DistanceMetricConfig):
    """Batch-hard triplet loss: farthest positive against closest negative.

    The class form of `triplet_hard_loss`, a replacement for TensorFlow Addons'
    `TripletHardLoss`, with its `distance_metric` argument: with the default
    reduction it returns Addons' number, the mean over anchors. Sample weights
    weight the anchors and do not change the mining; see `triplet_hard_loss`.

    Args:
        margin: The margin of the triplet loss, a number >= 0; unused if `soft`.
            Defaults to `1.0`.
        soft: Whether to use the soft margin `softplus(d_ap - d_an)`. Defaults to
            `False`.
        distance_metric: `"L2"` (default), `"squared-L2"`, `"angular"` or a
            callable from embeddings to a `(batch, batch)` distance matrix; a
            callable saves with the model if it is registered with
            `keras.saving.register_keras_serializable`.
        reduction: `"sum_over_batch_size"` (default, Addons' number), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"triplet_hard_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `margin < 0`, `soft` is not a bool or `distance_metric` is
            none of the above.

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
        distance_metric: Any = "L2",
        reduction: str | None = "sum_over_batch_size",
        name: str = "triplet_hard_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            triplet_hard_loss,
            margin=margin,
            soft=soft,
            distance_metric=distance_metric,
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

    `y_true` is ignored: the pairing comes from the order of the rows. It may be
    `None`, and `NTXentLoss` trains with `model.fit(x)` and no targets; an array
    passed anyway must have the batch as its first dimension. Keep each batch laid
    out as `[views_1; views_2]` (no shuffling that separates the two views, an
    even `batch_size`). Each row's candidates are the `2N - 1` other rows, both
    views included; `cross_view_info_nce_loss` is the form whose candidates are
    the `N` rows of the other view only (keras.io's SimCLR example, CLIP).

    Sample weights weight the rows (each view's cross-entropy); every row still
    serves as a negative for the others, whatever its weight.

    Args:
        y_true: Ignored, or `None`; if given, its first dimension must be `2N`.
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
        >>> print(np.round(np.asarray(nt_xent_loss(None, y_pred)), 4))
        [0.3071 0.2798 0.3686 0.4198]
        >>> nt_xent_loss(np.zeros((3,)), y_pred[:3])
        Traceback (most recent call last):
        ...
        ValueError: The batch must hold two views of each example (an even size 2N), got y_true.shape=(3,) and y_pred.shape=(3, 2).

    References:
        Chen, Kornblith, Norouzi and Hinton, "A Simple Framework for Contrastive
        Learning of Visual Representations", ICML 2020, arXiv:2002.05709.
    """  # noqa: E501
    embeddings, result_dtype = _paired_views(y_true, y_pred)
    if embeddings.shape[0] == 0:
        return empty_values(embeddings, 1, result_dtype)
    z = l2_normalize(embeddings)
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
    return ops.cast(_even_at_run_time(losses, embeddings), result_dtype)


def _paired_views(y_true: Any, y_pred: Any) -> tuple[Any, str]:
    """The `(2N, dim)` embeddings `[views_1; views_2]` in their compute dtype.

    `y_true` is ignored but for its first dimension; it may be `None`. Raises a
    ValueError naming both shapes for a rank other than 2, a first dimension that
    differs from `y_true`'s, or an odd batch size known at trace time.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    pred_shape = tuple(y_pred.shape)
    true_shape = None if y_true is None else tuple(ops.convert_to_tensor(y_true).shape)
    if len(pred_shape) != 2:
        raise ValueError(
            "`y_pred` must have shape (2N, dim), got "
            f"y_true.shape={true_shape} and y_pred.shape={pred_shape}."
        )
    if true_shape is not None and (
        len(true_shape) < 1
        or (
            None not in (true_shape[0], pred_shape[0])
            and true_shape[0] != pred_shape[0]
        )
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
    compute_dtype, result_dtype = float_dtypes(y_pred)
    return ops.cast(y_pred, compute_dtype), result_dtype


def _even_at_run_time(losses: Any, embeddings: Any) -> Any:
    """`losses`, made to fail at run time if the batch size, unknown when traced
    (TensorFlow graphs), is odd: such a batch cannot be split into two views and
    must not train silently on wrong pairs."""
    if embeddings.shape[0] is not None:
        return losses
    return require_at_run_time(
        losses,
        ops.shape(embeddings)[0] % 2 == 0,
        "The batch must hold two views of each example (an even size 2N).",
    )


class _LabelFreeLoss(FunctionLoss):
    """A loss whose targets are the order of the rows: `y_true` may be `None`.

    `model.fit(x)` without targets calls the loss with `y_true=None`, which
    Keras's `Loss.__call__` cannot convert; a zero vector with the batch's size
    stands in for it.
    """

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        if y_true is None:
            y_true = ops.zeros(ops.shape(y_pred)[:1], dtype=self.dtype)
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)


@keras.saving.register_keras_serializable(package="lossbook")
class NTXentLoss(_LabelFreeLoss):
    """SimCLR's NT-Xent contrastive loss over a batch of paired views.

    The class form of `nt_xent_loss`. `y_pred` holds `2N` embeddings, rows `i`
    and `i + N` being two views of one example; `y_true` is ignored, and may be
    `None`: `model.fit(x)` trains it without targets. With the default reduction
    it returns SimCLR's loss, the mean of the `2N` row cross-entropies.

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
        >>> round(float(NTXentLoss()(None, y_pred)), 4)
        0.3438
        >>> round(float(NTXentLoss(temperature=0.1)(None, y_pred)), 4)
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


@loss_function(temperature=check_positive)
def cross_view_info_nce_loss(
    y_true: Any, y_pred: Any, *, temperature: float = 0.1
) -> Any:
    """Symmetric cross-view InfoNCE (CLIP's loss, keras.io's SimCLR loss), per row.

    Formula:

    ```
    u_i = views_1[i] / ||views_1[i]||,  v_j = views_2[j] / ||views_2[j]||
    s[i, j] = u_i . v_j / temperature                        (an N x N matrix)
    loss[i]     = -log( exp(s[i, i]) / sum_j exp(s[i, j]) )      row i of views_1
    loss[N + j] = -log( exp(s[j, j]) / sum_i exp(s[i, j]) )      row j of views_2
    ```

    Each view of example `i` must pick its partner among the `N` rows of the
    *other* view: a cross-entropy over the rows of `s` for the first view and over
    its columns for the second. The mean of the `2N` values, the default
    `"sum_over_batch_size"` reduction, is `(CE(s, arange N) + CE(s.T, arange N))
    / 2`, the loss of CLIP and of keras.io's semi-supervised SimCLR example.
    `nt_xent_loss` differs: its candidates are the `2N - 1` other rows of both
    views, so that two views of different examples also repel each other inside
    one view. With an image encoder and a text encoder, `views_1` holds the image
    embeddings and `views_2` the text embeddings; CLIP learns its temperature,
    which this function takes as a fixed number.

    `y_true` is ignored (it may be `None`; `CrossViewInfoNCELoss` trains with
    `model.fit(x)` and no targets); if given, its first dimension must be `2N`.
    Sample weights weight the rows. The value is computed relative to the
    positive, `softplus(logsumexp_n(s[i, n] - s[i, i]))` over the `N - 1`
    negatives, so that a small loss keeps its digits and no exponential
    overflows at a low temperature.

    Args:
        y_true: Ignored, or `None`; if given, its first dimension must be `2N`.
        y_pred: Embeddings, shape `(2N, dim)`: `[views_1; views_2]`, rows `i`
            and `i + N` being two views (or an image and its caption) of one
            example.
        temperature: The softmax temperature, a number > 0. Defaults to `0.1`
            (keras.io's SimCLR example; CLIP starts from 0.07).

    Returns:
        The per-row loss, shape `(2N,)`.

    Raises:
        ValueError: If `temperature <= 0`, `y_pred` is not of rank 2, its batch
            size is odd (checked when it is known at trace time), or the first
            dimensions of `y_true` and `y_pred` differ.

    Examples:
        >>> import numpy as np
        >>> from lossbook import cross_view_info_nce_loss
        >>> views_1 = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> views_2 = np.array([[0.9, 0.1], [0.2, 0.8]])
        >>> y_pred = np.concatenate([views_1, views_2])
        >>> loss = cross_view_info_nce_loss(None, y_pred, temperature=0.5)
        >>> print(np.round(np.asarray(loss), 4))
        [0.2009 0.1648 0.1577 0.2097]

        Each row has one negative here (the other example of the other view),
        where `nt_xent_loss` counts two.

    References:
        Radford et al., "Learning Transferable Visual Models From Natural
        Language Supervision" (CLIP), ICML 2021, arXiv:2103.00020, Figure 3.
        van den Oord, Li and Vinyals, "Representation Learning with Contrastive
        Predictive Coding", 2018, arXiv:1807.03748, Eq. 4 (InfoNCE).
    """
    embeddings, result_dtype = _paired_views(y_true, y_pred)
    if embeddings.shape[0] == 0:
        return empty_values(embeddings, 1, result_dtype)
    z = l2_normalize(embeddings)
    half = ops.shape(z)[0] // 2
    cosines = ops.einsum("id,jd->ij", z[:half], z[half:])
    # Rows of the first view score the columns; rows of the second, the rows.
    scores = ops.concatenate([cosines, ops.transpose(cosines)], axis=0)
    partner = ops.arange(ops.shape(scores)[0]) % ops.maximum(half, 1)
    positive = ops.take_along_axis(scores, ops.expand_dims(partner, 1), axis=1)
    margins = (scores - positive) / temperature
    itself = ops.equal(
        ops.expand_dims(partner, 1), ops.expand_dims(ops.arange(half), 0)
    )
    # As in nt_xent_loss: below every real margin by e**100, and 0 for N == 1.
    margins = ops.where(itself, -2.0 / temperature - 100.0, margins)
    losses = ops.softplus(ops.logsumexp(margins, axis=1))
    return ops.cast(_even_at_run_time(losses, embeddings), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class CrossViewInfoNCELoss(_LabelFreeLoss):
    """Symmetric cross-view InfoNCE: CLIP's loss and keras.io's SimCLR loss.

    The class form of `cross_view_info_nce_loss`. `y_pred` holds `2N`
    embeddings `[views_1; views_2]`; each view of an example must find its
    partner among the `N` rows of the other view. With the default reduction it
    returns `(CE(s, arange N) + CE(s.T, arange N)) / 2` on the cosine
    similarities `s` divided by the temperature. `y_true` is ignored and may be
    `None`: `model.fit(x)` trains it without targets. `NTXentLoss` is the form
    with `2N - 1` candidates per row.

    Args:
        temperature: The softmax temperature, a number > 0. Defaults to `0.1`.
        reduction: `"sum_over_batch_size"` (default, CLIP's mean), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"cross_view_info_nce_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `temperature <= 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import CrossViewInfoNCELoss, NTXentLoss
        >>> views_1 = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> views_2 = np.array([[0.9, 0.1], [0.2, 0.8]])
        >>> y_pred = np.concatenate([views_1, views_2])
        >>> round(float(CrossViewInfoNCELoss(temperature=0.5)(None, y_pred)), 4)
        0.1833
        >>> round(float(NTXentLoss(temperature=0.5)(None, y_pred)), 4)
        0.3438
        >>> CrossViewInfoNCELoss(temperature=-1.0)
        Traceback (most recent call last):
        ...
        ValueError: `temperature` must be > 0, got temperature=-1.0.
    """

    def __init__(
        self,
        temperature: float = 0.1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "cross_view_info_nce_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            cross_view_info_nce_loss,
            temperature=temperature,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


def _views_and_first_axis(y_true: Any, y_pred: Any) -> tuple[Any, Any, str]:
    """`_embeddings_and_first_axis` for `(batch, dim)` or `(batch, views, dim)`.

    Returns `(y_true, embeddings of shape (batch, views, dim), result_dtype)`.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if (
        len(pred_shape) not in (2, 3)
        or (len(pred_shape) == 3 and pred_shape[1] is None)
        or len(true_shape) < 1
        or (
            None not in (true_shape[0], pred_shape[0])
            and true_shape[0] != pred_shape[0]
        )
    ):
        raise ValueError(
            "`y_pred` must have shape (batch, dim) or (batch, views, dim) (a known "
            "number of views) and `y_true` the same first dimension, got "
            f"y_true.shape={true_shape} and y_pred.shape={pred_shape}."
        )
    compute_dtype, result_dtype = float_dtypes(y_pred)
    embeddings = ops.cast(y_pred, compute_dtype)
    if len(pred_shape) == 2:
        embeddings = ops.expand_dims(embeddings, 1)
    return y_true, embeddings, result_dtype


def _masked_logsumexp(x: Any, keep: Any) -> tuple[Any, Any]:
    """Per row, `log(sum of exp(x) over the kept entries)` and whether any is kept.

    Relative to the largest kept entry, so no exponential exceeds 1; a row with
    nothing kept gives a finite placeholder (and finite gradients) for the caller
    to select away.
    """
    any_kept = ops.any(keep, axis=1)
    floor = ops.amin(x, axis=1, keepdims=True)
    largest = ops.stop_gradient(
        ops.amax(ops.where(keep, x, floor), axis=1, keepdims=True)
    )
    # Two selects: an entry left out must not reach exp (it may be far above the
    # largest kept one, and inf * 0 would poison the gradient).
    exponentials = ops.where(keep, ops.exp(ops.where(keep, x - largest, 0.0)), 0.0)
    total = ops.where(any_kept, ops.sum(exponentials, axis=1), 1.0)
    return ops.squeeze(largest, 1) + ops.log(total), any_kept


@loss_function(temperature=check_positive)
def supcon_loss(y_true: Any, y_pred: Any, *, temperature: float = 0.07) -> Any:
    """Supervised contrastive loss (SupCon, `L^sup_out`), one value per sample.

    Formula:

    ```
    anchors: the B * V rows z_i = y_pred[b, v] / ||y_pred[b, v]||, label[b]
    s[i, a] = z_i . z_a / temperature
    P(i) = the other anchors with the label of i   (the other views of its sample
           and every view of the other samples of its class)
    l[i] = -1/|P(i)| sum_{p in P(i)} log( exp(s[i, p]) / sum_{a != i} exp(s[i, a]) )
           (0 if P(i) is empty)
    A = number of anchors with a non-empty P(i), N = B * V
    loss[b] = (N / A) * mean_v l[(b, v)]          (zeros if A == 0)
    ```

    The per-sample values are scaled by `N / A` so that their mean, the default
    `"sum_over_batch_size"` reduction, is the mean of `l` over the anchors that
    have a positive: pytorch-metric-learning's `SupConLoss` number (its
    `AvgNonZeroReducer` leaves out the anchors without a positive, whose loss is
    0). The authors' code averages over every anchor instead, and multiplies by
    `temperature / 0.07`; the two agree when every anchor has a positive, as it
    does whenever there are two views or more, and at the default temperature.
    A batch without any negative (a single label) still gets the formula's value,
    as in the authors' code, where pytorch-metric-learning returns 0.

    `l[i]` is computed as `(logsumexp_P - mean_P) + softplus(logsumexp_N -
    logsumexp_P)` over the positives `P` and negatives `N` of row `i`, each
    logsumexp relative to its largest term: no exponential exceeds 1, so a low
    temperature cannot overflow, and a small loss (one positive far above every
    negative) keeps its digits. Norms use `rsqrt(max(||y||**2, 1e-12))`, as in
    `nt_xent_loss`.

    With two views and all labels distinct, every anchor's only positive is its
    other view, and the mean of this loss is `nt_xent_loss`'s mean on the
    `[views_1; views_2]` layout at the same temperature.

    Sample weights weight the samples (the mean of their views); every view of
    every sample, whatever its weight, still serves as a positive and a negative
    for the others, and `A` counts them all.

    Args:
        y_true: Integer class labels, shape `(batch,)` or `(batch, 1)`; any
            numeric dtype (Keras casts them to floatx, exact for labels below
            2**24 in float32).
        y_pred: Embeddings, shape `(batch, dim)`, or `(batch, views, dim)` for
            several views (augmentations) of each sample; normalised inside.
        temperature: The softmax temperature, a number > 0. Defaults to `0.07`,
            the paper's.

    Returns:
        The per-sample loss, shape `(batch,)`.

    Raises:
        ValueError: If `temperature <= 0`, `y_pred` is not of rank 2 or 3, or
            `y_true` does not hold one label per sample.

    Examples:
        >>> import numpy as np
        >>> from lossbook import supcon_loss
        >>> labels = np.array([0, 0, 1, 2])
        >>> embeddings = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]])
        >>> loss = supcon_loss(labels, embeddings, temperature=0.5)
        >>> print(np.round(np.asarray(loss), 4))
        [0.4128 1.0743 0.     0.    ]

        Only the two samples of class 0 have a positive: `A = 2` of `N = 4`
        anchors, so their losses are doubled and the mean, 0.3718, is the mean
        over the two. Two views of each sample give every anchor a positive:

        >>> import numpy as np
        >>> from lossbook import supcon_loss
        >>> views = np.array([[[1.0, 0.0], [0.9, 0.1]], [[0.0, 1.0], [0.2, 0.8]]])
        >>> loss = supcon_loss(np.array([0, 1]), views, temperature=0.5)
        >>> print(np.round(np.asarray(loss), 4))
        [0.3379 0.3498]

    References:
        Khosla, Teterwak, Wang, Sarna, Tian, Isola, Maschinot, Liu and Krishnan,
        "Supervised Contrastive Learning", NeurIPS 2020, arXiv:2004.11362, Eq. 2.
        pytorch-metric-learning, `losses.SupConLoss`.
    """
    y_true, embeddings, result_dtype = _views_and_first_axis(y_true, y_pred)
    labels = _labels(y_true, y_pred)
    if embeddings.shape[0] == 0:
        return empty_values(embeddings, (1, 2), result_dtype)
    views, dim = embeddings.shape[1], embeddings.shape[2]
    dim = ops.shape(embeddings)[2] if dim is None else dim
    # Anchor b * V + v is view v of sample b.
    z = l2_normalize(ops.reshape(embeddings, (-1, dim)))
    anchor_labels = ops.repeat(labels, views, axis=0)
    logits = ops.einsum("id,jd->ij", z, z) / temperature
    positive, negative = _label_masks(anchor_labels)
    # l = logsumexp_{a != i} - mean_P, split as
    #   (logsumexp_P - mean_P) + softplus(logsumexp_N - logsumexp_P):
    # the first term is >= log|P| and exactly 0 for one positive, the second
    # keeps the digits of a small loss (one minus the other would cancel them),
    # and each logsumexp is taken relative to its own largest term.
    over_positives, has_positive = _masked_logsumexp(logits, positive)
    over_negatives, has_negative = _masked_logsumexp(logits, negative)
    count = ops.sum(ops.cast(positive, logits.dtype), axis=1)
    mean_positive = ops.sum(ops.where(positive, logits, 0.0), axis=1) / maximum(
        count, ops.ones_like(count)
    )
    gap = ops.where(has_negative, _softplus(over_negatives - over_positives), 0.0)
    anchor_losses = ops.where(has_positive, over_positives - mean_positive + gap, 0.0)
    anchors = ops.cast(ops.shape(logits)[0], logits.dtype)
    with_positive = ops.sum(ops.cast(has_positive, logits.dtype))
    scale = anchors / maximum(with_positive, ops.ones_like(with_positive))
    losses = mean(ops.reshape(anchor_losses, (-1, views)), axis=1) * scale
    losses = nan_if_not_finite(_nan_if_a_label_is_not_finite(losses, labels), z)
    return ops.cast(losses, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class SupConLoss(FunctionLoss):
    """Supervised contrastive loss (SupCon): pull a class together, push others away.

    The class form of `supcon_loss`. `y_true` holds one class label per sample,
    `y_pred` its embeddings, `(batch, dim)` or `(batch, views, dim)` for several
    views of each sample. With the default reduction it returns
    pytorch-metric-learning's `SupConLoss` number: the mean over the anchors
    that have a positive. Sample weights weight the samples and do not change
    who is a positive or a negative; see `supcon_loss`.

    Args:
        temperature: The softmax temperature, a number > 0. Defaults to `0.07`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"supcon_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `temperature <= 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import SupConLoss
        >>> labels = np.array([0, 0, 1, 2])
        >>> embeddings = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]])
        >>> round(float(SupConLoss()(labels, embeddings)), 4)
        0.0279
        >>> round(float(SupConLoss(temperature=0.5)(labels, embeddings)), 4)
        0.3718
        >>> SupConLoss(temperature=-0.1)
        Traceback (most recent call last):
        ...
        ValueError: `temperature` must be > 0, got temperature=-0.1.
    """

    def __init__(
        self,
        temperature: float = 0.07,
        reduction: str | None = "sum_over_batch_size",
        name: str = "supcon_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            supcon_loss,
            temperature=temperature,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


def _log_one_plus_sum_exp(x: Any, keep: Any) -> Any:
    """`log(1 + sum of exp(x) over the kept entries)` per row, 0 where none is kept.

    As `softplus(logsumexp)`, relative to the largest kept entry: no exponential
    exceeds 1, and a small result keeps its digits.
    """
    logsumexp, any_kept = _masked_logsumexp(x, keep)
    return ops.where(any_kept, _softplus(logsumexp), 0.0)


@loss_function(
    alpha=check_positive,
    beta=check_positive,
    base=check_finite,
    epsilon=check_non_negative,
)
def multi_similarity_loss(
    y_true: Any,
    y_pred: Any,
    *,
    alpha: float = 2.0,
    beta: float = 50.0,
    base: float = 0.5,
    epsilon: float = 0.1,
) -> Any:
    """Multi-similarity loss with its pair mining, one value per anchor.

    Formula:

    ```
    S[i, j] = cosine similarity of y_pred[i] and y_pred[j]
    mining (strict inequalities; P_i, N_i: the other samples of i's label, of
    other labels):
        keep negative k of i  if S[i, k] + epsilon > min_{j in P_i} S[i, j]
        keep positive j of i  if S[i, j] - epsilon < max_{k in N_i} S[i, k]
    loss[i] = 1/alpha * log(1 + sum_{kept j} exp(-alpha * (S[i, j] - base)))
            + 1/beta  * log(1 + sum_{kept k} exp( beta  * (S[i, k] - base)))
    ```

    An anchor without a positive keeps no negative, and one without a negative
    keeps no positive: it costs 0. The mean over anchors, the default
    `"sum_over_batch_size"` reduction, is the paper's loss (Eq. 4) and
    pytorch-metric-learning's `MultiSimilarityLoss(alpha, beta, base)` number
    on the pairs of `MultiSimilarityMiner(epsilon)`, except where that library
    mines at most one positive and one negative pair in the whole batch: it then
    returns 0. Each sum is computed as `softplus(logsumexp)` relative to its
    largest term, so `beta = 50` cannot overflow.

    Mining is a selection, not a function of the embeddings: the gradient flows
    through the kept similarities only. Sample weights weight the anchors and do
    not change the mining.

    Args:
        y_true: Integer class labels, shape `(batch,)` or `(batch, 1)`; any
            numeric dtype (Keras casts them to floatx, exact for labels below
            2**24 in float32).
        y_pred: Embeddings, shape `(batch, dim)`; normalised inside (cosine
            similarities, `rsqrt(max(||y||**2, 1e-12))` as in `nt_xent_loss`).
        alpha: The scale of the positive terms, a number > 0. Defaults to `2.0`.
        beta: The scale of the negative terms, a number > 0. Defaults to `50.0`.
        base: The similarity margin `lambda` both terms are measured from, a
            finite number. Defaults to `0.5`.
        epsilon: The mining margin, a number >= 0. Defaults to `0.1`.

    Returns:
        The per-anchor loss, shape `(batch,)`.

    Raises:
        ValueError: If `alpha <= 0`, `beta <= 0`, `base` is not finite,
            `epsilon < 0`, `y_pred` is not of rank 2, or `y_true` does not hold
            one label per row of `y_pred`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import multi_similarity_loss
        >>> labels = np.array([0, 0, 1, 1, 2])
        >>> embeddings = np.array(
        ...     [[1.0, 0.0], [0.6, 0.8], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]]
        ... )
        >>> loss = multi_similarity_loss(labels, embeddings)
        >>> print(np.round(np.asarray(loss), 4))
        [0.5991 0.7591 0.7591 0.5991 0.    ]

        Each sample of classes 0 and 1 is more similar to a sample of the other
        class (cosine 0.8 or 0.96) than to its own positive (0.6): those
        negatives and the positive are mined. The sample of class 2 has no
        positive and costs nothing.

    References:
        Wang, Han, Huang, Dong and Scott, "Multi-Similarity Loss with General
        Pair Weighting for Deep Metric Learning", CVPR 2019, arXiv:1904.06627,
        Eqs. 2-4. pytorch-metric-learning, `losses.MultiSimilarityLoss` and
        `miners.MultiSimilarityMiner`.
    """
    y_true, embeddings, result_dtype = _embeddings_and_first_axis(y_true, y_pred)
    labels = _labels(y_true, y_pred)
    if embeddings.shape[0] == 0:
        return empty_values(embeddings, 1, result_dtype)
    z = l2_normalize(embeddings)
    similarities = ops.einsum("id,jd->ij", z, z)
    positive, negative = _label_masks(labels)
    has_positive = ops.any(positive, axis=1, keepdims=True)
    has_negative = ops.any(negative, axis=1, keepdims=True)
    # The fills never decide: an anchor without positives (negatives) keeps
    # no negative (positive) at all.
    least_positive = ops.amin(
        ops.where(positive, similarities, 1.0), axis=1, keepdims=True
    )
    most_negative = ops.amax(
        ops.where(negative, similarities, -1.0), axis=1, keepdims=True
    )
    keep_negative = ops.logical_and(
        ops.logical_and(negative, has_positive),
        similarities + epsilon > least_positive,
    )
    keep_positive = ops.logical_and(
        ops.logical_and(positive, has_negative),
        similarities - epsilon < most_negative,
    )
    positive_terms = _log_one_plus_sum_exp(alpha * (base - similarities), keep_positive)
    negative_terms = _log_one_plus_sum_exp(beta * (similarities - base), keep_negative)
    losses = positive_terms / alpha + negative_terms / beta
    losses = nan_if_not_finite(_nan_if_a_label_is_not_finite(losses, labels), z)
    return ops.cast(losses, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class MultiSimilarityLoss(FunctionLoss):
    """Multi-similarity loss (MS loss) with its hard-pair mining, per anchor.

    The class form of `multi_similarity_loss`: cosine similarities of the
    `(batch, dim)` embeddings, pairs mined with margin `epsilon`, then a soft
    weighting of the kept positives (scale `alpha`) and negatives (scale `beta`)
    around `base`. With the default reduction it returns the paper's loss, the
    mean over anchors. Sample weights weight the anchors and do not change the
    mining.

    Args:
        alpha: The scale of the positive terms, a number > 0. Defaults to `2.0`.
        beta: The scale of the negative terms, a number > 0. Defaults to `50.0`.
        base: The similarity margin both terms are measured from, a finite
            number. Defaults to `0.5`.
        epsilon: The mining margin, a number >= 0. Defaults to `0.1`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"multi_similarity_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `alpha <= 0`, `beta <= 0`, `base` is not finite or
            `epsilon < 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import MultiSimilarityLoss
        >>> labels = np.array([0, 0, 1, 1, 2])
        >>> embeddings = np.array(
        ...     [[1.0, 0.0], [0.6, 0.8], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]]
        ... )
        >>> round(float(MultiSimilarityLoss()(labels, embeddings)), 4)
        0.5433
        >>> round(float(MultiSimilarityLoss(base=0.9)(labels, embeddings)), 4)
        0.4394
        >>> MultiSimilarityLoss(epsilon=-0.1)
        Traceback (most recent call last):
        ...
        ValueError: `epsilon` must be >= 0, got epsilon=-0.1.
    """

    def __init__(
        self,
        alpha: float = 2.0,
        beta: float = 50.0,
        base: float = 0.5,
        epsilon: float = 0.1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "multi_similarity_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            multi_similarity_loss,
            alpha=alpha,
            beta=beta,
            base=base,
            epsilon=epsilon,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


def _similarity_matrix(y_true: Any, y_pred: Any) -> tuple[Any, Any, str]:
    """Converts `y_pred`, a `(batch, batch)` similarity matrix, to its compute dtype.

    `y_true` is returned as a tensor. Raises a ValueError naming both shapes
    unless `y_pred` is square (or has no row: an empty batch) and `y_true` has
    rank >= 1 with one row per row of `y_pred` (unknown dimensions pass).
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    compute_dtype, result_dtype = float_dtypes(y_pred)
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)

    def same(a: Any, b: Any) -> bool:
        return a is None or b is None or a == b

    if (
        len(pred_shape) != 2
        or not (same(*pred_shape) or pred_shape[0] == 0)
        or len(true_shape) < 1
        or not same(true_shape[0], pred_shape[0])
    ):
        raise ValueError(
            "`y_pred` must be a square similarity matrix (batch, batch) and "
            "`y_true` have one row per row of it, got "
            f"y_true.shape={true_shape} and y_pred.shape={pred_shape}."
        )
    return y_true, ops.cast(y_pred, compute_dtype), result_dtype


def _logaddexp(a: Any, b: Any) -> Any:
    """`log(exp(a) + exp(b))` in the dtype of `a` on every backend.

    `ops.logaddexp` computes float64 in float32 on JAX and PyTorch (Keras 3.15).
    The selects give each input half the gradient where `a == b`, as they should.
    """
    larger = a >= b
    top = ops.where(larger, a, b)
    gap = ops.where(larger, a - b, b - a)
    return top + ops.log1p(ops.exp(-gap))


def _soft_target_cross_entropy(similarities: Any, targets: Any) -> Any:
    """Softmax cross-entropy of each row against its targets normalised to sum 1.

    `targets` are >= 0; a row of zeros (no positive) gets a loss of 0.
    """
    totals = ops.sum(targets, axis=1, keepdims=True)
    has_positive = totals > 0
    weights = targets / ops.where(has_positive, totals, ops.ones_like(totals))
    # sum_j w_ij (logsumexp_k s_ik - s_ij) = logsumexp_k (s_ik - c_i), where c_i =
    # sum_j w_ij s_ij. Split into the positives and the others: with a single
    # positive its term is exactly 0 and the loss is softplus(logsumexp of the
    # others), so a small loss keeps its digits (logsumexp(s) - s_ii would
    # cancel them); with several, the positives' term is >= log 2.
    x = similarities - ops.sum(weights * similarities, axis=1, keepdims=True)
    positive = targets > 0
    # A fill 100 below the row's smallest entry adds at most B * e**-100 to a
    # logsumexp that has a real entry, and keeps an empty one finite.
    fill = ops.stop_gradient(ops.amin(x, axis=1, keepdims=True)) - 100.0
    inside = ops.logsumexp(ops.where(positive, x, fill), axis=1)
    outside = ops.logsumexp(ops.where(positive, fill, x), axis=1)
    losses = _logaddexp(inside, outside)
    return ops.where(ops.squeeze(has_positive, 1), losses, ops.zeros_like(losses))


@loss_function()
def npairs_loss(y_true: Any, y_pred: Any) -> Any:
    """N-pairs loss: softmax cross-entropy of each row of a similarity matrix.

    Formula:

    ```
    s[i, j] = y_pred[i, j]        similarity of anchor i and positive j,
                                  e.g. y_pred = anchors @ positives.T
    t[i, j] = [label[i] == label[j]] / #{j : label[j] == label[i]}
    loss[i] = -sum_j t[i, j] * log_softmax(s[i, :])[j]
    ```

    Row `i` is a softmax over the `batch` positives: the positives with the
    anchor's label share the target, every other one is a negative. With one pair
    per label (the N-pair sampling of the paper) the target is `j == i`, and the
    loss is the categorical cross-entropy of `s` against the identity matrix. This
    is TensorFlow Addons' `npairs_loss` before its mean: with the default
    `"sum_over_batch_size"` reduction `NPairsLoss` gives Addons' number. The value
    is computed as `logsumexp_k(s[i, k] - sum_j t[i, j] s[i, j])`, split into
    positives and negatives so that a small loss keeps its digits.

    Sample weights weight the anchors (the rows); every column still takes part
    in every row's softmax.

    Args:
        y_true: Class labels of the pairs, shape `(batch,)` or `(batch, 1)`:
            label `i` is the label of anchor `i` and of positive `i`. Any numeric
            dtype (Keras casts them to floatx, exact for labels below 2**24 in
            float32).
        y_pred: Similarities (logits) between anchors (rows) and positives
            (columns), shape `(batch, batch)`.

    Returns:
        The per-anchor loss, shape `(batch,)`.

    Raises:
        ValueError: If `y_pred` is not a square matrix, or `y_true` does not hold
            one label per row of `y_pred`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import npairs_loss
        >>> anchors = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
        >>> positives = np.array([[0.9, 0.1], [0.1, 0.9], [0.6, 0.8]])
        >>> labels = np.array([0, 1, 2])
        >>> loss = npairs_loss(labels, anchors @ positives.T)
        >>> print(np.round(np.asarray(loss), 4))
        [0.784  0.8562 0.9209]

        With labels `[0, 0, 2]` the first two anchors share their two positives
        as targets, half each:

        >>> import numpy as np
        >>> from lossbook import npairs_loss
        >>> anchors = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
        >>> positives = np.array([[0.9, 0.1], [0.1, 0.9], [0.6, 0.8]])
        >>> loss = npairs_loss(np.array([0, 0, 2]), anchors @ positives.T)
        >>> print(np.round(np.asarray(loss), 4))
        [1.184  1.2562 0.9209]

    References:
        Sohn, "Improved Deep Metric Learning with Multi-class N-pair Loss
        Objective", NeurIPS 2016, Eq. (6) (without its L2 regulariser).
        TensorFlow Addons, `tfa.losses.npairs_loss`.
    """
    y_true, similarities, result_dtype = _similarity_matrix(y_true, y_pred)
    labels = _labels(y_true, y_pred)
    if similarities.shape[0] == 0:
        return empty_values(similarities, 1, result_dtype)
    same = ops.equal(ops.expand_dims(labels, 1), ops.expand_dims(labels, 0))
    losses = _soft_target_cross_entropy(
        similarities, ops.cast(same, similarities.dtype)
    )
    return ops.cast(_nan_if_a_label_is_not_finite(losses, labels), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class NPairsLoss(FunctionLoss):
    """N-pairs loss over a similarity matrix of anchors and positives.

    The class form of `npairs_loss`, a replacement for TensorFlow Addons'
    `NpairsLoss`: `y_true` holds one label per pair, `y_pred` the similarities
    `anchors @ positives.T`, shape `(batch, batch)`. With the default reduction
    it returns Addons' number, the mean over anchors.

    Args:
        reduction: `"sum_over_batch_size"` (default, Addons' number), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"npairs_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Examples:
        >>> import numpy as np
        >>> from lossbook import NPairsLoss
        >>> anchors = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
        >>> positives = np.array([[0.9, 0.1], [0.1, 0.9], [0.6, 0.8]])
        >>> labels = np.array([0, 1, 2])
        >>> round(float(NPairsLoss()(labels, anchors @ positives.T)), 4)
        0.8537
        >>> NPairsLoss()(labels, anchors)
        Traceback (most recent call last):
        ...
        ValueError: `y_pred` must be a square similarity matrix (batch, batch) and `y_true` have one row per row of it, got y_true.shape=(3,) and y_pred.shape=(3, 2).
    """  # noqa: E501

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "npairs_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(npairs_loss, reduction=reduction, name=name, dtype=dtype)


@loss_function()
def npairs_multilabel_loss(y_true: Any, y_pred: Any) -> Any:
    """N-pairs loss for multi-label data: targets weighted by shared labels.

    Formula:

    ```
    s[i, j] = y_pred[i, j]        similarity of anchor i and positive j
    L[i, j] = sum_c y_true[i, c] * y_true[j, c]   (labels i and j share)
    t[i, j] = L[i, j] / sum_k L[i, k]
    loss[i] = -sum_j t[i, j] * log_softmax(s[i, :])[j]
    ```

    `npairs_loss` where a positive's share of the target is the number of labels
    it has in common with the anchor. This is TensorFlow Addons'
    `npairs_multilabel_loss` before its mean: with the default reduction
    `NPairsMultilabelLoss` gives Addons' number. An anchor without any label
    (a row of zeros) has no target: where Addons divides 0 by 0 and returns NaN,
    its loss here is 0, with a zero gradient. Addons also takes a
    `tf.SparseTensor`; pass a dense array here (`tf.sparse.to_dense`).

    Sample weights weight the anchors (the rows); see `npairs_loss`.

    Args:
        y_true: Multi-hot labels, shape `(batch, num_classes)`: `y_true[i, c]`
            is 1 if pair `i` has label `c`, else 0.
        y_pred: Similarities (logits) between anchors (rows) and positives
            (columns), shape `(batch, batch)`.

    Returns:
        The per-anchor loss, shape `(batch,)`.

    Raises:
        ValueError: If `y_pred` is not a square matrix, or `y_true` is not of
            shape `(batch, num_classes)` with one row per row of `y_pred`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import npairs_multilabel_loss
        >>> anchors = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
        >>> positives = np.array([[0.9, 0.1], [0.1, 0.9], [0.6, 0.8]])
        >>> labels = np.array([[1, 0], [0, 1], [1, 1]])
        >>> loss = npairs_multilabel_loss(labels, anchors @ positives.T)
        >>> print(np.round(np.asarray(loss), 4))
        [0.934  0.9062 1.0609]

        The third pair has both labels: it shares one with each of the first two
        pairs and takes half of their anchors' targets; its own anchor's target
        is spread over the three positives as 1/4, 1/4 and 1/2.

    References:
        Sohn, "Improved Deep Metric Learning with Multi-class N-pair Loss
        Objective", NeurIPS 2016. TensorFlow Addons,
        `tfa.losses.npairs_multilabel_loss`.
    """
    y_true, similarities, result_dtype = _similarity_matrix(y_true, y_pred)
    if len(y_true.shape) != 2:
        raise ValueError(
            "`y_true` must hold multi-hot labels, shape (batch, num_classes), got "
            f"y_true.shape={tuple(y_true.shape)} and "
            f"y_pred.shape={tuple(y_pred.shape)}."
        )
    if similarities.shape[0] == 0:
        return empty_values(similarities, 1, result_dtype)
    y_true = ops.cast(y_true, similarities.dtype)
    # einsum, not matmul: Keras's PyTorch matmul computes float64 in float32.
    shared = ops.einsum("ic,jc->ij", y_true, y_true)
    losses = _soft_target_cross_entropy(similarities, shared)
    # A NaN label would empty its rows' targets, whose loss is then 0.
    return ops.cast(nan_if_not_finite(losses, y_true), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class NPairsMultilabelLoss(FunctionLoss):
    """N-pairs loss for multi-label data, over a similarity matrix.

    The class form of `npairs_multilabel_loss`, a replacement for TensorFlow
    Addons' `NpairsMultilabelLoss`: `y_true` holds multi-hot labels of shape
    `(batch, num_classes)`, `y_pred` the similarities `anchors @ positives.T`.
    With the default reduction it returns Addons' number, the mean over anchors.

    Args:
        reduction: `"sum_over_batch_size"` (default, Addons' number), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"npairs_multilabel_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Examples:
        >>> import numpy as np
        >>> from lossbook import NPairsMultilabelLoss
        >>> anchors = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
        >>> positives = np.array([[0.9, 0.1], [0.1, 0.9], [0.6, 0.8]])
        >>> labels = np.array([[1, 0], [0, 1], [1, 1]])
        >>> loss = NPairsMultilabelLoss()
        >>> round(float(loss(labels, anchors @ positives.T)), 4)
        0.967
        >>> loss(np.array([0, 1, 2]), anchors @ positives.T)
        Traceback (most recent call last):
        ...
        ValueError: `y_true` must hold multi-hot labels, shape (batch, num_classes), got y_true.shape=(3,) and y_pred.shape=(3, 3).
    """  # noqa: E501

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "npairs_multilabel_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            npairs_multilabel_loss, reduction=reduction, name=name, dtype=dtype
        )


@loss_function(margin=check_non_negative)
def lifted_struct_loss(y_true: Any, y_pred: Any, *, margin: float = 1.0) -> Any:
    """Lifted structured loss: every positive pair against all its negatives.

    Formula:

    ```
    d[i, j] = ||x_i - x_j||                  (Euclidean)
    for every positive pair (i, j), i != j, label[i] == label[j]:
        J[i, j] = log( sum_{k: label[k] != label[i]} exp(margin - d[i, k])
                     + sum_{l: label[l] != label[j]} exp(margin - d[j, l]) )
                  + d[i, j]
    P = number of ordered positive pairs (i, j), B = batch size
    loss[i] = (B / P) * sum_j max(J[i, j], 0)**2 / 2   (0 for every i if P == 0)
    ```

    The smooth bound of Song et al. (their Eq. 4): a positive pair costs nothing
    once it is closer than all the negatives of both its ends by `margin`, with a
    soft maximum (log-sum-exp) over the negatives. TensorFlow Addons returns one
    number per batch, `sum over unordered pairs of max(J, 0)**2 / (2 * pairs)`;
    the per-anchor values above are scaled so that their mean, the default
    `"sum_over_batch_size"` reduction, is exactly that number. Where Addons
    returns NaN (a batch without positive pairs, 0 / 0, or of a single label,
    without negatives) this function returns zeros, with zero gradients.

    Each anchor's log-sum-exp over its negatives is computed once and the pairs
    combined with `logaddexp`: time and memory grow as `B**2`, where Addons tiles
    a `B**2 x B` matrix. Addons also exponentiates the non-negative entries of a
    row before masking them, which overflows to NaN once an anchor's closest
    negative is farther than about 88 (float32); this form stays finite.

    Sample weights weight the anchors: the weight of sample `i` multiplies
    `loss[i]`, half the sum over its positive pairs. Every sample still serves as
    a positive and a negative for the others, whatever its weight.

    Args:
        y_true: Integer class labels, shape `(batch,)` or `(batch, 1)`; any
            numeric dtype (Keras casts them to floatx, exact for labels below
            2**24 in float32).
        y_pred: Embeddings, shape `(batch, dim)`. Addons advises against
            L2-normalising them.
        margin: The margin of the loss, a number >= 0. Defaults to `1.0`.

    Returns:
        The per-anchor loss, shape `(batch,)`.

    Raises:
        ValueError: If `margin < 0`, `y_pred` is not of rank 2, or `y_true` does
            not hold one label per row of `y_pred`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import lifted_struct_loss
        >>> labels = np.array([0, 0, 1, 1, 2])
        >>> embeddings = np.array([[0, 0], [0, 0.5], [0.6, 0], [2, 0], [1, 1]])
        >>> loss = lifted_struct_loss(labels, embeddings)
        >>> print(np.round(np.asarray(loss), 4))
        [2.7811 2.7811 5.6883 5.6883 0.    ]
        >>> round(float(np.mean(np.asarray(loss))), 4)  # Addons' number
        3.3878

        The anchor with label 2 has no positive: it costs nothing, but it is a
        negative of all the others. The two ends of a pair share its `J`, so
        they get the same value.

    References:
        Oh Song, Xiang, Jegelka and Savarese, "Deep Metric Learning via Lifted
        Structured Feature Embedding", CVPR 2016, arXiv:1511.06452, Eq. (4).
        TensorFlow Addons, `tfa.losses.lifted_struct_loss`.
    """
    y_true, embeddings, result_dtype = _embeddings_and_first_axis(y_true, y_pred)
    labels = _labels(y_true, y_pred)
    if embeddings.shape[0] == 0:
        return empty_values(embeddings, 1, result_dtype)
    distances = _pairwise_distances(embeddings)
    positive, negative = _label_masks(labels)
    logits = margin - distances
    # A fill 100 below every logit adds at most B * e**-100 to a row that has a
    # negative, and keeps a row without one finite (its pairs are masked below).
    fill = ops.stop_gradient(ops.amin(logits)) - 100.0
    per_anchor = ops.logsumexp(ops.where(negative, logits, fill), axis=1)
    pair_logits = _logaddexp(
        ops.expand_dims(per_anchor, 1), ops.expand_dims(per_anchor, 0)
    )
    # The two ends of a positive pair have the same negatives: a pair without
    # any (a batch of one label) costs nothing.
    has_negative = ops.expand_dims(ops.any(negative, axis=1), 1)
    counted = ops.logical_and(positive, has_negative)
    hinge = ops.where(counted, ops.relu(pair_logits + distances), 0.0)
    num_positives = ops.sum(ops.cast(positive, distances.dtype))
    batch_size = ops.cast(ops.shape(distances)[0], distances.dtype)
    scale = 0.5 * batch_size / maximum(num_positives, ops.ones_like(num_positives))
    losses = ops.sum(ops.square(hinge), axis=1) * scale
    return ops.cast(_nan_if_a_label_is_not_finite(losses, labels), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class LiftedStructLoss(FunctionLoss):
    """Lifted structured loss of Song et al. over the pairs of each batch.

    The class form of `lifted_struct_loss`, a replacement for TensorFlow Addons'
    `LiftedStructLoss`: `y_true` holds class labels, `y_pred` embeddings. With
    the default reduction it returns Addons' number, and 0 (not NaN) for a batch
    without positive pairs or without negatives. Sample weights weight the
    anchors; see `lifted_struct_loss`.

    Args:
        margin: The margin of the loss, a number >= 0. Defaults to `1.0`.
        reduction: `"sum_over_batch_size"` (default, Addons' number), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"lifted_struct_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `margin < 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import LiftedStructLoss
        >>> labels = np.array([0, 0, 1, 1, 2])
        >>> embeddings = np.array([[0, 0], [0, 0.5], [0.6, 0], [2, 0], [1, 1]])
        >>> round(float(LiftedStructLoss()(labels, embeddings)), 4)
        3.3878
        >>> round(float(LiftedStructLoss(margin=0.0)(labels, embeddings)), 4)
        1.3246
        >>> LiftedStructLoss(margin=-1.0)
        Traceback (most recent call last):
        ...
        ValueError: `margin` must be >= 0, got margin=-1.0.
    """

    def __init__(
        self,
        margin: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "lifted_struct_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            lifted_struct_loss,
            margin=margin,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


# ---------------------------------------------------------------------------
# Angular-margin classification (ArcFace, CosFace) and Proxy-Anchor: losses on
# the cosines between embeddings and learnt class centres (`lossbook.layers.
# CosineHead`), with labels as integers or one-hot rows.


def _check_angular_margin(name: str, value: Any) -> float:
    """A margin in radians, in [0, pi/2): PML's ArcFace takes degrees (28.6)."""
    number = check_non_negative(name, value)
    if not number < math.pi / 2:
        raise ValueError(
            f"`{name}` must be an angle in radians in [0, pi/2), got {name}={value!r}."
        )
    return number


def _cosines_and_targets(y_true: Any, y_pred: Any) -> tuple[Any, Any, Any, str]:
    """`(targets, cosines, valid, result_dtype)` of a classification by cosines.

    `y_pred` must be `(batch, C)` with `C >= 2`; `y_true` either integer labels,
    `(batch,)` or `(batch, 1)`, or one-hot rows of `y_pred`'s shape. `targets` is
    one-hot (as given, for one-hot `y_true`); `valid` is None for one-hot rows,
    otherwise whether each label is one of `0, ..., C - 1` (a NaN, fractional or
    out-of-range label is not). Half precision is computed in float32.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    compute_dtype, result_dtype = float_dtypes(y_pred)
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    shapes = f"y_true.shape={true_shape} and y_pred.shape={pred_shape}"
    if len(pred_shape) != 2 or (pred_shape[1] is not None and pred_shape[1] < 2):
        raise ValueError(
            "`y_pred` must hold the cosines of each sample to C >= 2 class centres, "
            f"shape (batch, C), got {shapes}."
        )
    classes = pred_shape[1]
    labels = len(true_shape) == 1 or (len(true_shape) == 2 and true_shape[1] == 1)
    one_hot = len(true_shape) == 2 and (
        None in (true_shape[1], classes) or true_shape[1] == classes
    )
    same_batch = len(true_shape) >= 1 and (
        None in (true_shape[0], pred_shape[0]) or true_shape[0] == pred_shape[0]
    )
    if not same_batch or not (labels or one_hot):
        raise ValueError(
            "`y_true` must hold integer labels, shape (batch,) or (batch, 1), or "
            f"one-hot rows of y_pred's shape (batch, C), got {shapes}."
        )
    cosines = ops.cast(y_pred, compute_dtype)
    if not labels:
        return ops.cast(y_true, compute_dtype), cosines, None, result_dtype
    labels = ops.cast(ops.reshape(y_true, (-1, 1)), compute_dtype)
    index = ops.cast(ops.arange(ops.shape(cosines)[1]), compute_dtype)
    matches = ops.equal(labels, ops.expand_dims(index, 0))
    valid = ops.any(matches, axis=1)
    return ops.cast(matches, compute_dtype), cosines, valid, result_dtype


def _nan_where_invalid(values: Any, valid: Any) -> Any:
    if valid is None:
        return values
    return ops.where(valid, values, ops.full_like(values, float("nan")))


def _softmax_cross_entropy(targets: Any, logits: Any) -> Any:
    """`-sum(targets * log_softmax(logits), axis=1)`, keeping a small loss's digits.

    `log(sum(exp(z)))` with `z = logits - max` is `log1p(rest)`, where `rest`
    sums `exp(z)` over every entry but one largest (whose `exp(0)` is the 1 of
    log1p): a confident sample's loss of 1e-9 keeps all its digits, where
    `logsumexp(logits) - logits[y]` cancels them at a scale of 64. That entry
    enters `rest` as `z` (0, with the derivative 1 of `exp` at 0), so the
    gradient is the softmax's while the maximum itself takes no gradient.

    The largest entry is found by `argmax`, not by `z >= 0`: XLA may compute the
    logits twice, once for the maximum and once for `z`, rounding them apart, and
    then no entry of `z` is 0 (it made a loss of 0.14 come out as -1.9 in
    float64 on JAX with `JAX_DISABLE_MOST_OPTIMIZATIONS`).
    """
    top = ops.stop_gradient(ops.amax(logits, axis=1, keepdims=True))
    z = logits - top
    is_top = ops.one_hot(ops.argmax(logits, axis=1), logits.shape[1], dtype="bool")
    rest = ops.sum(ops.where(is_top, z, ops.exp(z)), axis=1)
    return ops.log1p(rest) * ops.sum(targets, axis=1) - ops.sum(targets * z, axis=1)


@loss_function(
    margin=_check_angular_margin, scale=check_positive, easy_margin=check_bool
)
def arcface_loss(
    y_true: Any,
    y_pred: Any,
    *,
    margin: float = 0.5,
    scale: float = 64.0,
    easy_margin: bool = False,
) -> Any:
    """ArcFace: softmax cross-entropy with an additive angular margin on the target.

    Formula:

    ```
    cos_j = y_pred[:, j] = cos(theta_j)     cosines to the C class centres
    phi(c) = cos(theta + margin) = c cos(margin) - sqrt(1 - c**2) sin(margin)
             if c > cos(pi - margin), otherwise  c - margin sin(margin)
    logit_j = scale * phi(cos_j)   for the target class j = y
              scale * cos_j        for every other class
    loss = -log softmax(logit)_y
    ```

    The margin is added to the angle between a sample's embedding and the centre
    of its class: the sample must be `margin` radians closer to its centre than
    to any other before its loss gets small. Where `theta + margin` would pass
    `pi`, `cos(theta + margin)` would rise again with `theta`; there the logit is
    `cos(theta) - margin sin(margin)` instead, which keeps it decreasing (the
    `th`/`mm` rule of the authors' insightface code, also pytorch-metric-
    learning's). With `easy_margin=True` the margin applies only where
    `cos(theta) > 0` and the target's logit is `cos(theta)` elsewhere
    (insightface's `easy_margin`).

    `cos(theta + m)` is computed as `c cos(m) - sin(theta) sin(m)`, never through
    `arccos`, with `sin(theta) = sqrt(1 - c**2)` where `1 - c**2 > 0` and 0
    elsewhere: the gradient is finite at `c = 1` and `c = -1` (and beyond, for
    values outside `[-1, 1]`, which are not clipped). The cross-entropy keeps
    the digits of small losses at `scale=64`, and half-precision inputs are
    computed in float32, so the `scale * cos` logits never overflow.

    `y_true` may be one-hot (or soft) rows instead of labels: the margin then
    applies to each class in proportion to its entry,
    `logit_j = scale * (cos_j + y_j * (phi(cos_j) - cos_j))`, and the
    cross-entropy is taken against `y_true`; for one-hot rows this is the formula
    above.

    Args:
        y_true: Integer class labels, shape `(batch,)` or `(batch, 1)` (any
            numeric dtype), or one-hot rows, shape `(batch, C)`. A label that is
            not one of `0, ..., C - 1` (NaN, fractional, out of range) gives NaN.
        y_pred: Cosines between each sample's embedding and the C class centres,
            shape `(batch, C)`, `C >= 2`: the output of
            `lossbook.layers.CosineHead`.
        margin: The additive angular margin `m`, in radians, in `[0, pi/2)`.
            Defaults to `0.5` (about 28.6 degrees, the paper's). The upper bound
            also catches a margin given in degrees, as pytorch-metric-learning
            takes it.
        scale: The scale `s` of the logits (the radius of the hypersphere), a
            number > 0. Defaults to `64.0`.
        easy_margin: Whether to apply the margin only where `cos(theta) > 0`.
            Defaults to `False`.

    Returns:
        The per-sample loss, shape `(batch,)`.

    Raises:
        ValueError: If `margin` is not in `[0, pi/2)`, `scale <= 0`,
            `easy_margin` is not a bool, or the shapes are not those above
            (naming both).

    Examples:
        >>> import numpy as np
        >>> from lossbook import arcface_loss
        >>> cosines = np.array([[0.9, 0.1, -0.2], [0.3, 0.5, 0.4]])
        >>> labels = np.array([0, 1])
        >>> print(np.round(np.asarray(arcface_loss(labels, cosines)), 4))
        [ 0.     24.0915]
        >>> loss = arcface_loss(labels, cosines, margin=0.0, scale=1.0)
        >>> print(np.round(np.asarray(loss), 4))  # plain softmax cross-entropy
        [0.5778 1.0019]

        The first sample is 0.45 rad from its centre: with the margin, 0.95 rad,
        still far closer than to any other centre. The second is 1.05 rad from
        its centre and 1.16 rad from the next: the margin makes it 1.55 rad.

    References:
        Deng, Guo, Xue and Zafeiriou, "ArcFace: Additive Angular Margin Loss for
        Deep Face Recognition", CVPR 2019, arXiv:1801.07698, Eq. 3.
    """
    targets, cosines, valid, result_dtype = _cosines_and_targets(y_true, y_pred)
    if cosines.shape[0] == 0:
        return empty_values(cosines, 1, result_dtype)
    # sin(theta) = sqrt(1 - c**2), its root taken only where 1 - c**2 > 0: the
    # derivative of sqrt at 0 is infinite, and 0 * inf in the other branch of a
    # where is NaN. At c = +-1 (or beyond) sin is 0, with a zero derivative.
    squared_sine = 1.0 - ops.square(cosines)
    inside = squared_sine > 0.0
    sine = ops.where(
        inside, ops.sqrt(ops.where(inside, squared_sine, 1.0)), 0.0 * squared_sine
    )
    shifted = cosines * math.cos(margin) - sine * math.sin(margin)
    if easy_margin:
        shifted = ops.where(cosines > 0.0, shifted, cosines)
    else:
        # cos(pi - m) and sin(pi - m) * m: insightface's `th` and `mm`.
        shifted = ops.where(
            cosines > math.cos(math.pi - margin),
            shifted,
            cosines - math.sin(margin) * margin,
        )
    logits = scale * (cosines + targets * (shifted - cosines))
    losses = _softmax_cross_entropy(targets, logits)
    return ops.cast(_nan_where_invalid(losses, valid), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class ArcFaceLoss(FunctionLoss):
    """ArcFace loss: softmax cross-entropy of `s * cos(theta + m)` for the target.

    The class form of `arcface_loss`. `y_pred` holds the cosines between each
    embedding and the class centres, the output of `lossbook.layers.CosineHead`
    (with `sub_centers=K`, it is Sub-center ArcFace); `y_true` the integer labels
    or one-hot rows. With the default reduction it returns the mean over the
    batch, pytorch-metric-learning's `ArcFaceLoss` value (whose margin is in
    degrees: 28.6 there is 0.5 here).

    Args:
        margin: The additive angular margin, in radians, in `[0, pi/2)`. Defaults
            to `0.5`.
        scale: The scale of the logits, a number > 0. Defaults to `64.0`.
        easy_margin: Whether to apply the margin only where `cos(theta) > 0`.
            Defaults to `False`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"arcface_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `margin` is not in `[0, pi/2)`, `scale <= 0` or
            `easy_margin` is not a bool.

    Examples:
        >>> import numpy as np
        >>> from lossbook import ArcFaceLoss
        >>> cosines = np.array([[0.9, 0.1, -0.2], [0.3, 0.5, 0.4]])
        >>> labels = np.array([0, 1])
        >>> round(float(ArcFaceLoss()(labels, cosines)), 4)
        12.0457
        >>> round(float(ArcFaceLoss(margin=0.2, scale=16.0)(labels, cosines)), 4)
        0.8492
        >>> ArcFaceLoss(margin=28.6)
        Traceback (most recent call last):
        ...
        ValueError: `margin` must be an angle in radians in [0, pi/2), got margin=28.6.
    """

    def __init__(
        self,
        margin: float = 0.5,
        scale: float = 64.0,
        easy_margin: bool = False,
        reduction: str | None = "sum_over_batch_size",
        name: str = "arcface_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            arcface_loss,
            margin=margin,
            scale=scale,
            easy_margin=easy_margin,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


@loss_function(margin=check_non_negative, scale=check_positive)
def cosface_loss(
    y_true: Any, y_pred: Any, *, margin: float = 0.35, scale: float = 64.0
) -> Any:
    """CosFace (large margin cosine loss): cross-entropy of `s * (cos - m)`.

    Formula:

    ```
    cos_j = y_pred[:, j] = cos(theta_j)     cosines to the C class centres
    logit_j = scale * (cos_j - margin)   for the target class j = y
              scale * cos_j              for every other class
    loss = -log softmax(logit)_y
    ```

    The margin is subtracted from the target's cosine rather than added to its
    angle (ArcFace): the sample's cosine to its centre must exceed every other
    cosine by `margin` before its loss gets small. For one-hot (or soft) rows
    `y_true`, `logit_j = scale * (cos_j - margin * y_j)` and the cross-entropy is
    taken against `y_true`. The cross-entropy keeps the digits of small losses at
    `scale=64`; half-precision inputs are computed in float32.

    Args:
        y_true: Integer class labels, shape `(batch,)` or `(batch, 1)` (any
            numeric dtype), or one-hot rows, shape `(batch, C)`. A label that is
            not one of `0, ..., C - 1` (NaN, fractional, out of range) gives NaN.
        y_pred: Cosines between each sample's embedding and the C class centres,
            shape `(batch, C)`, `C >= 2`: the output of
            `lossbook.layers.CosineHead`.
        margin: The cosine margin `m`, a number >= 0. Defaults to `0.35`, the
            paper's.
        scale: The scale `s` of the logits, a number > 0. Defaults to `64.0`.

    Returns:
        The per-sample loss, shape `(batch,)`.

    Raises:
        ValueError: If `margin < 0`, `scale <= 0`, or the shapes are not those
            above (naming both).

    Examples:
        >>> import numpy as np
        >>> from lossbook import cosface_loss
        >>> cosines = np.array([[0.9, 0.1, -0.2], [0.3, 0.5, 0.4]])
        >>> labels = np.array([0, 1])
        >>> print(np.round(np.asarray(cosface_loss(labels, cosines)), 4))
        [ 0.     16.0017]

    References:
        Wang, Wang, Zhou, Ji, Gong, Zhou, Li and Liu, "CosFace: Large Margin
        Cosine Loss for Deep Face Recognition", CVPR 2018, arXiv:1801.09414,
        Eq. 4.
    """
    targets, cosines, valid, result_dtype = _cosines_and_targets(y_true, y_pred)
    if cosines.shape[0] == 0:
        return empty_values(cosines, 1, result_dtype)
    logits = scale * (cosines - margin * targets)
    losses = _softmax_cross_entropy(targets, logits)
    return ops.cast(_nan_where_invalid(losses, valid), result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class CosFaceLoss(FunctionLoss):
    """CosFace loss: softmax cross-entropy of `s * (cos(theta) - m)` for the target.

    The class form of `cosface_loss`. `y_pred` holds the cosines between each
    embedding and the class centres, the output of `lossbook.layers.CosineHead`;
    `y_true` the integer labels or one-hot rows. With the default reduction it
    returns the mean over the batch, pytorch-metric-learning's `CosFaceLoss`
    value.

    Args:
        margin: The cosine margin, a number >= 0. Defaults to `0.35`.
        scale: The scale of the logits, a number > 0. Defaults to `64.0`.
        reduction: `"sum_over_batch_size"` (default), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"cosface_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `margin < 0` or `scale <= 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import CosFaceLoss
        >>> cosines = np.array([[0.9, 0.1, -0.2], [0.3, 0.5, 0.4]])
        >>> labels = np.array([0, 1])
        >>> round(float(CosFaceLoss()(labels, cosines)), 4)
        8.0008
        >>> CosFaceLoss(scale=0.0)
        Traceback (most recent call last):
        ...
        ValueError: `scale` must be > 0, got scale=0.0.
    """

    def __init__(
        self,
        margin: float = 0.35,
        scale: float = 64.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "cosface_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            cosface_loss,
            margin=margin,
            scale=scale,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


@loss_function(margin=check_non_negative, alpha=check_positive)
def proxy_anchor_loss(
    y_true: Any, y_pred: Any, *, margin: float = 0.1, alpha: float = 32.0
) -> Any:
    """Proxy-Anchor loss, its batch value shared out among the samples.

    Formula (Kim et al., Eq. 4), with `s(x, p)` the cosine of sample `x` to the
    proxy (class centre) `p`, `P` all `C` proxies, `P+` those with a sample of
    their class in the batch, `X_p+` the samples of class `p`, `X_p-` the others:

    ```
    L = 1/|P+| sum_{p in P+} log(1 + sum_{x in X_p+} exp(-alpha (s(x, p) - margin)))
      + 1/|P|  sum_{p in P}  log(1 + sum_{x in X_p-} exp( alpha (s(x, p) + margin)))
    ```

    Each proxy is an anchor that pulls the samples of its class and pushes the
    others, every sample weighted by how hard it is (the softmax inside each
    log). `L` is one number per batch: the function shares each proxy's term out
    among the samples inside its sum, in proportion to their exponentials (their
    share of the proxy's gradient), and multiplies by the batch size `B`:

    ```
    loss[x] = B * sum_p  share(x, p) * term(p) / |P+| (or / |P|)
    share(x, p) = exp(+-alpha (s(x, p) -+ margin)) / sum over the proxy's samples
    ```

    so that the shares of each proxy add up to 1 and the mean of the values,
    the default `"sum_over_batch_size"` reduction, is `L` exactly, gradient
    included (pytorch-metric-learning's `ProxyAnchorLoss` value); `"sum"`
    gives `B * L`. Sample weights weight each sample's share: a weight of 0
    drops what that sample's share contributes, but the sample still enters the
    sums (and the shares of the others), and `|P+|` counts its class. A weight of
    `k` is therefore not the same as repeating a sample `k` times.

    The sums are computed relative to each proxy's largest exponent (one `exp`
    per cosine), and `log(1 + e**a)` as `softplus(a)`: no overflow at
    `alpha=32`, and half-precision inputs are computed in float32.

    Args:
        y_true: Integer class labels, shape `(batch,)` or `(batch, 1)` (any
            numeric dtype), or one-hot rows, shape `(batch, C)`. A label that is
            not one of `0, ..., C - 1` (NaN, fractional, out of range) gives NaN.
        y_pred: Cosines between each sample's embedding and the C proxies, shape
            `(batch, C)`, `C >= 2`: the output of `lossbook.layers.CosineHead`,
            whose kernel holds the proxies.
        margin: The margin `delta`, a number >= 0. Defaults to `0.1`, the
            paper's.
        alpha: The scaling factor `alpha`, a number > 0. Defaults to `32.0`, the
            paper's.

    Returns:
        The per-sample loss, shape `(batch,)`.

    Raises:
        ValueError: If `margin < 0`, `alpha <= 0`, or the shapes are not those
            above (naming both).

    Examples:
        >>> import numpy as np
        >>> from lossbook import proxy_anchor_loss
        >>> cosines = np.array([[0.9, 0.1, -0.2], [0.3, 0.5, 0.4], [0.8, 0.2, 0.0]])
        >>> labels = np.array([0, 1, 0])
        >>> loss = np.asarray(proxy_anchor_loss(labels, cosines))
        >>> print(np.round(loss, 4))
        [ 0.3776 28.8     9.2625]
        >>> round(float(np.asarray(loss).mean()), 4)  # the paper's L for this batch
        12.8133

    References:
        Kim, Kim, Cho and Kwak, "Proxy Anchor Loss for Deep Metric Learning",
        CVPR 2020, arXiv:2003.13911, Eq. 4.
    """
    targets, cosines, valid, result_dtype = _cosines_and_targets(y_true, y_pred)
    if cosines.shape[0] == 0:
        return empty_values(cosines, 1, result_dtype)
    positive = targets > 0.0
    negative = ops.logical_not(positive)
    exponents = ops.where(
        positive, -alpha * (cosines - margin), alpha * (cosines + margin)
    )
    # Each proxy's sums relative to its largest exponent (of each kind), so that no
    # exp overflows; the fill only needs to lie below every real exponent.
    lowest = ops.stop_gradient(ops.amin(exponents))
    top_positive = ops.stop_gradient(
        ops.amax(ops.where(positive, exponents, lowest), axis=0, keepdims=True)
    )
    top_negative = ops.stop_gradient(
        ops.amax(ops.where(negative, exponents, lowest), axis=0, keepdims=True)
    )
    scaled = ops.exp(exponents - ops.where(positive, top_positive, top_negative))
    zero = ops.zeros_like(scaled)
    sum_positive = ops.sum(ops.where(positive, scaled, zero), axis=0, keepdims=True)
    sum_negative = ops.sum(ops.where(negative, scaled, zero), axis=0, keepdims=True)
    has_positive = ops.any(positive, axis=0, keepdims=True)
    has_negative = ops.any(negative, axis=0, keepdims=True)
    ones = ops.ones_like(sum_positive)
    sum_positive = ops.where(has_positive, sum_positive, ones)
    sum_negative = ops.where(has_negative, sum_negative, ones)
    # log(1 + sum exp(a)) = softplus(top + log(sum exp(a - top))).
    nothing = ops.zeros_like(sum_positive)
    term_positive = ops.where(
        has_positive, _softplus(top_positive + ops.log(sum_positive)), nothing
    )
    term_negative = ops.where(
        has_negative, _softplus(top_negative + ops.log(sum_negative)), nothing
    )
    proxies_with_positives = ops.sum(ops.cast(has_positive, scaled.dtype))
    weight_positive = term_positive / maximum(
        proxies_with_positives, ops.ones_like(proxies_with_positives)
    )
    weight_negative = term_negative / ops.cast(ops.shape(scaled)[1], scaled.dtype)
    shares = ops.where(
        positive,
        scaled / sum_positive * weight_positive,
        scaled / sum_negative * weight_negative,
    )
    batch_size = ops.cast(ops.shape(scaled)[0], scaled.dtype)
    losses = batch_size * ops.sum(shares, axis=1)
    # A sample without a valid label (or a NaN in a one-hot row) would silently
    # be a negative of every proxy: the whole batch is NaN instead.
    if valid is None:
        losses = nan_if_not_finite(losses, targets)
    else:
        losses = nan_if_not_finite(losses, _nan_where_invalid(zero[:, 0], valid))
    return ops.cast(losses, result_dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class ProxyAnchorLoss(FunctionLoss):
    """Proxy-Anchor loss on the cosines between embeddings and learnt proxies.

    The class form of `proxy_anchor_loss`. `y_pred` holds the cosines between
    each embedding and the proxies, the output of `lossbook.layers.CosineHead`
    (the head's kernel holds the proxies); `y_true` the integer labels or
    one-hot rows. With the default reduction it returns the paper's batch loss,
    pytorch-metric-learning's `ProxyAnchorLoss` value. Sample weights weight each
    sample's share of the batch loss; see `proxy_anchor_loss`.

    Args:
        margin: The margin `delta`, a number >= 0. Defaults to `0.1`.
        alpha: The scaling factor, a number > 0. Defaults to `32.0`.
        reduction: `"sum_over_batch_size"` (default, the paper's loss), `"sum"`,
            `"mean_with_sample_weight"`, `"mean"` or `None`.
        name: Name of the loss. Defaults to `"proxy_anchor_loss"`.
        dtype: Dtype of the loss computation. Defaults to `None` (floatx).

    Raises:
        ValueError: If `margin < 0` or `alpha <= 0`.

    Examples:
        >>> import numpy as np
        >>> from lossbook import ProxyAnchorLoss
        >>> cosines = np.array([[0.9, 0.1, -0.2], [0.3, 0.5, 0.4], [0.8, 0.2, 0.0]])
        >>> labels = np.array([0, 1, 0])
        >>> round(float(ProxyAnchorLoss()(labels, cosines)), 4)
        12.8133
        >>> ProxyAnchorLoss(alpha=-1.0)
        Traceback (most recent call last):
        ...
        ValueError: `alpha` must be > 0, got alpha=-1.0.
    """

    def __init__(
        self,
        margin: float = 0.1,
        alpha: float = 32.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "proxy_anchor_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            proxy_anchor_loss,
            margin=margin,
            alpha=alpha,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )

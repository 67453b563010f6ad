"""What each figure shows, as data: one `LossFigure` per public loss, one `Overview`
per family page.

A curve is a lossbook function called with some hyperparameters on inputs built from
x by `build(x, **inputs) -> (y_true, y_pred)`:

- for a per-sample loss, `x` is the whole grid, one sample per point, and the curve
  is the function's per-sample values;
- for an in-batch loss (`in_batch=True`), `x` is one point, from which the builder
  makes a small batch; the curve is the value of the batch's first sample (the
  anchor, or the sample whose x varies).

The right panel of a figure is the derivative of the curve along x, by autograd
through the builder. Where x is the prediction itself (an entry of y_pred, or the
error y_pred - y_true), that derivative is the gradient with respect to the
prediction (`gradient=True`).

Builders use keras.ops, imported when they run, and keep the dtype of x (float32 in
the build, float64 in the tests' finite differences).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Text:
    """A label in the reader's language: a key of `labels.TEXT`."""

    key: str


@dataclass(frozen=True)
class Axis:
    """The x axis: `points` evenly spaced values from `start` to `stop`."""

    start: float
    stop: float
    points: int
    label: Text


@dataclass(frozen=True)
class Part:
    """`lossbook.<name>(**config)`, built when the curve is computed: the parts of a
    CombinedLoss, kept as data."""

    name: str
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Curve:
    """One line of a figure: `function(*build(x, **inputs), **kwargs)` against x."""

    function: str
    build: Callable[..., tuple[Any, Any]]
    legend: str | Text
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    in_batch: bool = False


@dataclass(frozen=True)
class LossFigure:
    """The figure of one public loss: its value and derivative, one line per setting."""

    loss: str
    function: str
    page: str
    axis: Axis
    caption: Text
    curves: tuple[Curve, ...]
    gradient: bool = False

    @property
    def name(self) -> str:
        return self.function


@dataclass(frozen=True)
class OverviewLine:
    """A curve of an overview, computed on the grid of `axis` and drawn at
    `to_x(x)`: a curve of a loss's figure is shared, not computed again."""

    curve: Curve
    axis: Axis
    label: str | Text
    to_x: Callable[[np.ndarray], np.ndarray] | None = None


@dataclass(frozen=True)
class Overview:
    """A family's losses on one axis, values only."""

    name: str
    family: Text
    page: str
    axis: Axis
    caption: Text
    lines: tuple[OverviewLine, ...]
    normalised: bool = False


# ---------------------------------------------------------------------------
# Builders: x -> (y_true, y_pred).


def _constant(values: Any, like: Any) -> Any:
    """`values` as a tensor of the float dtype of `like`."""
    import keras

    dtype = keras.backend.standardize_dtype(like.dtype)
    return keras.ops.convert_to_tensor(np.asarray(values, dtype=dtype))


def error(x: Any) -> tuple[Any, Any]:
    """A target of 0: the prediction x is the error y_pred - y_true."""
    from keras import ops

    return ops.zeros_like(x), x


def positive_logit(x: Any) -> tuple[Any, Any]:
    """A positive sample (y_true = 1) whose logit is x."""
    from keras import ops

    return ops.ones_like(x), x


def true_class_logit(x: Any, sparse: bool = False) -> tuple[Any, Any]:
    """Two classes, the first one true, logits [x, 0]: a one-hot or integer target."""
    from keras import ops

    zeros = ops.zeros_like(x)
    target = zeros if sparse else ops.stack([ops.ones_like(x), zeros], axis=-1)
    return target, ops.stack([x, zeros], axis=-1)


TEACHER_LOGITS = (2.0, 0.0, -2.0)


def student_logit(x: Any) -> tuple[Any, Any]:
    """The teacher's logits (2, 0, -2) and the student's (x, 0, -2)."""
    from keras import ops

    teacher = ops.broadcast_to(_constant(TEACHER_LOGITS, x), (x.shape[0], 3))
    rest = [ops.full_like(x, value) for value in TEACHER_LOGITS[1:]]
    return teacher, ops.stack([x, *rest], axis=-1)


OBJECT = (1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0)  # an 8-pixel mask, 4 object pixels


def _object_probability(x: Any, mask: Any) -> Any:
    """Per pixel, the predicted probability of the object: x on it, 1 - x elsewhere,
    so that every pixel gets probability x for its right class."""
    return mask * x[..., None] + (1 - mask) * (1 - x[..., None])


def mask_probabilities(x: Any) -> tuple[Any, Any]:
    """One 8-pixel mask per point, predicted with probability x of the right class."""
    from keras import ops

    mask = _constant(OBJECT, x)
    masks = ops.broadcast_to(mask, (x.shape[0], len(OBJECT)))
    return masks, _object_probability(x, mask)


def mask_classes(x: Any, classes: int) -> tuple[Any, Any]:
    """`mask_probabilities` as class ids (object 1, background 0) and a softmax
    output over `classes` classes; the classes beyond 1 get probability 0."""
    from keras import ops

    mask, probability = mask_probabilities(x)
    absent = [ops.zeros_like(probability)] * (classes - 2)
    return mask, ops.stack([1 - probability, probability, *absent], axis=-1)


def two_images_logits(x: Any) -> tuple[Any, Any]:
    """Two 8-pixel masks: the first predicted with logit log(x / (1 - x)) for its
    right class on every pixel, the second right with margin (logits +-2)."""
    from keras import ops

    mask = _constant(OBJECT, x)
    probability = _object_probability(x, mask)
    first = ops.log(probability) - ops.log(1 - probability)
    second = 2 * (2 * mask - 1)
    return ops.stack([mask, mask]), ops.stack([first, second])


def shifted_box(x: Any) -> tuple[Any, Any]:
    """The target box (0, 0, 1, 1) and the same box shifted right by x."""
    from keras import ops

    zeros, ones = ops.zeros_like(x), ops.ones_like(x)
    target = ops.stack([zeros, zeros, ones, ones], axis=-1)
    return target, ops.stack([x, zeros, x + 1, ones], axis=-1)


KAPPA_CLASSES = 5


def moved_probability(x: Any, step: int) -> tuple[Any, Any]:
    """One sample per class, one-hot targets; each sample keeps 1 - x on its class
    and puts x on the class `step` classes away."""
    identity = np.eye(KAPPA_CLASSES)
    away = [
        i + step if i + step < KAPPA_CLASSES else i - step for i in range(KAPPA_CLASSES)
    ]
    one_hot = _constant(identity, x)
    return one_hot, (1 - x) * one_hot + x * _constant(identity[away], x)


def moved_probability_of_one(x: Any, step: int) -> tuple[Any, Any]:
    """One sample of class 0 per point, as in `moved_probability`: 1 - x on class 0,
    x on class `step`."""
    from keras import ops

    one_hot = np.eye(KAPPA_CLASSES)
    target = ops.broadcast_to(_constant(one_hot[0], x), (x.shape[0], KAPPA_CLASSES))
    return target, (1 - x[:, None]) * target + x[:, None] * _constant(one_hot[step], x)


NEGATIVE_COSINES = (0.5, -0.28)  # distances 1 and 1.6 from the anchor


def anchor_positive(cosine: Any) -> tuple[Any, Any]:
    """Four unit embeddings, labels [0, 1, 0, 1]: the anchor, a negative, the
    positive at `cosine` from the anchor, another negative.

    Rows 0 and 2 are also the two views of one example for NT-Xent and
    CrossViewInfoNCE, rows 1 and 3 those of another.
    """
    from keras import ops

    zero, one = ops.zeros_like(cosine), ops.ones_like(cosine)
    anchor = ops.stack([one, zero, zero])
    positive = ops.stack([cosine, ops.sqrt(1 - cosine**2), zero])
    near, far = (
        _constant([c, 0.0, side * math.sqrt(1 - c * c)], cosine)
        for c, side in zip(NEGATIVE_COSINES, (1, -1), strict=True)
    )
    labels = _constant([0, 1, 0, 1], cosine)
    return labels, ops.stack([anchor, near, positive, far])


def anchor_positive_distance(distance: Any) -> tuple[Any, Any]:
    """`anchor_positive` with the positive at `distance` from the anchor."""
    return anchor_positive(1 - distance**2 / 2)


def target_cosine(x: Any) -> tuple[Any, Any]:
    """Cosines to two class centres: x to the target's (class 0), 0 to the other."""
    from keras import ops

    return ops.zeros_like(x), ops.stack([x, ops.zeros_like(x)], axis=-1)


def one_sample_target_cosine(x: Any) -> tuple[Any, Any]:
    """`target_cosine` as a batch of one sample."""
    from keras import ops

    return _constant([0.0], x), ops.stack([x, ops.zeros_like(x)])[None, :]


def _first_similarity(x: Any, pairs: int) -> Any:
    """A `pairs` x `pairs` similarity matrix: row 0 is [x, 0, ...], the other rows
    are those of the identity."""
    first = np.zeros((pairs, pairs))
    first[0, 0] = 1.0
    return x * _constant(first, x) + _constant(np.eye(pairs) - first, x)


def positive_similarity(x: Any, pairs: int) -> tuple[Any, Any]:
    """`pairs` pairs of different labels; anchor 0's similarity to its positive is x,
    to the other positives 0."""
    return _constant(np.arange(pairs), x), _first_similarity(x, pairs)


def shared_label_similarity(x: Any, shared: bool) -> tuple[Any, Any]:
    """Three pairs with multi-hot labels 0, 1, 2; pair 0 also has label 1 (pair 1's)
    if `shared`. Similarities as in `positive_similarity`."""
    labels = np.eye(3)
    labels[0, 1] = float(shared)
    return _constant(labels, x), _first_similarity(x, 3)


def pair_distance(x: Any, similar: bool) -> tuple[Any, Any]:
    """Pairs whose embeddings are x apart, similar (y_true = 1) or not (0)."""
    from keras import ops

    return ops.full_like(x, float(similar)), x


def similar_pair_at_cosine(x: Any) -> tuple[Any, Any]:
    """A similar pair of unit embeddings at cosine x: distance sqrt(2 - 2x)."""
    from keras import ops

    return ops.ones_like(x), ops.sqrt(2 - 2 * x)


# ---------------------------------------------------------------------------
# Curves.


def show(value: Any) -> str:
    """A setting as the legend writes it: 0.5, 10, iou, [1, 0.5]."""
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, Sequence):
        return "[" + ", ".join(show(item) for item in value) + "]"
    return f"{value:g}"


def settings(
    function: str,
    build: Callable[..., tuple[Any, Any]],
    name: str,
    values: Sequence[Any],
    *,
    in_batch: bool = False,
    inputs: Mapping[str, Any] | None = None,
    **fixed: Any,
) -> tuple[Curve, ...]:
    """One curve per value of the hyperparameter `name`, the others `fixed`."""
    return tuple(
        Curve(
            function,
            build,
            legend=f"{name} = {show(value)}",
            kwargs={**fixed, name: value},
            inputs=inputs or {},
            in_batch=in_batch,
        )
        for value in values
    )


def pick(
    figure: LossFigure,
    legend: str | Text,
    *,
    label: str | None = None,
    to_x: Callable[[np.ndarray], np.ndarray] | None = None,
) -> OverviewLine:
    """The curve of `figure` with this legend, for an overview, labelled by default
    with the loss's name."""
    for curve in figure.curves:
        if curve.legend == legend:
            return OverviewLine(curve, figure.axis, label or figure.loss, to_x)
    raise KeyError(f"{figure.loss} has no curve {legend!r}")


def own(curve: Curve, axis: Axis) -> OverviewLine:
    """A curve that only an overview draws, labelled with its legend."""
    return OverviewLine(curve, axis, curve.legend)


def cosine_of_distance(distance: np.ndarray) -> np.ndarray:
    """The cosine of two unit vectors `distance` apart."""
    return 1 - distance**2 / 2


# ---------------------------------------------------------------------------
# The figures.

CATALOG = "reference/catalog/"
TEMPERATURE = "explanation/temperature.md"

ERROR = Axis(-3.0, 3.0, 81, Text("error"))
LOGIT = Axis(-6.0, 6.0, 81, Text("true_class_logit"))
PIXEL = Axis(0.02, 0.98, 49, Text("right_class_probability"))
COSINE = Axis(-0.95, 0.95, 39, Text("anchor_positive_cosine"))
DISTANCE = Axis(0.05, 1.95, 39, Text("anchor_positive_distance"))

SMOOTH_L1 = LossFigure(
    "SmoothL1Loss",
    "smooth_l1_loss",
    CATALOG + "regression.md",
    ERROR,
    Text("target_zero"),
    settings("smooth_l1_loss", error, "beta", [0.0, 1.0, 2.0]),
    gradient=True,
)
PINBALL = LossFigure(
    "PinballLoss",
    "pinball_loss",
    CATALOG + "regression.md",
    ERROR,
    Text("target_zero"),
    settings("pinball_loss", error, "quantiles", [0.1, 0.5, 0.9]),
    gradient=True,
)
SCALED_MSE = LossFigure(
    "ScaledMeanSquaredError",
    "scaled_mean_squared_error",
    TEMPERATURE,
    ERROR,
    Text("target_zero"),
    settings("scaled_mean_squared_error", error, "scale", [0.6, 1.0, 2.0]),
    gradient=True,
)
WEIGHTED_BCE = LossFigure(
    "WeightedBinaryCrossentropy",
    "weighted_binary_crossentropy",
    "how-to/false-negatives.md",
    dataclasses.replace(LOGIT, label=Text("positive_logit")),
    Text("positive_sample"),
    settings(
        "weighted_binary_crossentropy",
        positive_logit,
        "pos_weight",
        [1.0, 5.0, 10.0],
        from_logits=True,
    ),
    gradient=True,
)
POLY = LossFigure(
    "PolyLoss",
    "poly_loss",
    CATALOG + "classification.md",
    LOGIT,
    Text("two_classes"),
    settings(
        "poly_loss", true_class_logit, "epsilon", [-1.0, 0.0, 1.0], from_logits=True
    ),
    gradient=True,
)
FOCAL = LossFigure(
    "SparseCategoricalFocalLoss",
    "sparse_categorical_focal_loss",
    CATALOG + "classification.md",
    LOGIT,
    Text("two_classes"),
    settings(
        "sparse_categorical_focal_loss",
        true_class_logit,
        "gamma",
        [0.0, 2.0, 5.0],
        inputs={"sparse": True},
        from_logits=True,
    ),
    gradient=True,
)
DISTILLATION = LossFigure(
    "DistillationLoss",
    "distillation_loss",
    TEMPERATURE,
    Axis(-4.0, 8.0, 81, Text("student_logit")),
    Text("teacher_logits"),
    settings("distillation_loss", student_logit, "temperature", [1.0, 2.0, 4.0]),
    gradient=True,
)
JACCARD = LossFigure(
    "JaccardLoss",
    "jaccard_loss",
    CATALOG + "segmentation.md",
    PIXEL,
    Text("eight_pixels"),
    settings("jaccard_loss", mask_probabilities, "smooth", [0.0, 1.0, 10.0]),
)
# per_image=True: every point is an image of its own. For one image it gives the
# value of the default (the dice over the batch's pixels).
DICE = LossFigure(
    "DiceLoss",
    "dice_loss",
    CATALOG + "segmentation.md",
    PIXEL,
    Text("eight_pixels"),
    settings(
        "dice_loss", mask_probabilities, "log_loss", [False, True], per_image=True
    ),
)
FOCAL_TVERSKY = LossFigure(
    "FocalTverskyLoss",
    "focal_tversky_loss",
    CATALOG + "segmentation.md",
    PIXEL,
    Text("eight_pixels"),
    settings("focal_tversky_loss", mask_probabilities, "gamma", [0.5, 0.75, 1.0]),
)
LOVASZ_HINGE = LossFigure(
    "LovaszHingeLoss",
    "lovasz_hinge_loss",
    CATALOG + "segmentation.md",
    PIXEL,
    Text("two_images"),
    settings(
        "lovasz_hinge_loss",
        two_images_logits,
        "per_image",
        [True, False],
        in_batch=True,
    ),
)
LOVASZ_SOFTMAX = LossFigure(
    "LovaszSoftmaxLoss",
    "lovasz_softmax_loss",
    CATALOG + "segmentation.md",
    PIXEL,
    Text("three_classes"),
    settings(
        "lovasz_softmax_loss",
        mask_classes,
        "classes",
        ["present", "all"],
        inputs={"classes": 3},
        per_image=True,
    ),
)
BOX_IOU = LossFigure(
    "BoxIoULoss",
    "box_iou_loss",
    CATALOG + "detection.md",
    Axis(-2.5, 2.5, 51, Text("box_shift")),
    Text("shifted_box"),
    settings("box_iou_loss", shifted_box, "mode", ["iou", "giou", "diou", "ciou"]),
)
WEIGHTED_KAPPA = LossFigure(
    "WeightedKappaLoss",
    "weighted_kappa_loss",
    CATALOG + "ordinal-classification.md",
    Axis(0.02, 0.98, 49, Text("moved_probability")),
    Text("kappa_batch"),
    tuple(
        Curve(
            "weighted_kappa_loss",
            moved_probability,
            legend=f"{weightage}, k = {step}",
            kwargs={"num_classes": KAPPA_CLASSES, "weightage": weightage},
            inputs={"step": step},
            in_batch=True,
        )
        for weightage, step in (("quadratic", 1), ("quadratic", 4), ("linear", 1))
    ),
)
COMBINED_PARTS = [
    Part("WeightedBinaryCrossentropy", {"pos_weight": 3.0}),
    Part("JaccardLoss"),
]
COMBINED = LossFigure(
    "CombinedLoss",
    "combined_loss",
    CATALOG + "composition.md",
    PIXEL,
    Text("combined_parts"),
    settings(
        "combined_loss",
        mask_probabilities,
        "weights",
        [[1.0, 0.5], [1.0, 1.0], [1.0, 2.0]],
        losses=COMBINED_PARTS,
    ),
)
CONTRASTIVE = LossFigure(
    "ContrastiveLoss",
    "contrastive_loss",
    CATALOG + "metric-learning.md",
    Axis(0.0, 2.0, 41, Text("pair_distance")),
    Text("contrastive_pairs"),
    settings(
        "contrastive_loss",
        pair_distance,
        "margin",
        [0.5, 1.0, 1.5],
        inputs={"similar": False},
    )
    + (
        Curve(
            "contrastive_loss",
            pair_distance,
            legend=Text("similar_pair"),
            inputs={"similar": True},
        ),
    ),
    gradient=True,
)


def _triplets(loss: str, function: str, caption: str) -> LossFigure:
    curves = settings(
        function, anchor_positive_distance, "margin", [0.2, 0.5, 1.0], in_batch=True
    )
    return LossFigure(
        loss, function, CATALOG + "metric-learning.md", DISTANCE, Text(caption), curves
    )


def _anchor_figure(
    loss: str,
    function: str,
    name: str,
    values: list[float],
    caption: str = "anchor_batch",
) -> LossFigure:
    """A figure of an embedding loss against the anchor-positive cosine."""
    curves = settings(function, anchor_positive, name, values, in_batch=True)
    return LossFigure(
        loss, function, CATALOG + "metric-learning.md", COSINE, Text(caption), curves
    )


TRIPLET_SEMIHARD = _triplets(
    "TripletSemiHardLoss", "triplet_semihard_loss", "semihard_batch"
)
TRIPLET_HARD = _triplets("TripletHardLoss", "triplet_hard_loss", "triplet_batch")
LIFTED = LossFigure(
    "LiftedStructLoss",
    "lifted_struct_loss",
    CATALOG + "metric-learning.md",
    DISTANCE,
    Text("triplet_batch"),
    settings(
        "lifted_struct_loss",
        anchor_positive_distance,
        "margin",
        [0.5, 1.0, 2.0],
        in_batch=True,
    ),
)
NT_XENT = _anchor_figure("NTXentLoss", "nt_xent_loss", "temperature", [0.1, 0.5, 1.0])
CROSS_VIEW = _anchor_figure(
    "CrossViewInfoNCELoss", "cross_view_info_nce_loss", "temperature", [0.1, 0.5, 1.0]
)
SUPCON = _anchor_figure("SupConLoss", "supcon_loss", "temperature", [0.07, 0.2, 0.5])
MULTI_SIMILARITY = _anchor_figure(
    "MultiSimilarityLoss",
    "multi_similarity_loss",
    "alpha",
    [1.0, 2.0, 10.0],
    "mined_batch",
)
TARGET_COSINE = dataclasses.replace(COSINE, label=Text("target_cosine"))
ARCFACE = LossFigure(
    "ArcFaceLoss",
    "arcface_loss",
    CATALOG + "metric-learning.md",
    TARGET_COSINE,
    Text("class_centres"),
    settings("arcface_loss", target_cosine, "margin", [0.1, 0.3, 0.5]),
    gradient=True,
)
COSFACE = LossFigure(
    "CosFaceLoss",
    "cosface_loss",
    CATALOG + "metric-learning.md",
    TARGET_COSINE,
    Text("class_centres"),
    settings("cosface_loss", target_cosine, "margin", [0.1, 0.35, 0.5]),
    gradient=True,
)
PROXY_ANCHOR = LossFigure(
    "ProxyAnchorLoss",
    "proxy_anchor_loss",
    CATALOG + "metric-learning.md",
    TARGET_COSINE,
    Text("proxy_batch"),
    settings(
        "proxy_anchor_loss",
        one_sample_target_cosine,
        "alpha",
        [16.0, 32.0, 64.0],
        in_batch=True,
    ),
    gradient=True,
)
NPAIRS = LossFigure(
    "NPairsLoss",
    "npairs_loss",
    CATALOG + "metric-learning.md",
    dataclasses.replace(COSINE, label=Text("positive_similarity")),
    Text("npairs_batch"),
    tuple(
        Curve(
            "npairs_loss",
            positive_similarity,
            legend=f"N = {pairs}",
            inputs={"pairs": pairs},
            in_batch=True,
        )
        for pairs in (2, 4, 16)
    ),
    gradient=True,
)
NPAIRS_MULTILABEL = LossFigure(
    "NPairsMultilabelLoss",
    "npairs_multilabel_loss",
    CATALOG + "metric-learning.md",
    dataclasses.replace(COSINE, label=Text("positive_similarity")),
    Text("multilabel_batch"),
    tuple(
        Curve(
            "npairs_multilabel_loss",
            shared_label_similarity,
            legend=Text(key),
            inputs={"shared": shared},
            in_batch=True,
        )
        for key, shared in (("no_shared_label", False), ("one_shared_label", True))
    ),
    gradient=True,
)

FIGURES: tuple[LossFigure, ...] = (
    SMOOTH_L1,
    PINBALL,
    SCALED_MSE,
    WEIGHTED_BCE,
    POLY,
    FOCAL,
    DISTILLATION,
    JACCARD,
    DICE,
    FOCAL_TVERSKY,
    LOVASZ_HINGE,
    LOVASZ_SOFTMAX,
    BOX_IOU,
    WEIGHTED_KAPPA,
    COMBINED,
    CONTRASTIVE,
    TRIPLET_SEMIHARD,
    TRIPLET_HARD,
    NT_XENT,
    CROSS_VIEW,
    SUPCON,
    MULTI_SIMILARITY,
    ARCFACE,
    COSFACE,
    PROXY_ANCHOR,
    NPAIRS,
    NPAIRS_MULTILABEL,
    LIFTED,
)

# ---------------------------------------------------------------------------
# The overviews: a family's losses on one axis.


METRIC_OVERVIEW_AXIS = dataclasses.replace(COSINE, label=Text("overview_cosine"))

OVERVIEWS: tuple[Overview, ...] = (
    Overview(
        "regression-overview",
        Text("family_regression"),
        CATALOG + "regression.md",
        ERROR,
        Text("overview_regression"),
        (
            pick(SMOOTH_L1, "beta = 1", label="SmoothL1Loss (beta = 1)"),
            pick(PINBALL, "quantiles = 0.5", label="PinballLoss (quantiles = 0.5)"),
            pick(SCALED_MSE, "scale = 1", label="ScaledMeanSquaredError (scale = 1)"),
        ),
    ),
    Overview(
        "classification-overview",
        Text("family_classification"),
        CATALOG + "classification.md",
        LOGIT,
        Text("overview_classification"),
        (
            pick(
                WEIGHTED_BCE,
                "pos_weight = 1",
                label="WeightedBinaryCrossentropy (pos_weight = 1)",
            ),
            pick(POLY, "epsilon = 1", label="PolyLoss (epsilon = 1)"),
            pick(FOCAL, "gamma = 2", label="SparseCategoricalFocalLoss (gamma = 2)"),
        ),
    ),
    Overview(
        "segmentation-overview",
        Text("family_segmentation"),
        CATALOG + "segmentation.md",
        PIXEL,
        Text("overview_segmentation"),
        (
            pick(JACCARD, "smooth = 1"),
            pick(DICE, "log_loss = False"),
            pick(FOCAL_TVERSKY, "gamma = 0.75"),
            pick(LOVASZ_HINGE, "per_image = True"),
            pick(LOVASZ_SOFTMAX, "classes = present"),
        ),
    ),
    Overview(
        "metric-learning-overview",
        Text("family_metric_learning"),
        CATALOG + "metric-learning.md",
        METRIC_OVERVIEW_AXIS,
        Text("overview_metric_learning"),
        (
            own(
                Curve("contrastive_loss", similar_pair_at_cosine, "ContrastiveLoss"),
                METRIC_OVERVIEW_AXIS,
            ),
            pick(TRIPLET_SEMIHARD, "margin = 1", to_x=cosine_of_distance),
            pick(TRIPLET_HARD, "margin = 1", to_x=cosine_of_distance),
            pick(LIFTED, "margin = 1", to_x=cosine_of_distance),
            pick(NT_XENT, "temperature = 0.5"),
            pick(CROSS_VIEW, "temperature = 0.1"),
            pick(SUPCON, "temperature = 0.07"),
            pick(MULTI_SIMILARITY, "alpha = 2"),
            pick(ARCFACE, "margin = 0.5"),
            pick(COSFACE, "margin = 0.35"),
            pick(PROXY_ANCHOR, "alpha = 32"),
            pick(NPAIRS, "N = 4"),
            pick(NPAIRS_MULTILABEL, Text("one_shared_label")),
        ),
        normalised=True,
    ),
    Overview(
        "detection-overview",
        Text("family_detection"),
        CATALOG + "detection.md",
        BOX_IOU.axis,
        Text("overview_detection"),
        tuple(
            pick(BOX_IOU, f"mode = {mode}", label=f"BoxIoULoss (mode = {mode})")
            for mode in ("iou", "giou", "diou", "ciou")
        )
        + (
            own(
                Curve(
                    "smooth_l1_loss",
                    shifted_box,
                    "SmoothL1Loss (beta = 1)",
                    kwargs={"beta": 1.0},
                ),
                BOX_IOU.axis,
            ),
        ),
    ),
    Overview(
        "ordinal-classification-overview",
        Text("family_ordinal"),
        CATALOG + "ordinal-classification.md",
        WEIGHTED_KAPPA.axis,
        Text("overview_ordinal"),
        (
            pick(
                WEIGHTED_KAPPA,
                "quadratic, k = 1",
                label="WeightedKappaLoss (k = 1)",
            ),
            pick(
                WEIGHTED_KAPPA,
                "quadratic, k = 4",
                label="WeightedKappaLoss (k = 4)",
            ),
            own(
                Curve(
                    "poly_loss",
                    moved_probability_of_one,
                    Text("cross_entropy"),
                    kwargs={"epsilon": 0.0},
                    inputs={"step": 1},
                ),
                WEIGHTED_KAPPA.axis,
            ),
        ),
    ),
    Overview(
        "composition-overview",
        Text("family_composition"),
        CATALOG + "composition.md",
        PIXEL,
        Text("overview_composition"),
        (
            own(
                Curve(
                    "weighted_binary_crossentropy",
                    mask_probabilities,
                    "WeightedBinaryCrossentropy (pos_weight = 3)",
                    kwargs={"pos_weight": 3.0},
                ),
                PIXEL,
            ),
            pick(JACCARD, "smooth = 1"),
            pick(COMBINED, "weights = [1, 1]", label="CombinedLoss (weights = [1, 1])"),
        ),
    ),
)

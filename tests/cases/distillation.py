"""Contract data of the distillation loss (src/lossbook/distillation.py)."""

import numpy as np
from references import distillation as ref

import lossbook
from cases import (
    CLASSES,
    LossCase,
    LossSpec,
    clipped_probabilities,
    two_sets_of_logits,
)


def two_sets_of_probabilities(rng, shape):
    """Softmax of two sets of logits (softer than above, for float16)."""
    found = []
    for logits in two_sets_of_logits(rng, shape):
        e = np.exp(logits / 1.5 - (logits / 1.5).max(axis=-1, keepdims=True))
        found.append((e / e.sum(axis=-1, keepdims=True)).astype("float32"))
    return tuple(found)


SPECS = [
    LossSpec(
        lossbook.DistillationLoss,
        lossbook.distillation_loss,
        non_default={"temperature": 3.0, "from_logits": False},
        make_inputs=two_sets_of_probabilities,
        invalid=(
            ({"temperature": 0}, "`temperature` must be > 0, got temperature=0"),
            ({"temperature": -0.5}, "`temperature` must be > 0, got temperature=-0.5"),
            ({"temperature": float("inf")}, "`temperature` must be finite"),
            (
                {"temperature": "2"},
                "`temperature` must be a number, got temperature='2'",
            ),
            (
                {"from_logits": "no"},
                "`from_logits` must be True or False, got from_logits='no'",
            ),
        ),
    )
]

CASES = [
    LossCase(
        "distillation",
        lossbook.DistillationLoss,
        lossbook.distillation_loss,
        {"temperature": 2.5},
        lambda t, s: ref.distillation(t, s, 2.5),
        two_sets_of_logits,
        shapes=CLASSES,
    ),
    LossCase(
        "distillation_probabilities",
        lossbook.DistillationLoss,
        lossbook.distillation_loss,
        {"temperature": 2.0, "from_logits": False},
        lambda t, s: ref.distillation_from_probabilities(t, s, 2.0),
        two_sets_of_probabilities,
        shapes=CLASSES,
        model_output={"activation": "softmax"},
        for_finite_differences=clipped_probabilities,
    ),
]

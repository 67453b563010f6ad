"""Contract data of the distillation loss (src/lossbook/distillation.py)."""

from references import distillation as ref

import lossbook
from cases import CLASSES, LossCase, LossSpec, two_sets_of_logits

SPECS = [
    LossSpec(
        lossbook.DistillationLoss,
        lossbook.distillation_loss,
        non_default={"temperature": 3.0},
        invalid=(
            ({"temperature": 0}, "`temperature` must be > 0, got temperature=0"),
            ({"temperature": -0.5}, "`temperature` must be > 0, got temperature=-0.5"),
            ({"temperature": float("inf")}, "`temperature` must be finite"),
            (
                {"temperature": "2"},
                "`temperature` must be a number, got temperature='2'",
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
]

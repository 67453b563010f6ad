"""Pairings of src/lossbook/ordinal.py."""

import lossbook
from benchmarks.pairings import Pairing, per_sample

PAIRINGS = [
    Pairing(
        lossbook.WeightedKappaLoss,
        {"num_classes": 4},
        "weighted_kappa_quadratic_4",
        None,
        None,
        per_sample(4),
        notes=("A batch statistic, linear in n: n / 4 samples of 4 classes.",),
    ),
]

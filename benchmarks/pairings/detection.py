"""Pairings of src/lossbook/detection.py."""

import lossbook
from benchmarks.pairings import Pairing, per_sample

PAIRINGS = [
    Pairing(
        lossbook.BoxIoULoss,
        {"mode": "giou"},
        "box_giou",
        None,
        None,
        per_sample(4),
        notes=("Elementwise over boxes: n / 4 boxes of 4 numbers.",),
    ),
]

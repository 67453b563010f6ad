"""Pairings of src/lossbook/distillation.py."""

import keras
from keras import ops

import lossbook
from benchmarks.pairings import Named, Pairing, elementwise


def softmax_kl():
    kl = keras.losses.KLDivergence()
    return lambda t, s: kl(ops.softmax(t, axis=-1), ops.softmax(s, axis=-1))


PAIRINGS = [
    Pairing(
        lossbook.DistillationLoss,
        {"temperature": 1.0},
        "distillation",
        Named("KLDivergence() on softmax(teacher), softmax(student)", softmax_kl),
        "same",
        elementwise(64),
    ),
]

"""Contract cases of the ordinal losses (src/lossbook/ordinal.py)."""

import references_ordinal as ref
from cases import LossCase

import lossbook


def kappa_case(num_classes, weightage):
    return LossCase(
        f"weighted_kappa_{weightage}_{num_classes}",
        lossbook.WeightedKappaLoss,
        lossbook.weighted_kappa_loss,
        {"num_classes": num_classes, "weightage": weightage},
        lambda y, p: ref.weighted_kappa_per_sample(y, p, num_classes, weightage),
        ref.one_hot_targets_and_probabilities(num_classes),
        {"activation": "softmax"},
        # The inputs are (batch, num_classes) with num_classes fixed by the loss,
        # so the generic (8, 1) rank-alignment and (8, 2)-vs-(8, 3) mismatch
        # tests do not apply; test_ordinal.py checks the shape errors instead.
        same_shape=False,
        # A batch statistic: every sample carries the value of the whole batch,
        # so repeating a sample changes the statistic, unlike weighting it.
        independent_samples=False,
    )


CASES = [kappa_case(4, "quadratic"), kappa_case(5, "linear")]

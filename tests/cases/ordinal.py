"""Contract data of the ordinal losses (src/lossbook/ordinal.py)."""

import numpy as np
from references import ordinal as ref

import lossbook
from cases import OWN, LossCase, LossSpec

SPECS = [
    LossSpec(
        lossbook.WeightedKappaLoss,
        lossbook.weighted_kappa_loss,
        non_default={"num_classes": 5, "weightage": "linear", "epsilon": 1e-5},
        required={"num_classes": 4},
        make_inputs=lambda rng, shape: one_hot_targets_and_probabilities(5)(rng, shape),
        invalid=(
            ({"num_classes": 1}, "`num_classes` must be >= 2, got num_classes=1"),
            ({"num_classes": 0}, "`num_classes` must be >= 2, got num_classes=0"),
            ({"num_classes": 4.0}, "`num_classes` must be an int, got num_classes=4.0"),
            (
                {"num_classes": True},
                "`num_classes` must be an int, got num_classes=True",
            ),
            ({"num_classes": "4"}, "`num_classes` must be an int, got num_classes='4'"),
            (
                {"weightage": "cubic"},
                "`weightage` must be one of .*, got weightage='cubic'",
            ),
            ({"epsilon": 0.0}, "`epsilon` must be > 0, got epsilon=0.0"),
            ({"epsilon": float("inf")}, "`epsilon` must be finite, got epsilon=inf"),
            ({"epsilon": "1e-6"}, "`epsilon` must be a number, got epsilon='1e-6'"),
        ),
    )
]


def one_hot_targets_and_probabilities(num_classes):
    """make_inputs for `num_classes` classes: the shape's second number is unused.

    The loss is log(1 - kappa + epsilon): it crosses 0 at kappa = 0, where the
    float32 rounding of the ratio (about 1e-7, absolute) is a large relative
    error whatever the implementation. So these batches keep kappa clearly
    positive (the loss stays below -0.38 over 18,000 drawn batches): each one holds
    the lowest and the highest class, and each prediction puts at least half of
    its mass on the right class.
    """

    def make_inputs(rng, shape):
        batch = shape[0]
        labels = rng.integers(0, num_classes, batch)
        labels[0], labels[-1] = 0, num_classes - 1
        y_true = np.eye(num_classes)[labels]
        noise = rng.dirichlet(np.ones(num_classes), batch)
        share = rng.uniform(0, 0.5, (batch, 1))
        probabilities = (1 - share) * y_true + share * noise
        return y_true.astype("float32"), probabilities.astype("float32")

    return make_inputs


def kappa_case(num_classes, weightage):
    return LossCase(
        f"weighted_kappa_{weightage}_{num_classes}",
        lossbook.WeightedKappaLoss,
        lossbook.weighted_kappa_loss,
        {"num_classes": num_classes, "weightage": weightage},
        lambda y, p: ref.weighted_kappa_per_sample(y, p, num_classes, weightage),
        one_hot_targets_and_probabilities(num_classes),
        # The inputs are (batch, num_classes) with num_classes fixed by the loss:
        # test_ordinal.py checks the shape errors.
        shapes=OWN,
        values_per_position=False,
        # A batch statistic: every sample carries the value of the whole batch,
        # so repeating a sample changes the statistic, unlike weighting it.
        independent_samples=False,
        model_output={"activation": "softmax"},
    )


CASES = [kappa_case(4, "quadratic"), kappa_case(5, "linear")]

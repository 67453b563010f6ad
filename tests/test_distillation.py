"""DistillationLoss against Keras KL divergence and PyTorch kl_div, and at edges."""

import keras
import numpy as np
import pytest
from backend_tools import gradient
from keras import ops

from lossbook import DistillationLoss, distillation_loss

torch = pytest.importorskip(
    "torch", reason="PyTorch is a test dependency (torch==2.13.0)"
)


def logits_pair(seed=0, shape=(16, 10)):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 2, shape).astype("float32"), rng.normal(0, 2, shape).astype(
        "float32"
    )


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_temperature_one_equals_keras_kl_divergence_of_the_softmaxes():
    teacher, student = logits_pair()
    keras_loss = keras.losses.KLDivergence()(softmax(teacher), softmax(student))
    assert float(DistillationLoss()(teacher, student)) == pytest.approx(
        float(keras_loss), rel=1e-5
    )


@pytest.mark.parametrize("temperature", [0.5, 1.0, 4.0])
def test_matches_torch_kl_div_times_temperature_squared(temperature):
    teacher, student = logits_pair()
    t, s = torch.from_numpy(teacher), torch.from_numpy(student)
    kl = torch.nn.functional.kl_div(
        torch.log_softmax(s / temperature, dim=-1),
        torch.log_softmax(t / temperature, dim=-1),
        reduction="none",
        log_target=True,
    ).sum(dim=-1)
    ours = distillation_loss(teacher, student, temperature)
    np.testing.assert_allclose(
        ops.convert_to_numpy(ours), temperature**2 * kl.numpy(), rtol=1e-5, atol=1e-7
    )


def test_identical_logits_give_zero():
    teacher, _ = logits_pair()
    np.testing.assert_allclose(
        ops.convert_to_numpy(distillation_loss(teacher, teacher, 3.0)), 0.0, atol=1e-6
    )


def test_extreme_logits_give_finite_values_and_gradients():
    teacher = np.array([[100.0, -100.0, 0.0]], dtype="float32")
    student = np.array([[-100.0, 100.0, 0.0]], dtype="float32")
    loss = distillation_loss(teacher, student)
    grads = gradient(lambda s: distillation_loss(teacher, s), student)
    # The teacher is sure of class 0, the student of class 1: KL = 200.
    assert float(loss[0]) == pytest.approx(200.0, rel=1e-6)
    np.testing.assert_allclose(grads, [[-1.0, 1.0, 0.0]], atol=1e-6)


def test_temperature_changes_the_shape_not_only_the_scale():
    # Unlike a constant factor, T changes how two samples compare.
    teacher = np.array([[5.0, 0.0, 0.0], [2.0, 1.0, 0.0]], dtype="float32")
    student = np.array([[0.0, 5.0, 0.0], [1.0, 2.0, 0.0]], dtype="float32")
    ratios = []
    for temperature in (1.0, 4.0):
        values = ops.convert_to_numpy(distillation_loss(teacher, student, temperature))
        ratios.append(values[0] / values[1])
    # A constant factor would leave the ratio unchanged; T=4 doubles it here.
    assert ratios[1] / ratios[0] > 1.5


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("inf"), None])
def test_invalid_temperature_raises_naming_it(temperature):
    with pytest.raises(
        ValueError, match=rf"`temperature` must be .*temperature={temperature}"
    ):
        DistillationLoss(temperature=temperature)

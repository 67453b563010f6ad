"""DistillationLoss against Keras KL divergence and PyTorch kl_div, and at edges.

Arguments, rank alignment and compilation are checked for every loss by
test_contract.py.
"""

import keras
import numpy as np
import pytest
from helpers import all_finite, float64, gradient, numpy, shapes_pattern
from keras import ops
from references import distillation as ref
from references import log_softmax

from lossbook import DistillationLoss, distillation_loss

torch = pytest.importorskip(
    "torch", reason="PyTorch is a test dependency (torch==2.13.0)"
)


def logits_pair(seed=0, shape=(16, 10), scale=2.0):
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(0, scale, shape).astype("float32") for _ in range(2))


def keras_kl_of_tempered_softmaxes(teacher, student, temperature):
    """T**2 * keras.losses.kl_divergence(softmax(t / T), softmax(s / T))."""
    p = ops.softmax(teacher / temperature, axis=-1)
    q = ops.softmax(student / temperature, axis=-1)
    return temperature**2 * numpy(keras.losses.kl_divergence(p, q))


def torch_kl_and_student_gradient(teacher, student, temperature):
    """T**2 * kl_div(log q, p) (p = 0 adds 0, by xlogy), and its gradient."""
    s = torch.tensor(np.float64(student), requires_grad=True)
    p = torch.softmax(torch.from_numpy(np.float64(teacher)) / temperature, dim=-1)
    kl = torch.nn.functional.kl_div(
        torch.log_softmax(s / temperature, dim=-1), p, reduction="none"
    ).sum(dim=-1)
    values = temperature**2 * kl
    values.sum().backward()
    return values.detach().numpy(), s.grad.numpy()


def test_temperature_one_equals_keras_kl_divergence_of_the_softmaxes():
    teacher, student = logits_pair()
    keras_loss = keras.losses.KLDivergence()(ops.softmax(teacher), ops.softmax(student))
    assert float(DistillationLoss()(teacher, student)) == pytest.approx(
        float(keras_loss), rel=1e-5
    )


@pytest.mark.parametrize("temperature", [0.5, 1.0, 4.0])
def test_values_and_gradients_match_torch_kl_div_times_temperature_squared(
    temperature,
):
    teacher, student = logits_pair()
    expected, expected_gradient = torch_kl_and_student_gradient(
        teacher, student, temperature
    )
    function = lambda s: distillation_loss(  # noqa: E731
        teacher, s, temperature=temperature
    )
    np.testing.assert_allclose(numpy(function(student)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        gradient(function, student), expected_gradient, rtol=1e-4, atol=1e-6
    )


def test_identical_logits_give_exactly_zero():
    teacher, _ = logits_pair()
    values = distillation_loss(teacher, teacher, temperature=3.0)
    np.testing.assert_array_equal(numpy(values), 0.0)


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
        values = numpy(distillation_loss(teacher, student, temperature=temperature))
        ratios.append(values[0] / values[1])
    # A constant factor would leave the ratio unchanged; T=4 doubles it here.
    assert ratios[1] / ratios[0] > 1.5


# A teacher that masks classes with -inf ----------------------------------------


def masked_teacher(seed=1):
    """Logits of 8 samples over 5 classes; the teacher masks class k of sample k."""
    teacher, student = logits_pair(seed, shape=(8, 5))
    masked = np.arange(8) % 5
    teacher[np.arange(8), masked] = -np.inf
    return teacher, student, masked


@pytest.mark.parametrize("temperature", [1.0, 4.0])
def test_a_masked_teacher_class_gives_the_divergence_over_the_other_classes(
    temperature,
):
    teacher, student, masked = masked_teacher()
    function = lambda s: distillation_loss(  # noqa: E731
        teacher, s, temperature=temperature
    )
    values, grads = numpy(function(student)), gradient(function, student)
    assert all_finite(values, grads)
    # T**2 * sum over the other classes of p (log p - log q): the teacher's
    # softmax over the classes it keeps, the student's over all classes.
    expected = []
    for row, k in enumerate(masked):
        kept = np.arange(5) != k
        log_p = log_softmax(np.float64(teacher[row, kept]) / temperature)
        log_q = log_softmax(np.float64(student[row]) / temperature)[kept]
        expected.append(temperature**2 * np.sum(np.exp(log_p) * (log_p - log_q)))
    np.testing.assert_allclose(values, expected, rtol=1e-5)
    np.testing.assert_allclose(
        expected, ref.distillation(teacher, student, temperature), rtol=1e-12
    )
    theirs, their_gradient = torch_kl_and_student_gradient(
        teacher, student, temperature
    )
    np.testing.assert_allclose(values, theirs, rtol=1e-5)
    np.testing.assert_allclose(grads, their_gradient, rtol=1e-4, atol=1e-6)
    # Keras clips the teacher's zero to 1e-7: the same divergence up to ~1e-6.
    np.testing.assert_allclose(
        values,
        keras_kl_of_tempered_softmaxes(teacher, student, temperature),
        rtol=1e-4,
        atol=1e-5,
    )


def test_a_student_equal_to_a_masked_teacher_gives_exactly_zero():
    teacher, _, _ = masked_teacher()
    values = distillation_loss(teacher, teacher.copy(), temperature=2.0)
    np.testing.assert_array_equal(numpy(values), 0.0)


# High temperatures -------------------------------------------------------------

HIGH_TEMPERATURES = pytest.mark.parametrize("temperature", [1e2, 1e3, 1e4])


@HIGH_TEMPERATURES
def test_high_temperatures_never_give_a_negative_loss_in_float32(temperature):
    # The divergence is a difference of nearly equal probabilities there: the
    # plain sum of p log(p / q) cancels to negative numbers in float32 (-0.001 at
    # T = 1e2 for the close pair below, -12 at T = 1e4; Keras's kl_divergence
    # gives -14 there).
    teacher, student = logits_pair(seed=2, scale=3.0)
    close = (teacher + np.random.default_rng(3).normal(0, 1e-3, teacher.shape)).astype(
        "float32"
    )
    for other in (student, close, teacher):
        values = numpy(distillation_loss(teacher, other, temperature=temperature))
        assert values.dtype == np.float32
        assert np.all(values >= 0), (other is close, values.min())


@HIGH_TEMPERATURES
def test_high_temperatures_match_keras_kl_divergence_in_float64(temperature):
    # In float64 Keras's divergence keeps its digits (its clipping at 1e-7 does
    # not reach probabilities near 1 / 10), so it is a reference here.
    teacher, student = (np.float64(a) for a in logits_pair(seed=4, scale=3.0))
    with float64():
        values = distillation_loss(teacher, student, temperature=temperature)
        keras_values = keras_kl_of_tempered_softmaxes(teacher, student, temperature)
    assert keras.backend.standardize_dtype(values.dtype) == "float64"
    np.testing.assert_allclose(numpy(values), keras_values, rtol=1e-6)
    np.testing.assert_allclose(
        numpy(values), ref.distillation(teacher, student, temperature), rtol=1e-6
    )


def test_one_class_raises_naming_both_shapes():
    # A softmax over one class is 1 whatever the logit: nothing to distil.
    teacher, student = logits_pair(shape=(8, 1))
    message = "size >= 2.*" + shapes_pattern((8, 1), (8, 1))
    with pytest.raises(ValueError, match=message):
        distillation_loss(teacher, student, temperature=2.0)
    with pytest.raises(ValueError, match=message):
        DistillationLoss(temperature=2.0)(teacher, student)


@pytest.mark.parametrize("temperature", [1.0, 3.0])
def test_probabilities_with_from_logits_false_equal_their_logits(temperature):
    rng = np.random.default_rng(8)
    teacher, student = rng.normal(0, 2, (2, 5, 4)).astype("float32")
    as_probabilities = [
        np.exp(log_softmax(x)).astype("float32") for x in (teacher, student)
    ]
    np.testing.assert_allclose(
        numpy(
            distillation_loss(
                *as_probabilities, temperature=temperature, from_logits=False
            )
        ),
        numpy(distillation_loss(teacher, student, temperature=temperature)),
        rtol=1e-4,
        atol=1e-6,
    )

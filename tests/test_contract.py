"""What every lossbook loss promises, checked for each public loss."""

import keras
import numpy as np
import pytest
from backend_tools import gradient, jit
from cases import CASES
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import ops
from references import reduce

import lossbook

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]
by_case = pytest.mark.parametrize("case", CASES, ids=str)


def cases_where(flag):
    return pytest.mark.parametrize(
        "case", [c for c in CASES if getattr(c, flag)], ids=str
    )


def numpy(x):
    return ops.convert_to_numpy(x)


def inputs(case, shape=(16, 5), seed=0):
    return case.make_inputs(np.random.default_rng(seed), shape)


def test_every_public_loss_has_a_case():
    public_classes = {
        name for name in lossbook.__all__ if isinstance(getattr(lossbook, name), type)
    }
    assert public_classes == {case.loss_class.__name__ for case in CASES}


def test_every_public_class_has_a_functional_twin():
    for case in CASES:
        assert case.function.__name__ in lossbook.__all__
        assert issubclass(case.loss_class, keras.losses.Loss)


@by_case
def test_function_matches_numpy_reference_on_random_inputs(case):
    y_true, y_pred = inputs(case)
    got = numpy(case.function(y_true, y_pred, **case.kwargs))
    np.testing.assert_allclose(
        got, case.reference(y_true, y_pred), rtol=1e-5, atol=1e-6
    )


@cases_where("per_sample_output")
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_class_applies_sample_weights_under_every_reduction(case, reduction):
    y_true, y_pred = inputs(case)
    weights = np.random.default_rng(1).random(16).astype("float32")
    loss = case.loss_class(**case.kwargs, reduction=reduction)
    got = numpy(loss(y_true, y_pred, sample_weight=weights))
    expected = reduce(case.reference(y_true, y_pred), weights, reduction)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@by_case
def test_class_is_registered_under_the_lossbook_package(case):
    name = keras.saving.get_registered_name(case.loss_class)
    assert name == f"lossbook>{case.loss_class.__name__}"


@by_case
def test_get_config_then_from_config_gives_the_same_loss(case):
    y_true, y_pred = inputs(case)
    loss = case.loss_class(**case.kwargs, reduction="sum", name="custom_name")
    config = loss.get_config()
    clone = case.loss_class.from_config(config)
    assert clone.get_config() == config
    assert config["name"] == "custom_name" and config["reduction"] == "sum"
    np.testing.assert_allclose(
        numpy(clone(y_true, y_pred)), numpy(loss(y_true, y_pred))
    )


@by_case
def test_saved_model_loads_with_safe_mode_and_gives_the_same_loss(case, tmp_path):
    x = np.random.default_rng(2).normal(size=(16, 3)).astype("float32")
    y_true, y_pred = inputs(case)
    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(y_pred.shape[-1], **case.model_output),
        ]
    )
    model.compile(optimizer="adam", loss=case.loss_class(**case.kwargs))
    model.fit(x, y_true, epochs=1, shuffle=False, verbose=0)
    before = model.evaluate(x, y_true, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert type(loaded.loss) is case.loss_class
    assert loaded.loss.get_config() == model.loss.get_config()
    assert loaded.evaluate(x, y_true, verbose=0) == pytest.approx(before, rel=1e-6)


@cases_where("same_shape")
def test_rank_one_targets_align_with_a_trailing_unit_axis(case):
    y_true, y_pred = inputs(case, shape=(8, 1))
    aligned = numpy(case.loss_class(**case.kwargs)(y_true, y_pred))
    rank_one = numpy(case.loss_class(**case.kwargs)(y_true[:, 0], y_pred))
    assert rank_one == pytest.approx(aligned, rel=1e-6)


@cases_where("same_shape")
def test_mismatched_shapes_raise_naming_both_shapes(case):
    y_true, _ = inputs(case, shape=(8, 2))
    _, y_pred = inputs(case, shape=(8, 3))
    with pytest.raises(
        ValueError, match=r"y_true.shape=\(8, 2\).*y_pred.shape=\(8, 3\)"
    ):
        case.function(y_true, y_pred, **case.kwargs)
    with pytest.raises(
        ValueError, match=r"y_true.shape=\(8, 2\).*y_pred.shape=\(8, 3\)"
    ):
        case.loss_class(**case.kwargs)(y_true, y_pred)


@by_case
def test_xla_compiled_equals_eager(case):
    y_true, y_pred = inputs(case)
    loss = case.loss_class(**case.kwargs)
    compiled = jit(loss)
    assert numpy(compiled(y_true, y_pred)) == pytest.approx(
        numpy(loss(y_true, y_pred)), rel=1e-5
    )


@by_case
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_inputs_give_finite_values_of_that_dtype(case, dtype):
    y_true, y_pred = inputs(case)
    low = case.function(ops.cast(y_true, dtype), ops.cast(y_pred, dtype), **case.kwargs)
    assert keras.backend.standardize_dtype(low.dtype) == dtype
    low = numpy(ops.cast(low, "float32"))
    assert np.all(np.isfinite(low))
    full = numpy(case.function(y_true, y_pred, **case.kwargs))
    tolerance = case.half_precision_rtol
    np.testing.assert_allclose(low, full, rtol=tolerance, atol=tolerance)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="Keras's JAX and torch backends compute some float64 ops (mean on JAX; "
    "minimum, maximum, arctan2, divide_no_nan on torch) in float32 "
    "(keras/src/backend/common/dtypes.py); the float32 test below covers them",
)
@by_case
def test_gradient_matches_central_differences_in_float64(case):
    y_true, y_pred = (np.float64(a) for a in inputs(case, shape=(4, 4)))
    y_true, y_pred = case.for_finite_differences(y_true, y_pred)
    analytic = gradient(lambda p: case.function(y_true, p, **case.kwargs), y_pred)
    numeric = np.zeros_like(y_pred)
    step = 1e-6
    for index in np.ndindex(y_pred.shape):
        up, down = y_pred.copy(), y_pred.copy()
        up[index] += step
        down[index] -= step
        total = lambda p: float(ops.sum(case.function(y_true, p, **case.kwargs)))  # noqa: E731
        numeric[index] = (total(up) - total(down)) / (2 * step)
    np.testing.assert_allclose(analytic, numeric, rtol=case.gradient_rtol, atol=1e-8)


@by_case
def test_float32_gradient_matches_finite_differences_of_the_reference(case):
    # Backend-independent: autograd of the loss against the float64 NumPy reference.
    y_true, y_pred = (np.float64(a) for a in inputs(case, shape=(4, 4), seed=3))
    y_true, y_pred = (
        np.float32(a) for a in case.for_finite_differences(y_true, y_pred)
    )
    analytic = gradient(lambda p: case.function(y_true, p, **case.kwargs), y_pred)
    reference_y_true, point = np.float64(y_true), np.float64(y_pred)
    numeric, step = np.zeros_like(point), 1e-6
    for index in np.ndindex(point.shape):
        up, down = point.copy(), point.copy()
        up[index] += step
        down[index] -= step
        total = lambda p: float(np.sum(case.reference(reference_y_true, p)))  # noqa: E731
        numeric[index] = (total(up) - total(down)) / (2 * step)
    scale = np.max(np.abs(numeric))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-5 * scale)


@by_case
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), batch=st.integers(2, 12))
def test_batch_order_does_not_change_the_loss(case, seed, batch):
    y_true, y_pred = inputs(case, shape=(batch, 3), seed=seed)
    order = np.random.default_rng(seed).permutation(batch)
    loss = case.loss_class(**case.kwargs)
    assert float(loss(*case.permute(order, y_true, y_pred))) == pytest.approx(
        float(loss(y_true, y_pred)), rel=1e-5
    )


@cases_where("independent_samples")
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), repeats=st.integers(0, 4))
def test_integer_sample_weight_equals_repeating_the_sample(case, seed, repeats):
    y_true, y_pred = inputs(case, shape=(4, 3), seed=seed)
    weights = np.array([repeats, 1, 1, 1], dtype="float32")
    repeated = [0] * repeats + [1, 2, 3]
    loss = case.loss_class(**case.kwargs, reduction="sum")
    weighted = float(loss(y_true, y_pred, sample_weight=weights))
    assert weighted == pytest.approx(
        float(loss(y_true[repeated], y_pred[repeated])), rel=1e-5, abs=1e-6
    )

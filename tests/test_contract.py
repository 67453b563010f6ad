"""What every lossbook loss promises, checked on every loss of tests/cases/.

Specs (one per public class) carry the argument rules; cases (a loss with chosen
hyperparameters, its float64 reference and its inputs) carry the value rules.
Shapes are fixed (B samples, T positions): on JAX every new shape compiles again.
"""

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from cases import CASES, CLASSES, SAME, SPECS
from helpers import (
    BACKEND,
    central_differences,
    gradient,
    jit,
    numpy,
    shapes_pattern,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import ops
from references import reduce

import lossbook

B, T = 6, 5
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]
WEIGHT_FORMS = {
    "none": None,
    "scalar": 2.5,
    "per_sample": np.linspace(0.2, 1.7, B, dtype="float32"),
    "per_sample_column": np.linspace(0.2, 1.7, B, dtype="float32")[:, None],
    "all_zero": np.zeros(B, "float32"),
}
KERAS_ONLY = {"reduction", "name", "dtype"}

by_spec = pytest.mark.parametrize("spec", SPECS, ids=str)
by_case = pytest.mark.parametrize("case", CASES, ids=str)


def cases_where(predicate):
    return pytest.mark.parametrize(
        "case", [case for case in CASES if predicate(case)], ids=str
    )


def inputs(case, shape=(B, T), seed=0):
    return case.make_inputs(np.random.default_rng(seed), shape)


def spec_inputs(spec):
    """Inputs that fit the spec's non-default hyperparameters."""
    if spec.make_inputs is not None:
        return spec.make_inputs(np.random.default_rng(0), (B, T))
    return inputs(next(case for case in CASES if case.loss_class is spec.loss_class))


def close(got, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(numpy(got), expected, rtol=rtol, atol=atol)


def hyperparameters(function):
    return {
        name: parameter
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY
    }


# Arguments -----------------------------------------------------------------------


def test_every_public_loss_has_a_spec_and_a_case():
    public_classes = {
        name for name in lossbook.__all__ if isinstance(getattr(lossbook, name), type)
    }
    assert public_classes == {str(spec) for spec in SPECS}
    assert public_classes == {case.loss_class.__name__ for case in CASES}
    public_functions = set(lossbook.__all__) - public_classes
    assert public_functions == {spec.function.__name__ for spec in SPECS}


INVALID = [
    pytest.param(spec, arguments, message, id=f"{spec}-{index}")
    for spec in SPECS
    for index, (arguments, message) in enumerate(spec.invalid)
]


@pytest.mark.parametrize(("spec", "arguments", "message"), INVALID)
def test_invalid_arguments_raise_the_same_error_in_class_and_function(
    spec, arguments, message
):
    arguments = {**spec.required, **arguments}
    with pytest.raises(ValueError, match=message):
        spec.loss_class(**arguments)
    y_true, y_pred = spec_inputs(spec)
    with pytest.raises(ValueError, match=message):
        spec.function(y_true, y_pred, **arguments)


@by_spec
def test_function_takes_hyperparameters_by_keyword_only(spec):
    y_true, y_pred = spec_inputs(spec)
    # A loss without hyperparameters (NPairsLoss) still takes no third argument.
    first = next(iter(spec.non_default.values()), 1.0)
    with pytest.raises(TypeError, match="takes 2 positional arguments but 3"):
        spec.function(y_true, y_pred, first)
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        spec.function(y_true, y_pred, **spec.required, not_an_argument=1)


@by_spec
def test_class_and_function_have_the_same_hyperparameters_and_defaults(spec):
    init = inspect.signature(spec.loss_class.__init__).parameters
    own = {name: p for name, p in init.items() if name not in KERAS_ONLY | {"self"}}
    twin = hyperparameters(spec.function)
    assert list(own) == list(twin)
    assert {n: p.default for n, p in own.items()} == {
        n: p.default for n, p in twin.items()
    }
    assert init["reduction"].default == "sum_over_batch_size"
    assert init["name"].default == spec.function.__name__
    assert init["dtype"].default is None


@by_spec
def test_get_config_names_every_constructor_parameter(spec):
    config = spec.loss_class(**spec.required).get_config()
    init = inspect.signature(spec.loss_class.__init__).parameters
    assert set(config) == set(init) - {"self"}


@by_spec
def test_round_trip_with_every_parameter_non_default_gives_the_same_loss(spec):
    assert set(spec.non_default) == set(hyperparameters(spec.function))
    policy = keras.DTypePolicy("mixed_float16")
    loss = spec.loss_class(
        **spec.non_default, reduction="sum", name="custom_name", dtype=policy
    )
    config = loss.get_config()
    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(loss)))
    for clone in (
        spec.loss_class.from_config(config),
        keras.saving.deserialize_keras_object(serialized),
    ):
        assert type(clone) is spec.loss_class
        assert clone.get_config() == config
        y_true, y_pred = spec_inputs(spec)
        got, expected = clone(y_true, y_pred), loss(y_true, y_pred)
        assert keras.backend.standardize_dtype(got.dtype) == "float16"
        np.testing.assert_array_equal(numpy(got), numpy(expected))


def as_numpy_types(value):
    if isinstance(value, bool):
        return np.bool_(value)
    if isinstance(value, int):
        return np.int64(value)
    if isinstance(value, float):
        return np.float64(value)
    if isinstance(value, list | tuple) and all(
        isinstance(item, int | float) for item in value
    ):
        return np.asarray(value)
    return value


@by_spec
def test_numpy_numbers_and_arrays_are_accepted_as_hyperparameters(spec):
    as_numpy = {name: as_numpy_types(v) for name, v in spec.non_default.items()}
    config = spec.loss_class(**as_numpy).get_config()
    assert config == spec.loss_class(**spec.non_default).get_config()
    json.dumps(keras.saving.serialize_keras_object(spec.loss_class(**as_numpy)))
    y_true, y_pred = spec_inputs(spec)
    np.testing.assert_array_equal(
        numpy(spec.function(y_true, y_pred, **as_numpy)),
        numpy(spec.function(y_true, y_pred, **spec.non_default)),
    )


@by_spec
def test_function_twin_is_registered_and_saves_and_loads_with_a_model(spec, tmp_path):
    name = spec.function.__name__
    assert keras.saving.get_registered_name(spec.function) == f"lossbook>{name}"
    assert keras.saving.get_registered_object(f"lossbook>{name}") is spec.function
    if spec.required:
        return  # compile(loss=function) cannot pass the required hyperparameters
    case = next(case for case in CASES if case.loss_class is spec.loss_class)
    y_true, y_pred = inputs(case, shape=(8, 2))
    x = np.random.default_rng(2).normal(size=(len(y_true), 3)).astype("float32")
    units = y_pred.shape[-1]
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(units)])
    model.compile(loss=spec.function)
    before = model.evaluate(x, y_true, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert loaded.evaluate(x, y_true, verbose=0) == pytest.approx(before, rel=1e-6)


@by_case
def test_class_is_registered_and_saved_model_loads_with_safe_mode(case, tmp_path):
    name = keras.saving.get_registered_name(case.loss_class)
    assert name == f"lossbook>{case.loss_class.__name__}"
    x = np.random.default_rng(2).normal(size=(16, 3)).astype("float32")
    y_true, y_pred = inputs(case, shape=(16, 5))
    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(y_pred.shape[-1], **case.model_output),
        ]
    )
    model.compile(loss=case.loss_class(**case.kwargs))
    before = model.evaluate(x, y_true, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert type(loaded.loss) is case.loss_class
    assert loaded.loss.get_config() == model.loss.get_config()
    assert loaded.evaluate(x, y_true, verbose=0) == pytest.approx(before, rel=1e-6)


# Values --------------------------------------------------------------------------


@by_case
def test_function_matches_numpy_reference_on_random_inputs(case):
    y_true, y_pred = inputs(case)
    got = case.function(y_true, y_pred, **case.kwargs)
    close(got, case.reference(y_true, y_pred))


@by_case
def test_class_applies_every_form_of_sample_weight_under_every_reduction(case):
    y_true, y_pred = inputs(case)
    values = case.reference(y_true, y_pred)
    for form, weights in WEIGHT_FORMS.items():
        for reduction in REDUCTIONS:
            loss = case.loss_class(**case.kwargs, reduction=reduction)
            got = loss(y_true, y_pred, sample_weight=weights)
            ones = np.ones(B, "float32")
            expected = reduce(values, ones if weights is None else weights, reduction)
            assert got.shape == np.shape(expected), (form, reduction)
            np.testing.assert_allclose(
                numpy(got),
                expected,
                rtol=1e-5,
                atol=1e-6,
                err_msg=f"{form} {reduction}",
            )


@by_case
def test_dtype_argument_sets_the_dtype_of_the_computation(case):
    # float64 through dtype= is checked on every backend by the float64 probe.
    y_true, y_pred = inputs(case)
    loss = case.loss_class(**case.kwargs, dtype="bfloat16", reduction=None)
    got = loss(y_true, y_pred)
    assert keras.backend.standardize_dtype(got.dtype) == "bfloat16"
    tolerance = case.half_precision_rtol
    close(
        ops.cast(got, "float32"), case.reference(y_true, y_pred), tolerance, tolerance
    )


@pytest.mark.parametrize("which", ["y_pred", "y_true"])
@by_case
def test_nan_in_an_input_gives_nan_never_a_finite_number(case, which):
    if which == "y_true" and not case.uses_y_true:
        pytest.skip("y_true is a documented dummy for this loss")
    y_true, y_pred = inputs(case)
    poisoned = {"y_true": y_true.copy(), "y_pred": y_pred.copy()}
    poisoned[which][0, ...] = np.nan
    values = numpy(case.function(poisoned["y_true"], poisoned["y_pred"], **case.kwargs))
    assert (
        np.isnan(values.reshape(B, -1)[0]).all()
        if case.independent_samples
        else (np.isnan(values).any())
    )


@by_case
def test_empty_batch_gives_empty_per_sample_values_like_keras(case):
    y_true, y_pred = inputs(case)
    empty_true, empty_pred = y_true[:0], y_pred[:0]
    values = case.function(empty_true, empty_pred, **case.kwargs)
    assert values.shape[0] == 0
    assert case.loss_class(**case.kwargs)(empty_true, empty_pred).shape == (0,)
    keras_mse = keras.losses.MeanSquaredError()(np.zeros((0, 3)), np.zeros((0, 3)))
    assert keras_mse.shape == (0,)


# Shapes --------------------------------------------------------------------------

# (name, y_true shape, y_pred shape, the aligned shape the reference sees)
RANK_COMBINATIONS = [
    ("(B,1) vs (B,)", (B, 1), (B,), (B, 1)),
    ("(B,) vs (B,1)", (B,), (B, 1), (B, 1)),
    ("(B,T) vs (B,T,1)", (B, T), (B, T, 1), (B, T)),
    ("(B,T,1) vs (B,T)", (B, T, 1), (B, T), (B, T)),
]


@pytest.mark.parametrize(
    ("combination", "true_shape", "pred_shape", "aligned"),
    RANK_COMBINATIONS,
    ids=[c[0] for c in RANK_COMBINATIONS],
)
@cases_where(lambda case: case.shapes in (SAME, CLASSES))
def test_ranks_are_aligned_as_keras_aligns_them(
    case, combination, true_shape, pred_shape, aligned
):
    y_true, y_pred = inputs(case, shape=aligned)
    y_true, y_pred = y_true.reshape(true_shape), y_pred.reshape(pred_shape)
    if case.shapes == CLASSES and aligned[-1] == 1:
        with pytest.raises(ValueError, match="size >= 2.*y_true.shape"):
            case.function(y_true, y_pred, **case.kwargs)
        return
    values = case.reference(y_true.reshape(aligned), y_pred.reshape(aligned))
    assert values.shape == (B,)
    close(case.function(y_true, y_pred, **case.kwargs), values)
    weights = WEIGHT_FORMS["per_sample"]
    for reduction in REDUCTIONS:
        loss = case.loss_class(**case.kwargs, reduction=reduction)
        close(loss(y_true, y_pred), reduce(values, np.ones(B), reduction))
        close(loss(y_true, y_pred, weights), reduce(values, weights, reduction))
    twin = case.keras_twin
    if twin is None:
        return
    for reduction in REDUCTIONS:
        ours = case.loss_class(**twin.kwargs, reduction=reduction)
        theirs = twin.make(reduction=reduction)
        for sample_weight in (None, weights):
            close(
                ours(y_true, y_pred, sample_weight),
                twin.scale * numpy(theirs(y_true, y_pred, sample_weight)),
            )


@cases_where(lambda case: case.shapes in (SAME, CLASSES))
def test_rank_one_inputs_give_one_value_per_sample(case):
    y_true, y_pred = inputs(case, shape=(B, 1))
    if case.shapes == CLASSES:
        with pytest.raises(ValueError, match="size >= 2"):
            case.function(y_true[:, 0], y_pred[:, 0], **case.kwargs)
        return
    got = case.function(y_true[:, 0], y_pred[:, 0], **case.kwargs)
    close(got, case.reference(y_true, y_pred))


MISMATCHES = [((B, 2), (B, 3)), ((B, T), (B,)), ((B,), (B, T)), ((B, 2, 2), (B,))]


@pytest.mark.parametrize(
    ("true_shape", "pred_shape"), MISMATCHES, ids=[str(m) for m in MISMATCHES]
)
@cases_where(lambda case: case.shapes in (SAME, CLASSES))
def test_shapes_that_do_not_align_raise_naming_both(case, true_shape, pred_shape):
    y_true, _ = inputs(case, shape=true_shape)
    _, y_pred = inputs(case, shape=pred_shape)
    message = shapes_pattern(true_shape, pred_shape)
    with pytest.raises(ValueError, match=message):
        case.function(y_true, y_pred, **case.kwargs)
    with pytest.raises(ValueError, match=message):
        case.loss_class(**case.kwargs)(y_true, y_pred)


@cases_where(lambda case: case.shapes in (SAME, CLASSES))
def test_inputs_without_a_batch_axis_raise(case):
    with pytest.raises(ValueError, match="must have a batch axis"):
        case.function(np.float32(1.0), np.float32(0.5), **case.kwargs)


@by_case
def test_sample_weight_that_does_not_fit_the_values_raises_naming_both(case):
    y_true, y_pred = inputs(case)
    loss = case.loss_class(**case.kwargs)
    with pytest.raises(ValueError, match=rf"sample_weight` of shape \({B}, {B}\)"):
        loss(y_true, y_pred, sample_weight=np.ones((B, B), "float32"))


@cases_where(lambda case: case.values_per_position)
def test_per_position_weights_and_masks_weight_each_position(case):
    y_true, y_pred = inputs(case, shape=(B, T, 3))
    values = case.reference(y_true, y_pred)
    assert values.shape == (B, T)
    loss = case.loss_class(**case.kwargs, reduction="sum")
    weights = np.random.default_rng(5).random((B, T)).astype("float32")
    close(loss(y_true, y_pred, weights), (values * weights).sum(), rtol=1e-5)
    close(loss(y_true, y_pred, weights[:, :1]), (values * weights[:, :1]).sum())
    with pytest.raises(
        ValueError, match=rf"of shape \({B},\) does not fit .*\({B}, {T}\)"
    ):
        loss(y_true, y_pred, sample_weight=weights[:, 0])

    # A Masking layer upstream: masked positions count for nothing, and the mean
    # is over the positions left (Keras's rule).
    masked = np.zeros((B, T), bool)
    masked[0, 1:], masked[3, :2] = True, True
    model, features = masked_model(case, masked, units=3)
    y_pred = model(features)
    values = case.reference(y_true, numpy(y_pred))
    for reduction, expected in (
        ("sum", values[~masked].sum()),
        ("sum_over_batch_size", values[~masked].mean()),
        (None, np.where(masked, 0.0, values)),
    ):
        loss = case.loss_class(**case.kwargs, reduction=reduction)
        close(loss(y_true, y_pred), expected)

    # The same through evaluate (the loss of fit's compiled step), mask included.
    model.compile(loss=case.loss_class(**case.kwargs))
    assert model.evaluate(features, y_true, verbose=0) == pytest.approx(
        values[~masked].mean(), rel=1e-5
    )


def masked_model(case, masked, units):
    """A model Masking -> Dense and its input, whose output's mask is `~masked`."""
    features = np.random.default_rng(4).normal(size=(*masked.shape, 2))
    features[masked] = -7.0
    inputs = keras.Input(shape=features.shape[1:])
    hidden = keras.layers.Masking(mask_value=-7.0)(inputs)
    outputs = keras.layers.Dense(units, **case.model_output)(hidden)
    return keras.Model(inputs, outputs), features.astype("float32")


def predictions_with_a_mask(case, masked, units):
    """A model's output, Masking -> Dense, whose mask is `~masked`."""
    model, features = masked_model(case, masked, units)
    return model(features)


@cases_where(lambda case: case.shapes == SAME and not case.values_per_position)
def test_masks_weight_per_sample_values_only_if_they_have_their_shape(case):
    # One value per sample: a mask of shape (B,) weights the samples, like a
    # sample weight; one of shape (B, T) does not fit and raises.
    y_true, _ = inputs(case)
    dropped = np.arange(B) % 3 == 0
    y_pred = predictions_with_a_mask(case, dropped, units=T)
    values = case.reference(y_true, numpy(y_pred))
    loss = case.loss_class(**case.kwargs, reduction="sum")
    close(loss(y_true, y_pred), values[~dropped].sum())
    y_true, _ = inputs(case, shape=(B, T, 2))
    y_pred = predictions_with_a_mask(case, np.zeros((B, T), bool), units=2)
    with pytest.raises(ValueError, match=rf"`mask` of shape \({B}, {T}\) does not fit"):
        loss(y_true, y_pred)


# Precision, compilation, gradients --------------------------------------------


@by_case
def test_xla_compiled_equals_eager(case):
    y_true, y_pred = inputs(case)
    loss = case.loss_class(**case.kwargs)
    close(jit(loss)(y_true, y_pred), numpy(loss(y_true, y_pred)))


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


@pytest.fixture(scope="module")
def float64_results(tmp_path_factory):
    """Every case in float64 on this backend, in a process of its own (JAX needs
    x64 enabled before it starts); see tests/float64_probe.py."""
    output = tmp_path_factory.mktemp("float64") / "results.json"
    tests = Path(__file__).parent
    environment = {
        **os.environ,
        "JAX_ENABLE_X64": "1",
        "KERAS_BACKEND": BACKEND,
        "PYTHONPATH": str(tests),
    }
    probe = tests / "float64_probe.py"
    run = subprocess.run(
        [sys.executable, str(probe), str(output)],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(output.read_text())


@by_case
def test_float64_inputs_give_float64_values_accurate_to_1e_12(case, float64_results):
    result = float64_results[case.name]
    assert result["dtype"] == result["class_dtype"] == "float64"
    # Where Keras code inside the loss computes in float32, its digits are all
    # there are; everything lossbook computes itself keeps float64's.
    limit = 1e-6 if BACKEND in case.float32_inside_on else 1e-12
    assert result["worst_relative_error"] <= limit, result
    assert result["class_worst_relative_error"] <= limit, result


@by_case
def test_float64_gradient_matches_central_differences(case, float64_results):
    if BACKEND in case.float32_inside_on:
        pytest.skip("float32 rounding inside Keras's part swamps a 1e-6 step")
    result = float64_results[case.name]
    assert result["gradient_dtype"] == "float64"
    assert result["worst_gradient_error"] <= 1e-6, result


@by_case
def test_float32_gradient_matches_finite_differences_of_the_reference(case):
    # Backend-independent: autograd of the loss against the float64 NumPy reference.
    y_true, y_pred = (np.float64(a) for a in inputs(case, shape=(4, 4), seed=3))
    y_true, y_pred = (
        np.float32(a) for a in case.for_finite_differences(y_true, y_pred)
    )
    analytic = gradient(lambda p: case.function(y_true, p, **case.kwargs), y_pred)
    numeric = central_differences(
        lambda p: float(np.sum(case.reference(np.float64(y_true), p))), y_pred
    )
    scale = np.max(np.abs(numeric))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-5 * scale)


@by_case
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_batch_order_does_not_change_the_loss(case, seed):
    y_true, y_pred = inputs(case, shape=(B + 3, 3), seed=seed)
    order = np.random.default_rng(seed).permutation(B + 3)
    loss = case.loss_class(**case.kwargs)
    assert float(loss(*case.permute(order, y_true, y_pred))) == pytest.approx(
        float(loss(y_true, y_pred)), rel=1e-5
    )


@cases_where(lambda case: case.independent_samples)
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), repeats=st.integers(0, 3))
def test_integer_sample_weight_equals_repeating_the_sample(case, seed, repeats):
    # Always B rows: the repeated sample fills what the others leave.
    y_true, y_pred = inputs(case, shape=(B, 3), seed=seed)
    rows = [0] * repeats + list(range(1, B - repeats))
    weights = np.zeros(B, "float32")
    np.add.at(weights, rows, 1.0)
    loss = case.loss_class(**case.kwargs, reduction="sum")
    weighted = float(loss(y_true, y_pred, sample_weight=weights))
    assert weighted == pytest.approx(
        float(loss(y_true[rows], y_pred[rows])), rel=1e-5, abs=1e-6
    )

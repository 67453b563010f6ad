"""What both helper scripts share: every LossCase, its data, a model, one SGD step.

Each case gets its own tiny model, `Input -> Dense(y_pred's last dim, the case's
model_output options)`, with fixed initial weights. To pay the cost of `fit` (the
trace or compilation of a train step, and under a strategy its multi-device input
pipeline) once rather than once per case, the tiny models of all cases sit side by
side in one Keras model, with one input, one output and one loss per case. They
share no weight, so the gradient of the summed loss with respect to a case's Dense
layer is the gradient of that case's loss alone: one SGD step updates each tiny
model as if it were trained by itself, and `fit` reports each case's loss as
`<case>_loss`.

The helper scripts run in a process of their own, because the Keras backend and
the number of devices are fixed when TensorFlow or JAX starts.
"""

import time
import traceback
import zlib

import keras
import numpy as np
from cases import CASES

GLOBAL_BATCH = 8
REPLICAS = 2
LEARNING_RATE = 0.1
WEIGHTINGS = ("unweighted", "weighted")


def case_data(case):
    """x, y_true, sample weights and initial [kernel, bias], fixed by the case name.

    The model's input is the case's own valid `y_pred`, and its Dense layer starts
    near the identity, so that the first predictions are valid inputs of the loss
    (boxes with positive sides, paired views, ...) and the gradient is not zero.
    """
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    y_true, x = case.make_inputs(rng, (GLOBAL_BATCH, 3))
    assert len(y_true) == len(x) == GLOBAL_BATCH, (y_true.shape, x.shape)
    units = x.shape[-1]
    kernel = np.eye(units) + rng.normal(0, 0.05, (units, units))
    bias = rng.normal(0, 0.05, units)
    initial = [kernel.astype("float32"), bias.astype("float32")]
    weights = rng.uniform(0.2, 2.0, GLOBAL_BATCH).astype("float32")
    return {"x": x, "y": y_true, "sample_weight": weights, "initial": initial}


def side_by_side(prepared, run_eagerly=False):
    """One model holding every case's tiny model, one output and loss per case."""
    inputs, outputs, losses = {}, {}, {}
    for case, data in prepared:
        name = f"{case.name}_x"
        inputs[name] = keras.Input(shape=data["x"].shape[1:], name=name)
        units = data["initial"][1].shape[0]
        layer = keras.layers.Dense(units, **case.model_output, name=case.name)
        outputs[case.name] = layer(inputs[name])
        losses[case.name] = case.loss_class(**case.kwargs)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.SGD(LEARNING_RATE),
        loss=losses,
        run_eagerly=run_eagerly,
    )
    return model


def one_step(model, prepared, weighting, rows=slice(None)):
    """Each case's loss in one fit step on `rows` of its batch, and weights after."""
    for case, data in prepared:
        model.get_layer(case.name).set_weights(data["initial"])
    x = {f"{case.name}_x": data["x"][rows] for case, data in prepared}
    y = {case.name: data["y"][rows] for case, data in prepared}
    sample_weight = None
    if weighting == "weighted":
        # A flat array weights every output alike: the same weights for all cases.
        sample_weight = prepared[0][1]["sample_weight"][rows]
    history = model.fit(
        x,
        y,
        sample_weight=sample_weight,
        batch_size=GLOBAL_BATCH,
        epochs=1,
        shuffle=False,
        verbose=0,
    )
    results = {}
    for case, _ in prepared:
        # Keras names each output's loss only when there are several outputs.
        key = f"{case.name}_loss" if len(prepared) > 1 else "loss"
        weights = model.get_layer(case.name).get_weights()
        results[case.name] = {
            "loss": float(history.history[key][0]),
            "weights": np.concatenate([w.ravel() for w in weights]).tolist(),
        }
    return results


def per_replica_step(model, prepared, weighting):
    """What REPLICAS replicas compute if each uses only its own slice of the batch.

    Replica r gets the r-th slice of the global batch. Each replica's loss is its
    slice's loss; under `sum_over_batch_size` with equal slices, the step is the
    mean of the slices' gradients. So the weights after it are the mean of the
    weights after one step on each slice alone, and the loss is the mean of the
    slices' losses.
    """
    slices = np.array_split(np.arange(GLOBAL_BATCH), REPLICAS)
    steps = [one_step(model, prepared, weighting, rows) for rows in slices]
    return {
        name: {
            "loss": float(np.mean([s[name]["loss"] for s in steps])),
            "weights": np.mean([s[name]["weights"] for s in steps], axis=0).tolist(),
        }
        for name in steps[0]
    }


def train(prepared, distributed_scope, per_replica, eager_reference):
    """{weighting: {"distributed"|"single"|"per_replica": {case name: result}}}.

    With `per_replica` (each replica gets its rows of the batch), the cases whose
    y_pred's columns index the batch too are trained on one device only; see
    `replica_errors`.
    """
    split = [(c, d) for c, d in prepared if c.splits_by_rows or not per_replica]
    with distributed_scope():
        distributed = side_by_side(split)
        runs = {w: {"distributed": one_step(distributed, split, w)} for w in WEIGHTINGS}
    single = side_by_side(prepared, run_eagerly=eager_reference)
    single_split = single
    if len(split) < len(prepared):
        single_split = side_by_side(split, run_eagerly=eager_reference)
    for weighting in WEIGHTINGS:
        runs[weighting]["single"] = one_step(single, prepared, weighting)
        if per_replica:
            runs[weighting]["per_replica"] = per_replica_step(
                single_split, split, weighting
            )
    return runs


def replica_errors(prepared, distributed_scope):
    """{case name: the error it raises on replicas that get rows of the batch}.

    For the cases whose y_pred's columns index the batch too (`splits_by_rows`
    False): a replica's rows of a (B, B) matrix are (B / 2, B), which the loss
    must refuse with its shape error, not train on.
    """
    errors = {}
    for case, data in prepared:
        if case.splits_by_rows:
            continue
        try:
            with distributed_scope():
                one_step(side_by_side([(case, data)]), [(case, data)], "unweighted")
            errors[case.name] = None
        except Exception as error:
            errors[case.name] = f"{type(error).__name__}: {error}"
    return errors


def usable_cases():
    """(case, data) of the cases whose loss computes alone, and the others' errors."""
    prepared, errors = [], {}
    for case in CASES:
        try:
            data = case_data(case)
            model = side_by_side([(case, data)], run_eagerly=True)
            one_step(model, [(case, data)], "weighted")
            prepared.append((case, data))
        except Exception:
            errors[case.name] = traceback.format_exc(limit=-4)
    return prepared, errors


def run_all(distributed_scope, describe, per_replica, eager_reference):
    """Every case on one device and on the replicas, as a JSON-ready dict.

    `distributed_scope()` is the context under which the distributed model is
    built and trained (a strategy's or a distribution's scope). `per_replica`
    adds the per-replica reference; `eager_reference` runs the one-device model
    eagerly (the same arithmetic, without a second trace of every case).

    If the run of all cases fails, each case is tried alone, and those that fail
    are reported with their error instead of breaking the run of the others.
    """
    started = time.perf_counter()
    errors = {}
    try:
        prepared = [(case, case_data(case)) for case in CASES]
        runs = train(prepared, distributed_scope, per_replica, eager_reference)
    except Exception:
        prepared, errors = usable_cases()
        runs = train(prepared, distributed_scope, per_replica, eager_reference)
    refused = replica_errors(prepared, distributed_scope) if per_replica else {}
    cases = []
    for case in CASES:
        result = {
            "name": case.name,
            "loss_class": case.loss_class.__name__,
            "independent_samples": case.independent_samples,
            "error": errors.get(case.name),
            "replica_error": refused.get(case.name),
        }
        if case.name not in errors:
            initial = next(d["initial"] for c, d in prepared if c is case)
            result["initial"] = np.concatenate([w.ravel() for w in initial]).tolist()
            for weighting, run in runs.items():
                result[weighting] = {
                    kind: run[kind][case.name] for kind in run if case.name in run[kind]
                }
        cases.append(result)
    return {**describe(), "cases": cases, "seconds": time.perf_counter() - started}


# The chunked softmax head (lossbook.large_vocabulary): its loss is an add_loss of
# the layer, not a compiled loss, and Keras must scale it for the replicas too.
HEAD_TOKENS, HEAD_WIDTH, HEAD_STEPS = 40, 6, 5


def head_model(weighting):
    """Tokens -> Embedding -> the head; weighted, with a weight per position too."""
    from lossbook.large_vocabulary import ChunkedSoftmaxHead

    tokens = keras.Input((HEAD_STEPS,), dtype="int32")
    labels = keras.Input((HEAD_STEPS,), dtype="int32")
    hidden = keras.layers.Embedding(HEAD_TOKENS, HEAD_WIDTH, name="embedding")(tokens)
    head = ChunkedSoftmaxHead(HEAD_TOKENS, chunk_size=7, name="head")
    if weighting == "weighted":
        # fit's sample_weight never reaches a loss added with add_loss.
        weights = keras.Input((HEAD_STEPS,))
        model = keras.Model([tokens, labels, weights], head(hidden, labels, weights))
    else:
        model = keras.Model([tokens, labels], head(hidden, labels))
    model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE))
    return model


def head_step(model, weighting):
    """The loss of one fit step on a global batch, and every weight after it."""
    rng = np.random.default_rng(7)
    initial = [rng.normal(0, 0.5, w.shape) for w in model.get_weights()]
    model.set_weights(initial)
    x = rng.integers(0, HEAD_TOKENS, (GLOBAL_BATCH, HEAD_STEPS))
    inputs = [x, (3 * x + 1) % HEAD_TOKENS]
    if weighting == "weighted":
        inputs.append(rng.uniform(0.2, 2.0, x.shape).astype("float32"))
    history = model.fit(
        inputs, batch_size=GLOBAL_BATCH, epochs=1, shuffle=False, verbose=0
    )
    weights = np.concatenate([w.ravel() for w in model.get_weights()])
    moved = np.abs(weights - np.concatenate([w.ravel() for w in initial])).max()
    return {
        "loss": float(history.history["loss"][0]),
        "weights": weights.tolist(),
        "moved": float(moved),
    }


def head_runs(distributed_scope):
    """{"unweighted"|"weighted": {"distributed"|"single": head_step's result}}."""
    runs = {}
    for weighting in WEIGHTINGS:
        with distributed_scope():
            distributed = head_step(head_model(weighting), weighting)
        single = head_step(head_model(weighting), weighting)
        runs[weighting] = {"distributed": distributed, "single": single}
    return runs

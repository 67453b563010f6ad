"""Every loss trains the same on two replicas as on one device, or says why not.

For each LossCase, a tiny model takes one SGD step on a global batch of 8 samples,
with and without sample weights, on one device and on two replicas:

- TensorFlow, `tf.distribute.MirroredStrategy` over two logical CPU devices;
- JAX, `keras.distribution.DataParallel` over two host devices.

The backend and the devices are fixed when TensorFlow or JAX starts, so each runs
in a process of its own (tests/distributed/), all cases at once; the two processes
run side by side, and the tests below check their JSON results.

What the results show, and the tests assert:

- A loss whose samples are independent (`independent_samples=True`) gives the same
  loss and the same weights after the step on two replicas as on one device,
  under both strategies: `sum_over_batch_size` divides by the global batch.
- A batch-level loss (in-batch mining, NT-Xent, batch-level kappa, Lovász over the
  whole batch) under MirroredStrategy sees only its replica's half of the batch:
  the step is the mean of the steps that each half would give alone, not the
  one-device step. NT-Xent pairs row i with row i + N of what a replica sees, so
  a split global batch pairs different rows.
- Under JAX DataParallel, the train step is one program over the global batch
  (its inputs are sharded, the batch-wide operations gather what they need), so
  batch-level losses too give the one-device result.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cases import CASES

HELPERS = Path(__file__).parent / "distributed"
SCRIPTS = {"tensorflow": "tf_mirrored.py", "jax": "jax_data_parallel.py"}
WEIGHTINGS = ["unweighted", "weighted"]
TOLERANCE = 1e-5

INDEPENDENT = [c for c in CASES if c.independent_samples]
BATCH_LEVEL = [c for c in CASES if not c.independent_samples]
# Batch-level losses whose y_pred a replica can hold a slice of, by rows.
ROW_SPLIT = [c for c in BATCH_LEVEL if c.splits_by_rows]
BATCH_BY_BATCH = [c for c in CASES if not c.splits_by_rows]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """{backend: the helper's JSON, or {"failure": its stderr}}; both run at once."""
    folder = tmp_path_factory.mktemp("distributed")
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        # The helpers import the contract's cases from tests/.
        "PYTHONPATH": str(Path(__file__).parent),
    }
    processes = {}
    for backend, script in SCRIPTS.items():
        processes[backend] = subprocess.Popen(
            [sys.executable, str(HELPERS / script), str(folder / f"{backend}.json")],
            env={**env, "KERAS_BACKEND": backend},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    found = {}
    for backend, process in processes.items():
        _, stderr = process.communicate(timeout=900)
        if process.returncode:
            found[backend] = {"failure": stderr[-6000:]}
        else:
            found[backend] = json.loads((folder / f"{backend}.json").read_text())
            print(f"\n{backend}: {found[backend]['seconds']:.1f} s for all cases")
    return found


def run_of(results, backend, case):
    run = results[backend]
    assert "failure" not in run, run.get("failure")
    (result,) = [r for r in run["cases"] if r["name"] == case.name]
    assert result["error"] is None, result["error"]
    return result


def assert_same_step(got, expected, what):
    np.testing.assert_allclose(
        got["loss"],
        expected["loss"],
        rtol=TOLERANCE,
        atol=TOLERANCE,
        err_msg=what,
        equal_nan=False,
    )
    np.testing.assert_allclose(
        got["weights"],
        expected["weights"],
        rtol=0,
        atol=TOLERANCE,
        err_msg=what,
        equal_nan=False,
    )


@pytest.mark.parametrize("backend", SCRIPTS)
def test_each_run_really_has_two_replicas(results, backend):
    run = results[backend]
    assert "failure" not in run, run.get("failure")
    assert run["replicas"] == 2 and len(run["devices"]) == 2, run["devices"]
    assert [r["name"] for r in run["cases"]] == [c.name for c in CASES]
    if backend == "jax":
        assert run["jax_device_count"] == 2
        # The data is split along the batch over the two devices.
        assert run["data_layout_axes"] == ["batch", None]


@pytest.mark.parametrize("backend", SCRIPTS)
@pytest.mark.parametrize("weighting", WEIGHTINGS)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_step_moves_the_weights(results, backend, weighting, case):
    # Otherwise the comparisons below would compare nothing.
    result = run_of(results, backend, case)
    moved = np.subtract(result[weighting]["single"]["weights"], result["initial"])
    assert np.abs(moved).max() > 1e-4


@pytest.mark.parametrize("backend", SCRIPTS)
@pytest.mark.parametrize("weighting", WEIGHTINGS)
@pytest.mark.parametrize("case", INDEPENDENT, ids=str)
def test_independent_samples_train_the_same_on_two_replicas(
    results, backend, weighting, case
):
    run = run_of(results, backend, case)[weighting]
    assert_same_step(run["distributed"], run["single"], "two replicas vs one device")


@pytest.mark.parametrize("weighting", WEIGHTINGS)
@pytest.mark.parametrize("case", ROW_SPLIT, ids=str)
def test_batch_level_losses_see_only_their_replica_under_mirrored_strategy(
    results, weighting, case
):
    run = run_of(results, "tensorflow", case)[weighting]
    assert_same_step(
        run["distributed"], run["per_replica"], "two replicas vs the two halves alone"
    )


@pytest.mark.parametrize("weighting", WEIGHTINGS)
@pytest.mark.parametrize("case", BATCH_LEVEL, ids=str)
def test_batch_level_losses_see_the_whole_batch_under_jax_data_parallel(
    results, weighting, case
):
    run = run_of(results, "jax", case)[weighting]
    assert_same_step(run["distributed"], run["single"], "two devices vs one device")


def test_mirrored_strategy_really_splits_the_batch(results):
    # The per-replica reference differs from the one-device step for batch-level
    # losses; that the mirrored step matches the former shows the batch was split.
    gaps = {
        case.name: abs(
            run_of(results, "tensorflow", case)["unweighted"]["per_replica"]["loss"]
            - run_of(results, "tensorflow", case)["unweighted"]["single"]["loss"]
        )
        for case in ROW_SPLIT
    }
    assert max(gaps.values(), default=0) > 1e-3, gaps


@pytest.mark.parametrize("case", BATCH_BY_BATCH, ids=str)
def test_a_batch_by_batch_y_pred_is_refused_by_mirrored_replicas_not_trained_on(
    results, case
):
    # Each replica gets 4 of the 8 rows of a (8, 8) similarity matrix: the loss
    # raises its shape error, naming both shapes, rather than compare an anchor
    # with half of the positives.
    error = run_of(results, "tensorflow", case)["replica_error"]
    assert error is not None and error.startswith("ValueError"), error
    assert "y_pred.shape=(4, 8)" in error, error


@pytest.mark.parametrize("backend", SCRIPTS)
@pytest.mark.parametrize("weighting", WEIGHTINGS)
def test_the_chunked_head_trains_the_same_on_two_replicas_as_on_one_device(
    results, backend, weighting
):
    # The head's loss reaches the model through add_loss: under MirroredStrategy
    # Keras divides it by the number of replicas like a compiled loss, or the step
    # would be twice as large.
    run = results[backend]
    assert "failure" not in run, run.get("failure")
    head = run["head"][weighting]
    assert head["single"]["moved"] > 1e-4  # else the comparison compares nothing
    assert_same_step(head["distributed"], head["single"], "two replicas vs one device")

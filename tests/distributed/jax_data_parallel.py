"""One SGD step of every LossCase under keras.distribution.DataParallel on 2 CPUs.

Usage: python tests/distributed/jax_data_parallel.py OUT.json

Writes, for each case and with or without sample weights, the loss and the
weights after the step on the two devices ("distributed") and on one device
("single").
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"
# CPUs only, as two host devices, before JAX starts.
os.environ["JAX_PLATFORMS"] = "cpu"
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2"
)

import common  # noqa: E402
import jax  # noqa: E402
import keras  # noqa: E402

devices = keras.distribution.list_devices()
distribution = keras.distribution.DataParallel(devices=devices)


def describe():
    layout = distribution.get_data_layout((common.GLOBAL_BATCH, 3))
    return {
        "backend": "jax",
        "devices": devices,
        "replicas": distribution.device_mesh.shape[0],
        "jax_device_count": jax.device_count(),
        "data_layout_axes": list(layout.axes),
    }


if __name__ == "__main__":
    # JAX compiles each step: a compiled one-device reference costs less than an
    # eager one, which compiles every operation for every new shape.
    results = common.run_all(
        distribution.scope, describe, per_replica=False, eager_reference=False
    )
    results["head"] = common.head_runs(distribution.scope)
    with open(sys.argv[1], "w") as file:
        json.dump(results, file)

"""One SGD step of every LossCase under tf.distribute.MirroredStrategy on 2 CPUs.

Usage: python tests/distributed/tf_mirrored.py OUT.json

Writes, for each case and with or without sample weights, the loss and the
weights after the step on the two replicas ("distributed"), on one device
("single"), and what two replicas that each see only their half of the batch
would compute ("per_replica").
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "tensorflow"
import tensorflow as tf  # noqa: E402

# CPUs only, split into two logical devices, before anything initialises TF.
cpus = tf.config.list_physical_devices("CPU")
tf.config.set_visible_devices(cpus)
tf.config.set_logical_device_configuration(
    cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

import common  # noqa: E402

devices = [d.name for d in tf.config.list_logical_devices("CPU")]
strategy = tf.distribute.MirroredStrategy(devices)


def describe():
    return {
        "backend": "tensorflow",
        "devices": devices,
        "replicas": strategy.num_replicas_in_sync,
    }


if __name__ == "__main__":
    results = common.run_all(
        strategy.scope, describe, per_replica=True, eager_reference=True
    )
    results["head"] = common.head_runs(strategy.scope)
    with open(sys.argv[1], "w") as file:
        json.dump(results, file)

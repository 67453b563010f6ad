"""Forward + backward time of every lossbook loss under jit, against Keras built-ins.

    python benchmarks/run.py            # every backend, full sizes (`make bench`)
    python benchmarks/run.py --quick    # tiny sizes, one repeat, output to a temp dir
    python benchmarks/run.py --backends jax --only PolyLoss,JaccardLoss
    python benchmarks/run.py --gather   # only rebuild docs/assets/benchmarks.json

The same command runs on a GPU: it is found through nvidia-smi and each backend's
device list, and the elementwise losses then report their achieved memory bandwidth
against the peak of the GPU's data sheet (a table below). Without `--torch-mode`,
torch uses `torch.compile(dynamic=True)` on a GPU and runs eagerly on a CPU, where
inductor spends seconds compiling each loss (the run times one compiled example).

For each public loss of `lossbook.__all__`, one or more *rows*: the lossbook loss in
one configuration, the Keras built-in that computes the same thing (or the nearest
one, labelled so; or none), and the naive version of the source articles where one
exists. Each step is `value_and_grad` with respect to `y_pred`, compiled by the
backend's jit: `tf.function(jit_compile=True)`, `jax.jit(jax.value_and_grad(...))`,
`torch.compile` (on a GPU; on a CPU torch runs eagerly by default, see
`--torch-mode`). Calls of the implementations of a row alternate (interleaved
repeats), and the ratio reported is the median of the per-repeat ratios
lossbook / built-in, with its interquartile range.

Each backend runs in its own process, since Keras fixes its backend at import. A full
run writes `benchmarks/results/<machine>.json` and `.md`, then gathers every results
file into `docs/assets/benchmarks.json`, the data file of the Performance page.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PAGE_DATA = ROOT / "docs" / "assets" / "benchmarks.json"
BACKENDS = ("jax", "tensorflow", "torch")
SCHEMA = 1
# Target of the issue: every loss at most this times its built-in at >= 1M elements.
TARGET_RATIO = 1.05
TARGET_FROM_ELEMENTS = 2**20

# Elementwise losses: total elements of y_pred.
ELEMENTWISE_SIZES = [2**10, 2**14, 2**18, 2**20, 2**22, 2**24]
# Sorting losses (Lovász): n log n, and a sort is slow on a CPU.
SORTING_SIZES = [2**10, 2**14, 2**18, 2**20, 2**22]
# Pairwise losses over a batch: batch sizes B (a B x B matrix of distances).
PAIRWISE_BATCHES = [64, 256, 1024, 2048]
# Triplet semi-hard mining builds a B x B x B cube.
CUBIC_BATCHES = [32, 64, 128, 256]
EMBEDDING_DIM = 128
QUICK_ELEMENTS, QUICK_BATCH = 2**10, 16
# Costly ops are counted in the compiled program at this size (full runs).
OPS_SIZE = 2**16

# Peak memory bandwidth, GB/s (vendor data sheets), matched by substring of the
# device name, most specific first. Used only for GPUs; the measured copy kernel is
# reported beside it on every device.
GPU_PEAK_GBPS = [
    ("GH200", 4000.0),
    ("H200", 4800.0),
    ("H100 NVL", 3900.0),
    ("H100 PCIe", 2000.0),
    ("H100", 3350.0),
    ("A100-SXM4-80GB", 2039.0),
    ("A100 80GB PCIe", 1935.0),
    ("A100-PCIE-80GB", 1935.0),
    ("A100", 1555.0),
    ("L40S", 864.0),
    ("A10G", 600.0),
    ("A10", 600.0),
    ("L4", 300.0),
    ("T4", 320.0),
    ("V100", 900.0),
    ("RTX 4090", 1008.0),
    ("RTX 3090", 936.0),
]
# Elementwise operations whose cost dominates a loss on a CPU (XLA HLO names).
COSTLY_OPS = (
    "exponential",
    "exponential-minus-one",
    "log",
    "log-plus-one",
    "logistic",
    "tanh",
    "power",
    "sqrt",
    "rsqrt",
    "cbrt",
    "atan2",
    "erf",
    "sine",
    "cosine",
    "divide",
)


# --------------------------------------------------------------------- the machine


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_names() -> list[str]:
    try:
        result = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def gpu_peak_gbps(name: str | None) -> float | None:
    for key, peak in GPU_PEAK_GBPS:
        if name and key.lower() in name.lower():
            return peak
    return None


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on (the backends add their versions)."""
    gpus = gpu_names()
    cores = os.cpu_count() or 1
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    cpu = cpu_model()
    slug = f"gpu-{_slug(gpus[0])}" if gpus else f"cpu-{_slug(cpu)}-{usable}cores"
    return {
        "slug": slug,
        "cpu_model": cpu,
        "logical_cores": cores,
        "usable_cores": usable,
        "gpus": gpus,
        "gpu_peak_gbps": gpu_peak_gbps(gpus[0]) if gpus else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


# ------------------------------------------------------------------ what is measured


@dataclass
class Row:
    """One lossbook loss configuration and what it is measured against."""

    key: str
    loss: str  # the public class name
    make_loss: Any  # () -> keras.losses.Loss
    inputs: Any  # (rng, size) -> (y_true, y_pred) as float32 NumPy arrays
    sizes: list[int]
    quick_sizes: list[int]
    family: str  # "elementwise" (bandwidth is reported) or "batch"
    size_unit: str  # what `size` counts
    layout: str  # the shape of y_pred, in words
    builtin: Any = None  # () -> callable(y_true, y_pred) -> scalar
    builtin_label: str | None = None
    relation: str | None = None  # "same", "same x0.5", "nearest", None
    value_factor: float | None = None  # lossbook == factor * built-in when "same"
    naive: Any = None
    naive_label: str | None = None
    notes: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "loss": self.loss,
            "family": self.family,
            "size_unit": self.size_unit,
            "layout": self.layout,
            "sizes": self.sizes,
            "builtin": self.builtin_label,
            "relation": self.relation,
            "naive": self.naive_label,
            "notes": self.notes,
        }


def public_losses(lossbook: Any, keras: Any) -> tuple[list[str], dict[str, str]]:
    """The public Loss classes of lossbook, and each public function's class."""
    names = list(lossbook.__all__)
    classes = sorted(
        n
        for n in names
        if isinstance(getattr(lossbook, n), type)
        and issubclass(getattr(lossbook, n), keras.losses.Loss)
    )
    by_letters = {c.lower(): c for c in classes}
    functions = {
        n: by_letters[n.replace("_", "")]
        for n in names
        if n.replace("_", "") in by_letters and n not in classes
    }
    return classes, dict(sorted(functions.items()))


def build_rows(keras: Any, lossbook: Any, cases: list[Any]) -> list[Row]:
    """The pairing table, over `lossbook.__all__`: explicit pairs, then fallbacks."""
    import numpy as np
    from keras import ops

    L = keras.losses
    try:  # What model.compile(loss=function) wraps a plain function in.
        from keras.src.losses.losses import LossFunctionWrapper
    except ImportError:  # pragma: no cover - a later Keras may move it

        class LossFunctionWrapper(keras.losses.Loss):
            def __init__(self, fn: Any) -> None:
                super().__init__(name=fn.__name__)
                self.fn = fn

            def call(self, y_true: Any, y_pred: Any) -> Any:
                return self.fn(y_true, y_pred)

    classes, _ = public_losses(lossbook, keras)
    by_case = {c.name: c for c in cases}

    def first_case(cls: str) -> Any:
        return next((c for c in cases if c.loss_class.__name__ == cls), None)

    def case_inputs(case_name: str, cls: str, shape_of: Any, then: Any = None) -> Any:
        case = by_case.get(case_name) or first_case(cls)

        def make(rng: Any, size: int) -> tuple[Any, Any]:
            y_true, y_pred = case.make_inputs(rng, shape_of(size))
            if then is not None:
                y_true, y_pred = then(y_true, y_pred)
            return np.asarray(y_true, "float32"), np.asarray(y_pred, "float32")

        return make

    def grid(columns: int) -> Any:
        return lambda n: (max(n // columns, 1), min(columns, n))

    def batch(b: int) -> tuple[int, int]:
        return (b, EMBEDDING_DIM)

    def pair_ids(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        rows = len(y_pred)
        return np.arange(rows, dtype="float32") % (rows // 2), y_pred

    def elementwise(columns: int, sizes: list[int] = ELEMENTWISE_SIZES) -> dict:
        return {
            "sizes": sizes,
            "quick_sizes": [QUICK_ELEMENTS],
            "family": "elementwise",
            "size_unit": "elements",
            "layout": f"(n / {columns}, {columns})" if columns > 1 else "(n, 1)",
        }

    def pairwise(sizes: list[int]) -> dict:
        return {
            "sizes": sizes,
            "quick_sizes": [QUICK_BATCH],
            "family": "batch",
            "size_unit": "batch rows",
            "layout": f"(B, {EMBEDDING_DIM})",
        }

    # The source articles' code, translated to keras.ops (compile() wraps a plain
    # function in LossFunctionWrapper, so the naive versions are wrapped too).
    def article_mse(y_true: Any, y_pred: Any) -> Any:
        return ops.mean(ops.square(y_pred - y_true), axis=-1)

    def article_weighted_bce(y_true: Any, y_pred: Any) -> Any:
        weights = ops.convert_to_tensor([1.0, 5.0], dtype="float32")
        y_true = ops.cast(y_true, "float32")
        epsilon = keras.backend.epsilon()
        y_pred = ops.clip(y_pred, epsilon, 1 - epsilon)
        both = y_true * ops.log(y_pred) + (1 - y_true) * ops.log(1 - y_pred)
        return -ops.sum(weights * both, axis=-1)

    def softmax_kl() -> Any:
        kl = L.KLDivergence()
        return lambda t, s: kl(ops.softmax(t, axis=-1), ops.softmax(s, axis=-1))

    def bce_plus_half_mse() -> Any:
        bce, mse = L.BinaryCrossentropy(), L.MeanSquaredError()
        return lambda y, p: bce(y, p) + 0.5 * mse(y, p)

    lb = lossbook
    explicit: dict[str, list[Row]] = {
        "WeightedBinaryCrossentropy": [
            Row(
                "WeightedBinaryCrossentropy(pos_weight=1, from_logits=True)",
                "WeightedBinaryCrossentropy",
                lambda: lb.WeightedBinaryCrossentropy(pos_weight=1.0, from_logits=True),
                case_inputs(
                    "weighted_bce_logits", "WeightedBinaryCrossentropy", grid(1)
                ),
                builtin=lambda: L.BinaryCrossentropy(from_logits=True),
                builtin_label="BinaryCrossentropy(from_logits=True)",
                relation="same",
                value_factor=1.0,
                **elementwise(1),
            ),
            Row(
                "WeightedBinaryCrossentropy(pos_weight=1)",
                "WeightedBinaryCrossentropy",
                lambda: lb.WeightedBinaryCrossentropy(pos_weight=1.0),
                case_inputs(
                    "weighted_bce_probabilities", "WeightedBinaryCrossentropy", grid(1)
                ),
                builtin=lambda: L.BinaryCrossentropy(),
                builtin_label="BinaryCrossentropy()",
                relation="same",
                value_factor=1.0,
                naive=lambda: LossFunctionWrapper(article_weighted_bce),
                naive_label="article's weighted_binary_crossentropy (weights [1, 5])",
                notes=[
                    "The article's weights [1, 5] broadcast (n, 1) to (n, 2): it "
                    "computes 6 x the cross-entropy, not a weighted one."
                ],
                **elementwise(1),
            ),
        ],
        "ScaledMeanSquaredError": [
            Row(
                "ScaledMeanSquaredError(scale=1)",
                "ScaledMeanSquaredError",
                lambda: lb.ScaledMeanSquaredError(scale=1.0),
                case_inputs("scaled_mse", "ScaledMeanSquaredError", grid(16)),
                builtin=lambda: L.MeanSquaredError(),
                builtin_label="MeanSquaredError()",
                relation="same",
                value_factor=1.0,
                naive=lambda: LossFunctionWrapper(article_mse),
                naive_label="article's custom_loss (MSE)",
                **elementwise(16),
            )
        ],
        "SmoothL1Loss": [
            Row(
                "SmoothL1Loss(beta=1)",
                "SmoothL1Loss",
                lambda: lb.SmoothL1Loss(beta=1.0),
                case_inputs("smooth_l1", "SmoothL1Loss", grid(16)),
                builtin=lambda: L.Huber(delta=1.0),
                builtin_label="Huber(delta=1)",
                relation="same",
                value_factor=1.0,
                **elementwise(16),
            ),
            Row(
                "SmoothL1Loss(beta=0)",
                "SmoothL1Loss",
                lambda: lb.SmoothL1Loss(beta=0.0),
                case_inputs("smooth_l1_beta_zero", "SmoothL1Loss", grid(16)),
                builtin=lambda: L.MeanAbsoluteError(),
                builtin_label="MeanAbsoluteError()",
                relation="same",
                value_factor=1.0,
                **elementwise(16),
            ),
        ],
        "PinballLoss": [
            Row(
                "PinballLoss(quantiles=0.5)",
                "PinballLoss",
                lambda: lb.PinballLoss(quantiles=0.5),
                case_inputs("pinball_one_quantile", "PinballLoss", grid(16)),
                builtin=lambda: L.MeanAbsoluteError(),
                builtin_label="MeanAbsoluteError()",
                relation="same x0.5",
                value_factor=0.5,
                **elementwise(16),
            )
        ],
        "DistillationLoss": [
            Row(
                "DistillationLoss(temperature=1)",
                "DistillationLoss",
                lambda: lb.DistillationLoss(temperature=1.0),
                case_inputs("distillation", "DistillationLoss", grid(64)),
                builtin=softmax_kl,
                builtin_label="KLDivergence() on softmax(teacher), softmax(student)",
                relation="same",
                value_factor=1.0,
                **elementwise(64),
            )
        ],
        "PolyLoss": [
            Row(
                "PolyLoss(epsilon=0, from_logits=True)",
                "PolyLoss",
                lambda: lb.PolyLoss(epsilon=0.0, from_logits=True),
                case_inputs("poly_logits", "PolyLoss", grid(64)),
                builtin=lambda: L.CategoricalCrossentropy(from_logits=True),
                builtin_label="CategoricalCrossentropy(from_logits=True)",
                relation="same",
                value_factor=1.0,
                **elementwise(64),
            ),
            Row(
                "PolyLoss(epsilon=0)",
                "PolyLoss",
                lambda: lb.PolyLoss(epsilon=0.0),
                case_inputs("poly_probabilities", "PolyLoss", grid(64)),
                builtin=lambda: L.CategoricalCrossentropy(),
                builtin_label="CategoricalCrossentropy()",
                relation="same",
                value_factor=1.0,
                **elementwise(64),
            ),
        ],
        "JaccardLoss": [
            Row(
                "JaccardLoss()",
                "JaccardLoss",
                lambda: lb.JaccardLoss(),
                case_inputs("jaccard", "JaccardLoss", grid(4096)),
                builtin=lambda: L.Dice(axis=(1,)),
                builtin_label="Dice(axis=(1,))",
                relation="nearest",
                **elementwise(4096),
            )
        ],
        "FocalTverskyLoss": [
            Row(
                "FocalTverskyLoss(alpha=0.7, beta=0.3, gamma=1, smooth=0)",
                "FocalTverskyLoss",
                lambda: lb.FocalTverskyLoss(alpha=0.7, beta=0.3, gamma=1.0, smooth=0.0),
                case_inputs("focal_tversky", "FocalTverskyLoss", grid(4096)),
                builtin=lambda: L.Tversky(alpha=0.7, beta=0.3, axis=(1,)),
                builtin_label="Tversky(alpha=0.7, beta=0.3, axis=(1,))",
                relation="same",
                value_factor=1.0,
                **elementwise(4096),
            )
        ],
        "LovaszHingeLoss": [
            Row(
                "LovaszHingeLoss()",
                "LovaszHingeLoss",
                lambda: lb.LovaszHingeLoss(),
                case_inputs("lovasz_hinge_per_image", "LovaszHingeLoss", grid(4096)),
                notes=["Sorts every image's pixels: n log n, sizes up to 4M."],
                **{**elementwise(4096, SORTING_SIZES), "family": "batch"},
            )
        ],
        "CombinedLoss": [
            Row(
                "CombinedLoss([WeightedBinaryCrossentropy(pos_weight=1), "
                "MeanSquaredError()], weights=[1, 0.5])",
                "CombinedLoss",
                lambda: lb.CombinedLoss(
                    [
                        lb.WeightedBinaryCrossentropy(pos_weight=1.0),
                        L.MeanSquaredError(),
                    ],
                    weights=[1.0, 0.5],
                ),
                case_inputs("combined_bce_and_keras_mse", "CombinedLoss", grid(16)),
                builtin=bce_plus_half_mse,
                builtin_label="BinaryCrossentropy() + 0.5 * MeanSquaredError()",
                relation="same",
                value_factor=1.0,
                **elementwise(16),
            )
        ],
        "ContrastiveLoss": [
            Row(
                "ContrastiveLoss(margin=1)",
                "ContrastiveLoss",
                lambda: lb.ContrastiveLoss(margin=1.0),
                case_inputs("contrastive", "ContrastiveLoss", grid(16)),
                builtin=lambda: L.SquaredHinge(),
                builtin_label="SquaredHinge()",
                relation="nearest",
                notes=["SquaredHinge has the same per-element form max(m - x, 0)**2."],
                **elementwise(16),
            )
        ],
        "TripletSemiHardLoss": [
            Row(
                "TripletSemiHardLoss(margin=1)",
                "TripletSemiHardLoss",
                lambda: lb.TripletSemiHardLoss(margin=1.0),
                case_inputs("triplet_semihard", "TripletSemiHardLoss", batch),
                builtin=lambda: L.Circle(),
                builtin_label="Circle()",
                relation="nearest",
                notes=["Semi-hard mining builds a B x B x B cube: B up to 256."],
                **pairwise(CUBIC_BATCHES),
            )
        ],
        "TripletHardLoss": [
            Row(
                "TripletHardLoss(margin=1)",
                "TripletHardLoss",
                lambda: lb.TripletHardLoss(margin=1.0),
                case_inputs("triplet_hard", "TripletHardLoss", batch),
                builtin=lambda: L.Circle(),
                builtin_label="Circle()",
                relation="nearest",
                **pairwise(PAIRWISE_BATCHES),
            )
        ],
        "NTXentLoss": [
            Row(
                "NTXentLoss(temperature=0.5)",
                "NTXentLoss",
                lambda: lb.NTXentLoss(temperature=0.5),
                case_inputs("nt_xent", "NTXentLoss", batch, then=pair_ids),
                builtin=lambda: L.Circle(),
                builtin_label="Circle() with the pair index as label",
                relation="nearest",
                **pairwise(PAIRWISE_BATCHES),
            )
        ],
        "BoxIoULoss": [
            Row(
                "BoxIoULoss(mode='giou')",
                "BoxIoULoss",
                lambda: lb.BoxIoULoss(mode="giou"),
                case_inputs("box_giou", "BoxIoULoss", grid(4)),
                notes=["Elementwise over boxes: n / 4 boxes of 4 numbers."],
                **{**elementwise(4), "family": "batch"},
            )
        ],
        "WeightedKappaLoss": [
            Row(
                "WeightedKappaLoss(num_classes=4)",
                "WeightedKappaLoss",
                lambda: lb.WeightedKappaLoss(num_classes=4),
                case_inputs("weighted_kappa_quadratic_4", "WeightedKappaLoss", grid(4)),
                notes=["A batch statistic, linear in n: n / 4 samples of 4 classes."],
                **{**elementwise(4), "family": "batch"},
            )
        ],
    }
    rows: list[Row] = []
    for cls in classes:
        if cls in explicit:
            rows += explicit[cls]
            continue
        # A loss added later: its first contract case, no built-in, generic sizes.
        case = first_case(cls)
        if case is None:
            raise RuntimeError(f"{cls} has no LossCase in tests/cases/")
        independent = case.shapes == "same" and case.independent_samples
        layout = elementwise(16) if independent else pairwise(PAIRWISE_BATCHES[:3])
        shape_of = grid(16) if independent else batch
        rows.append(
            Row(
                f"{cls}({', '.join(f'{k}={v!r}' for k, v in case.kwargs.items())})",
                cls,
                lambda case=case: case.loss_class(**case.kwargs),
                case_inputs(case.name, cls, shape_of),
                notes=[
                    f"No pairing yet: the inputs and arguments of case {case.name}."
                ],
                **layout,
            )
        )
    return rows


# ----------------------------------------------------------------- one backend


class Runner:
    """Compiles and times value-and-gradient steps on the current Keras backend."""

    def __init__(self, torch_mode: str) -> None:
        import keras

        self.backend = keras.backend.backend()
        self.torch_mode = torch_mode
        self.device = "cpu"
        self.device_name = cpu_model()
        if self.backend == "jax":
            import jax

            device = jax.devices()[0]
            self.device = "cpu" if device.platform == "cpu" else "gpu"
            if self.device != "cpu":
                self.device_name = device.device_kind
        elif self.backend == "tensorflow":
            import tensorflow as tf

            # Each row compiles new functions: silence the retracing warnings.
            tf.get_logger().setLevel("ERROR")
            gpus = tf.config.list_physical_devices("GPU")
            for gpu in gpus:
                tf.config.experimental.set_memory_growth(gpu, True)
            self.tf_device = "/GPU:0" if gpus else "/CPU:0"
            if gpus:
                self.device = "gpu"
                details = tf.config.experimental.get_device_details(gpus[0])
                self.device_name = details.get("device_name", "GPU")
        elif self.backend == "torch":
            import torch

            if torch.cuda.is_available():
                self.device = "gpu"
                self.device_name = torch.cuda.get_device_name(0)
            if self.torch_mode == "auto":
                self.torch_mode = "compile" if self.device == "gpu" else "eager"
            # Keras's dtype helpers are lru_cache'd; Dynamo traces through them.
            warnings.filterwarnings("ignore", message=".*functools.lru_cache.*")
            # Every row recompiles Loss.__call__: past the default limit of 8,
            # Dynamo would fall back to eager without a word.
            torch._dynamo.config.cache_size_limit = 1024
            torch._dynamo.config.accumulated_cache_size_limit = 4096

    @property
    def mode(self) -> str:
        if self.backend == "torch":
            if self.torch_mode == "compile":
                return "torch.compile(dynamic=True), inductor"
            return "eager (torch.compile not used)"
        if self.backend == "tensorflow":
            return "tf.function(jit_compile=True)"
        return "jax.jit(jax.value_and_grad(...))"

    def versions(self) -> dict[str, str]:
        import keras
        import numpy

        found = {"keras": keras.__version__, "numpy": numpy.__version__}
        if self.backend == "jax":
            import jax
            import jaxlib

            found |= {"jax": jax.__version__, "jaxlib": jaxlib.__version__}
        elif self.backend == "tensorflow":
            import tensorflow as tf

            found["tensorflow"] = tf.__version__
        else:
            import torch

            found["torch"] = torch.__version__
        return found

    def tensor(self, array: Any) -> Any:
        from keras import ops

        if self.backend == "tensorflow":
            import tensorflow as tf

            with tf.device(self.tf_device):
                return tf.identity(tf.constant(array))
        return ops.convert_to_tensor(array)

    def row_steps(self, row: Row) -> dict[str, Any]:
        """The compiled steps of a row: lossbook, and built-in and naive if any."""
        if self.backend == "torch" and self.torch_mode == "compile":
            import torch

            torch._dynamo.reset()
        makers = {"lossbook": row.make_loss, "builtin": row.builtin, "naive": row.naive}
        return {name: self.step(make()) for name, make in makers.items() if make}

    def step(self, loss_fn: Any) -> Any:
        """A compiled function (y_true, y_pred) -> (loss, d loss / d y_pred), synced."""
        if self.backend == "jax":
            import jax

            compiled = jax.jit(jax.value_and_grad(loss_fn, argnums=1))

            def run(y_true: Any, y_pred: Any) -> Any:
                return jax.block_until_ready(compiled(y_true, y_pred))

            run.compiled = compiled
            return run
        if self.backend == "tensorflow":
            import tensorflow as tf

            @tf.function(jit_compile=True)
            def compiled(y_true: Any, y_pred: Any) -> Any:
                with tf.GradientTape() as tape:
                    tape.watch(y_pred)
                    value = loss_fn(y_true, y_pred)
                return value, tape.gradient(value, y_pred)

            def run(y_true: Any, y_pred: Any) -> Any:
                with tf.device(self.tf_device):
                    value, gradient = compiled(y_true, y_pred)
                # One XLA executable computes both: when one is ready, so is the other.
                value.numpy()
                return value, gradient

            run.compiled = compiled
            return run
        import torch

        # dynamic=True: one compilation serves every size of the row.
        compiled = self.torch_mode == "compile"
        forward = torch.compile(loss_fn, dynamic=True) if compiled else loss_fn
        cuda = self.device == "gpu"

        def run(y_true: Any, y_pred: Any) -> Any:
            leaf = y_pred.detach().requires_grad_(True)
            value = forward(y_true, leaf)
            (gradient,) = torch.autograd.grad(value, leaf)
            if cuda:
                torch.cuda.synchronize()
            return value.detach(), gradient

        return run

    def costly_ops(self, run: Any, y_true: Any, y_pred: Any) -> dict[str, int] | None:
        """Costly elementwise ops on arrays of y_pred's size, in the optimised HLO."""
        if self.backend == "jax":
            text = run.compiled.lower(y_true, y_pred).compile().as_text()
        elif self.backend == "tensorflow":
            ir = run.compiled.experimental_get_compiler_ir(y_true, y_pred)
            text = ir(stage="optimized_hlo")
        else:
            return None
        size = 1
        for dim in y_pred.shape:
            size *= int(dim)
        counts: dict[str, int] = {}
        pattern = r"=\s*f32\[([\d,]*)\]\S*\s+([a-z0-9\-]+)\("
        for dims, op in re.findall(pattern, text):
            elements = 1
            for d in filter(None, dims.split(",")):
                elements *= int(d)
            if op in COSTLY_OPS and elements == size:
                counts[op] = counts.get(op, 0) + 1
        return dict(sorted(counts.items()))

    def copy_bandwidth(self, elements: int, repeats: int) -> dict[str, Any]:
        """GB/s of `x + 1` over `elements` float32 (one read, one write of each).

        Two kernels under the backend's jit: into a new buffer each call (what a
        loss step does with its outputs), and in place (jax: a donated buffer;
        torch: `add_`; TensorFlow: `Variable.assign`, which XLA may still copy).
        The gap between them is the cost of allocating fresh memory.
        """
        import numpy as np

        x = self.tensor(np.ones(elements, "float32"))
        if self.backend == "jax":
            import jax

            new = jax.jit(lambda v: v + 1.0)
            donated = jax.jit(lambda v: v + 1.0, donate_argnums=0)
            state = {"x": self.tensor(np.ones(elements, "float32"))}

            def new_buffer() -> None:
                jax.block_until_ready(new(x))

            def in_place() -> None:
                state["x"] = jax.block_until_ready(donated(state["x"]))

            kernel = "jax.jit(x + 1, donate_argnums=0)"
        elif self.backend == "tensorflow":
            import tensorflow as tf

            with tf.device(self.tf_device):
                variable = tf.Variable(x)
            new = tf.function(lambda v: v + 1.0, jit_compile=True)
            assign = tf.function(
                lambda: variable.assign(variable + 1.0), jit_compile=True
            )

            def new_buffer() -> None:
                with tf.device(self.tf_device):
                    new(x)[0].numpy()

            def in_place() -> None:
                with tf.device(self.tf_device):
                    assign()
                    variable[0].numpy()

            kernel = "tf.function(v.assign(v + 1), jit_compile=True)"
        else:
            import torch

            compiled = self.torch_mode == "compile"
            new = torch.compile(lambda v: v + 1.0) if compiled else (lambda v: v + 1.0)
            add_ = torch.compile(lambda v: v.add_(1.0)) if compiled else None
            add_ = add_ or (lambda v: v.add_(1.0))
            y = x.clone()

            def sync() -> None:
                if self.device == "gpu":
                    torch.cuda.synchronize()

            def new_buffer() -> None:
                new(x)
                sync()

            def in_place() -> None:
                add_(y)
                sync()

            kernel = "x.add_(1)" + (" under torch.compile" if compiled else "")

        found: dict[str, Any] = {"elements": elements, "in_place_kernel": kernel}
        for name, call in (("new_buffer", new_buffer), ("in_place", in_place)):
            call()
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
            found[f"{name}_gbps"] = 2 * 4 * elements / statistics.median(times) / 1e9
        return found


def numpy_copy_gbps(elements: int, repeats: int = 9) -> float:
    """GB/s of NumPy's in-place `x += 1` (one thread): this machine's CPU reference."""
    import numpy as np

    x = np.ones(elements, "float32")
    np.add(x, 1.0, out=x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.add(x, 1.0, out=x)
        times.append(time.perf_counter() - start)
    return 2 * 4 * elements / statistics.median(times) / 1e9


def _summary(times: list[float]) -> dict[str, Any]:
    ordered = sorted(times)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "median_s": statistics.median(ordered),
        "q1_s": q1,
        "q3_s": q3,
        "times_s": [round(t, 7) for t in times],
    }


def _ratio_summary(first: list[float], second: list[float]) -> dict[str, float]:
    ratios = sorted(a / b for a, b in zip(first, second, strict=True))
    if len(ratios) >= 2:
        q1, _, q3 = statistics.quantiles(ratios, n=4, method="inclusive")
    else:
        q1 = q3 = ratios[0]
    return {"median": statistics.median(ratios), "q1": q1, "q3": q3}


def measure_row(
    runner: Runner,
    row: Row,
    steps: dict[str, Any],
    size: int,
    quick: bool,
    count_ops: bool,
) -> dict[str, Any]:
    import numpy as np
    from keras import ops

    rng = np.random.default_rng(size)
    y_true_np, y_pred_np = row.inputs(rng, size)
    result: dict[str, Any] = {
        "row": row.key,
        "size": size,
        "shape": list(y_pred_np.shape),
        "elements": int(y_pred_np.size),
    }
    y_true, y_pred = runner.tensor(y_true_np), runner.tensor(y_pred_np)
    values = {}
    for name in steps:
        # The first call at a shape compiles (for torch.compile: the first shape).
        start = time.perf_counter()
        value, gradient = steps[name](y_true, y_pred)
        result[f"{name}_compile_s"] = time.perf_counter() - start
        # convert_to_numpy also copies from a GPU.
        values[name] = float(ops.convert_to_numpy(value))
        if name == "lossbook":
            finite = np.isfinite(ops.convert_to_numpy(gradient))
            result["gradient_finite"] = bool(np.all(finite))
    result["values"] = values
    if "builtin" in values and row.value_factor is not None:
        expected = row.value_factor * values["builtin"]
        result["value_rel_diff"] = abs(values["lossbook"] - expected) / max(
            abs(expected), 1e-12
        )
    if count_ops:
        ops_found = {
            name: runner.costly_ops(step, y_true, y_pred)
            for name, step in steps.items()
        }
        if any(v is not None for v in ops_found.values()):
            result["costly_ops"] = ops_found
    # One warm call each, then interleaved repeats (the first to run rotates).
    names = list(steps)
    first_times = {}
    for name in names:
        start = time.perf_counter()
        steps[name](y_true, y_pred)
        first_times[name] = time.perf_counter() - start
    if quick:
        repeats = 1
    else:
        one_round = sum(first_times.values())
        repeats = int(min(25, max(5, 1.5 // max(one_round, 1e-9))))
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            start = time.perf_counter()
            steps[name](y_true, y_pred)
            times[name].append(time.perf_counter() - start)
    result["repeats"] = repeats
    for name in names:
        result[name] = _summary(times[name])
    if "builtin" in times:
        result["ratio"] = _ratio_summary(times["lossbook"], times["builtin"])
    if "naive" in times and "builtin" in times:
        result["naive_ratio"] = _ratio_summary(times["naive"], times["builtin"])
    if row.family == "elementwise":
        # Least traffic of a forward + backward step: read y_true and y_pred, write
        # the gradient (same size as y_pred).
        moved = y_true_np.nbytes + 2 * y_pred_np.nbytes
        result["bytes_moved"] = moved
        result["lossbook_gbps"] = moved / result["lossbook"]["median_s"] / 1e9
        if "builtin" in times:
            result["builtin_gbps"] = moved / result["builtin"]["median_s"] / 1e9
    return result


def worker(
    backend: str, quick: bool, torch_mode: str, out: Path, only: list[str]
) -> None:
    """Measures every row on `backend` (this process) and writes `out`."""
    os.environ["KERAS_BACKEND"] = backend
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "src"))
    import keras

    import lossbook

    if keras.backend.backend() != backend:
        raise RuntimeError(f"Keras runs {keras.backend.backend()}, not {backend}")
    from cases import CASES

    runner = Runner(torch_mode)
    rows = build_rows(keras, lossbook, CASES)
    if only:
        rows = [row for row in rows if row.loss in only]
    started = time.perf_counter()
    measurements = []
    for row in rows:
        sizes = row.quick_sizes if quick else row.sizes
        try:
            steps = runner.row_steps(row)
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            message = f"{type(error).__name__}: {error}"[:2000]
            measurements += [
                {"row": row.key, "size": s, "error": message} for s in sizes
            ]
            continue
        for size in sizes:
            print(f"[{backend}] {row.key} @ {size}", file=sys.stderr, flush=True)
            # Quick runs count costly ops on their one size; full runs at OPS_SIZE.
            count_ops = quick and row.family == "elementwise"
            try:
                found = measure_row(runner, row, steps, size, quick, count_ops)
                measurements.append(found)
            except Exception as error:  # noqa: BLE001 - reported, not hidden
                message = f"{type(error).__name__}: {error}"[:2000]
                measurements.append({"row": row.key, "size": size, "error": message})
        if not quick and row.family == "elementwise" and backend != "torch":
            try:
                measurements.append(measure_ops_only(runner, row, steps, OPS_SIZE))
            except Exception as error:  # noqa: BLE001
                message = f"{type(error).__name__}: {error}"[:2000]
                measurements.append(
                    {
                        "row": row.key,
                        "size": OPS_SIZE,
                        "ops_only": True,
                        "error": message,
                    }
                )
    probe = None
    if backend == "torch" and runner.torch_mode == "eager" and not quick:
        paired = [r for r in rows if r.builtin and r.family == "elementwise"]
        chosen = [r for r in paired if r.loss == "WeightedBinaryCrossentropy"]
        if chosen or paired:
            probe = torch_compile_probe(runner, (chosen or paired)[0], 2**20)
    largest = max(
        (
            max(r.quick_sizes if quick else r.sizes)
            for r in rows
            if r.family == "elementwise"
        ),
        default=QUICK_ELEMENTS,
    )
    result = {
        "backend": backend,
        "mode": runner.mode,
        "device": runner.device,
        "device_name": runner.device_name,
        "versions": runner.versions(),
        "copy": runner.copy_bandwidth(largest, 1 if quick else 9),
        "rows": [r.describe() for r in rows],
        "losses": public_losses(lossbook, keras)[0],
        "functions": public_losses(lossbook, keras)[1],
        "measurements": measurements,
        "torch_compile_probe": probe,
        "duration_s": time.perf_counter() - started,
    }
    out.write_text(json.dumps(result, indent=1))


def torch_compile_probe(runner: Runner, row: Row, size: int) -> dict[str, Any]:
    """What torch.compile costs and gives on one row, when the run is eager."""
    import numpy as np

    y_true_np, y_pred_np = row.inputs(np.random.default_rng(size), size)
    y_true, y_pred = runner.tensor(y_true_np), runner.tensor(y_pred_np)
    found: dict[str, Any] = {"row": row.key, "size": size}
    try:
        runner.torch_mode = "compile"
        steps = runner.row_steps(row)
        steps.pop("naive", None)
        for name, step in steps.items():
            start = time.perf_counter()
            step(y_true, y_pred)
            found[f"{name}_compile_s"] = time.perf_counter() - start
        times: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(5):
            for name, step in steps.items():
                start = time.perf_counter()
                step(y_true, y_pred)
                times[name].append(time.perf_counter() - start)
        for name in steps:
            found[f"{name}_median_s"] = statistics.median(times[name])
    except Exception as error:  # noqa: BLE001 - reported, not hidden
        found["error"] = f"{type(error).__name__}: {error}"[:2000]
    finally:
        runner.torch_mode = "eager"
    return found


def measure_ops_only(
    runner: Runner, row: Row, steps: dict[str, Any], size: int
) -> dict[str, Any]:
    import numpy as np

    y_true_np, y_pred_np = row.inputs(np.random.default_rng(0), size)
    y_true, y_pred = runner.tensor(y_true_np), runner.tensor(y_pred_np)
    return {
        "row": row.key,
        "size": size,
        "ops_only": True,
        "elements": int(y_pred_np.size),
        "costly_ops": {
            name: runner.costly_ops(step, y_true, y_pred)
            for name, step in steps.items()
        },
    }


# ------------------------------------------------------------- reports and driver


def _fmt_ratio(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "–"
    return f"{entry['median']:.2f} [{entry['q1']:.2f}–{entry['q3']:.2f}]"


def _size_label(size: int, unit: str) -> str:
    if unit == "batch rows":
        return f"B={size}"
    for power, suffix in ((20, "M"), (10, "K")):
        if size >= 2**power and size % 2**power == 0:
            return f"{size >> power}{suffix}"
    return str(size)


def timed(measurements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in measurements if not m.get("ops_only") and "error" not in m]


def bandwidth_reference(machine: dict[str, Any], run: dict[str, Any]) -> tuple:
    """(GB/s, what it is) that achieved bandwidth is compared with on this run."""
    if run.get("device") == "gpu" and machine.get("gpu_peak_gbps"):
        return machine["gpu_peak_gbps"], "peak of the GPU's data sheet"
    return machine["numpy_copy_gbps"], "NumPy in-place x += 1, one thread"


def markdown(report: dict[str, Any]) -> str:
    machine = report["machine"]
    lines = [
        f"# lossbook benchmarks: {machine['slug']}",
        "",
        f"- CPU: {machine['cpu_model']}, {machine['usable_cores']} usable cores "
        f"({machine['logical_cores']} logical)",
        f"- GPU: {', '.join(machine['gpus']) or 'none'}",
        f"- Date: {machine['date']}; Python {machine['python']}; {machine['platform']}",
        f"- Run: {'quick' if report['quick'] else 'full'}, `{report['command']}`, "
        f"{report['duration_s']:.0f} s",
        "",
        "One step = loss value and its gradient with respect to `y_pred`, compiled. "
        "Ratio = median over interleaved repeats of time(lossbook) / time(built-in); "
        f"[Q1–Q3] is its interquartile range. Target: <= {TARGET_RATIO} at >= 1M "
        "elements. Bandwidth = (bytes of y_true + y_pred read + gradient written) / "
        "time.",
    ]
    for backend, run in report["backends"].items():
        if "error" in run:
            lines += ["", f"## {backend}", "", f"Failed: {run['error']}"]
            continue
        reference, described = bandwidth_reference(machine, run)
        copy = run["copy"]
        lines += [
            "",
            f"## {backend}: {run['mode']} on {run['device']} ({run['device_name']})",
            "",
            ", ".join(f"{k} {v}" for k, v in run["versions"].items()) + ".",
            f"x + 1 over {copy['elements']} floats: {copy['new_buffer_gbps']:.1f} GB/s "
            f"into a new buffer, {copy['in_place_gbps']:.1f} GB/s in place "
            f"({copy['in_place_kernel']}). Bandwidth reference: {reference:.1f} GB/s "
            f"({described}).",
        ]
        probe = run.get("torch_compile_probe")
        if probe and "error" not in probe:
            matches = [
                m
                for m in timed(run["measurements"])
                if m["row"] == probe["row"] and m["size"] == probe["size"]
            ]
            eager = matches[0] if matches else {}
            parts = [
                f"{name} compiled in {probe[name + '_compile_s']:.1f} s, then "
                f"{probe[name + '_median_s'] * 1e3:.2f} ms a step (eager: "
                f"{eager.get(name, {}).get('median_s', math.nan) * 1e3:.2f} ms)"
                for name in ("lossbook", "builtin")
                if name + "_compile_s" in probe
            ]
            lines.append(
                f"torch.compile, tried on {probe['row']} at "
                f"{_size_label(probe['size'], 'elements')}: " + "; ".join(parts) + "."
            )
        elif probe:
            lines.append(f"torch.compile, tried: {probe['error']}")
        rows = {r["key"]: r for r in run["rows"]}
        found = timed(run["measurements"])
        paired = [k for k, r in rows.items() if r["builtin"]]
        sizes = sorted(
            {m["size"] for m in found if rows[m["row"]]["size_unit"] == "elements"}
        )
        head = ["lossbook", "built-in", "relation"]
        lines += [
            "",
            "### Ratio to the built-in",
            "",
            "| "
            + " | ".join(head + [_size_label(s, "elements") for s in sizes])
            + " |",
            "|" + "---|" * (len(head) + len(sizes)),
        ]
        batch_lines = []
        for key in paired:
            row = rows[key]
            by_size = {m["size"]: m for m in found if m["row"] == key}
            start = f"| {key} | {row['builtin']} | {row['relation']} | "
            if row["size_unit"] == "elements":
                cells = [_fmt_ratio(by_size.get(s, {}).get("ratio")) for s in sizes]
                lines.append(start + " | ".join(cells) + " |")
            else:
                cells = [
                    f"{_size_label(s, row['size_unit'])}: {_fmt_ratio(m.get('ratio'))}"
                    for s, m in sorted(by_size.items())
                ]
                batch_lines.append(start + "; ".join(cells) + " |")
        if batch_lines:
            lines += [
                "",
                f"Batch losses (B rows of {EMBEDDING_DIM}-dimensional embeddings):",
                "",
                "| lossbook | built-in | relation | ratio by batch size |",
                "|---|---|---|---|",
                *batch_lines,
            ]
        lines += [
            "",
            "### Time per step (ms, median)",
            "",
            "| lossbook | size | lossbook | built-in | naive | GB/s | % of reference |",
            "|---|---|---|---|---|---|---|",
        ]
        for m in found:
            unit = rows[m["row"]]["size_unit"]
            cells = [m["row"], _size_label(m["size"], unit)]
            for name in ("lossbook", "builtin", "naive"):
                median = m.get(name, {}).get("median_s")
                cells.append("–" if median is None else f"{median * 1e3:.3f}")
            gbps = m.get("lossbook_gbps")
            cells.append("–" if gbps is None else f"{gbps:.2f}")
            cells.append("–" if gbps is None else f"{100 * gbps / reference:.1f}")
            lines.append("| " + " | ".join(cells) + " |")
        slow = slower_than_target(run)
        lines += ["", f"### Slower than {TARGET_RATIO}x at >= 1M elements", ""]
        lines += [
            f"- {m['row']} at {_size_label(m['size'], 'elements')}: "
            f"{_fmt_ratio(m['ratio'])}"
            for m in slow
        ] or ["- none"]
        ops_lines = []
        for m in run["measurements"]:
            if "costly_ops" not in m:
                continue
            parts = [
                f"{name}: "
                + (", ".join(f"{op} x{n}" for op, n in ops.items()) or "none")
                for name, ops in m["costly_ops"].items()
                if ops is not None
            ]
            if parts:
                ops_lines.append(f"- {m['row']}: " + "; ".join(parts))
        if ops_lines:
            lines += [
                "",
                "### Costly ops per element (optimised XLA HLO, forward + backward)",
                "",
                *ops_lines,
            ]
        errors = [m for m in run["measurements"] if "error" in m]
        if errors:
            lines += ["", "### Errors", ""]
            lines += [f"- {m['row']} @ {m['size']}: {m['error']}" for m in errors]
    return "\n".join(lines) + "\n"


def slower_than_target(run: dict[str, Any]) -> list[dict[str, Any]]:
    rows = {r["key"]: r for r in run["rows"]}
    return [
        m
        for m in timed(run["measurements"])
        if "ratio" in m
        and rows[m["row"]]["size_unit"] == "elements"
        and m["elements"] >= TARGET_FROM_ELEMENTS
        and m["ratio"]["median"] > TARGET_RATIO
    ]


def gather_page_data(results_dir: Path, page_data: Path) -> None:
    """docs/assets/benchmarks.json: every machine's full run, raw times left out."""
    runs = []
    for path in sorted(results_dir.glob("*.json")):
        report = json.loads(path.read_text())
        if report.get("quick") or report.get("only"):
            continue
        for run in report["backends"].values():
            for m in run.get("measurements", []):
                for name in ("lossbook", "builtin", "naive"):
                    if name in m:
                        m[name].pop("times_s", None)
        runs.append(report)
    page_data.parent.mkdir(parents=True, exist_ok=True)
    page_data.write_text(json.dumps({"schema": SCHEMA, "runs": runs}, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 1 repeat")
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help=f"comma-separated, from {','.join(BACKENDS)} (default: all)",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        help="where <machine>.json and .md go (default: benchmarks/results, or a "
        "temporary folder with --quick)",
    )
    parser.add_argument(
        "--torch-mode",
        choices=("auto", "compile", "eager"),
        default="auto",
        help="torch.compile or eager; auto: compile on a GPU, eager on a CPU, "
        "where inductor takes seconds to compile each loss at each size",
    )
    parser.add_argument(
        "--no-page-data",
        action="store_true",
        help=f"do not rewrite {PAGE_DATA.relative_to(ROOT)} after a full run",
    )
    parser.add_argument(
        "--gather",
        action="store_true",
        help=f"only rewrite {PAGE_DATA.relative_to(ROOT)} from benchmarks/results",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated loss class names to measure (output to a temp dir)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        only = [name for name in args.only.split(",") if name]
        worker(args.worker, args.quick, args.torch_mode, args.worker_out, only)
        return 0

    if args.gather:
        gather_page_data(RESULTS, PAGE_DATA)
        print(PAGE_DATA)
        return 0
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backends: {sorted(unknown)}")
    partial = args.quick or bool(args.only)
    output_dir = args.output_dir or (
        Path(tempfile.mkdtemp(prefix="lossbook-bench-")) if partial else RESULTS
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    copy_elements = QUICK_ELEMENTS if args.quick else max(ELEMENTWISE_SIZES)
    machine["numpy_copy_gbps"] = numpy_copy_gbps(copy_elements)
    machine["numpy_copy_elements"] = copy_elements
    command = "python benchmarks/run.py" + (" " + " ".join(argv or sys.argv[1:]))
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "quick": args.quick,
        "only": args.only or None,
        "command": command.strip(),
        "machine": machine,
        "target": {"ratio": TARGET_RATIO, "from_elements": TARGET_FROM_ELEMENTS},
        "backends": {},
    }
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "0"),
        "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
    }
    if args.quick and "XLA_FLAGS" not in env:
        # Quick runs check the machinery, not the speed: XLA compiles about twice
        # as fast without LLVM's optimisations (the HLO, where ops are counted,
        # is the same).
        env["XLA_FLAGS"] = "--xla_backend_optimization_level=0"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        for backend in backends:
            out = Path(scratch) / f"{backend}.json"
            command_line = (
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--worker",
                    backend,
                    "--worker-out",
                    str(out),
                    "--torch-mode",
                    args.torch_mode,
                ]
                + (["--quick"] if args.quick else [])
                + ["--only", args.only]
            )
            begun = time.perf_counter()
            done = subprocess.run(command_line, env={**env, "KERAS_BACKEND": backend})
            if done.returncode or not out.exists():
                report["backends"][backend] = {
                    "error": f"worker exited with {done.returncode}"
                }
            else:
                report["backends"][backend] = json.loads(out.read_text())
            print(
                f"{backend}: {time.perf_counter() - begun:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    for run in report["backends"].values():
        if "losses" in run:
            report["losses"], report["functions"] = run["losses"], run["functions"]
    report["duration_s"] = time.perf_counter() - started
    json_path = output_dir / f"{machine['slug']}.json"
    json_path.write_text(json.dumps(report, indent=1) + "\n")
    (output_dir / f"{machine['slug']}.md").write_text(markdown(report))
    print(json_path)
    if not partial and not args.no_page_data and output_dir == RESULTS:
        gather_page_data(RESULTS, PAGE_DATA)
        print(PAGE_DATA)
    return 0 if all("error" not in r for r in report["backends"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())

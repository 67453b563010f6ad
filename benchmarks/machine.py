"""What the numbers are measured on: CPU, GPU, a copy kernel for reference."""

from __future__ import annotations

import datetime
import os
import platform
import re
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

# Peak memory bandwidth, GB/s (vendor data sheets), matched by substring of the
# device name, most specific first. Used only for GPUs.
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


def machine_info(copy_elements: int) -> dict[str, Any]:
    """The machine, named by its slug (the results file's name)."""
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
        "date": now(),
        "numpy_copy_gbps": numpy_copy_gbps(copy_elements),
        "numpy_copy_elements": copy_elements,
    }


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")

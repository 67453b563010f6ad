"""`python -m benchmarks`: every backend in a process of its own, one results file.

    python -m benchmarks [--quick] [--backends jax,tensorflow,torch]
        [--only NAME[,NAME]] [--merge] [--output-dir DIR]

A full run writes benchmarks/results/<machine>.json; --quick and --only write to a
temporary folder (or --output-dir) instead, with the Markdown report beside it.
--merge measures, in each backend and mode, only the losses that the machine's
results file lacks, and adds them to it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import (
    BACKENDS,
    RESULTS,
    ROOT,
    SCHEMA,
    TARGET_FROM_ELEMENTS,
    TARGET_RATIO,
    report,
    store,
)
from benchmarks.machine import machine_info
from benchmarks.worker import COPY_ELEMENTS, QUICK_COPY_ELEMENTS


def worker_env(quick: bool) -> dict[str, str]:
    """The workers find `benchmarks` (the root) and the contract's cases (tests/)."""
    paths = [str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "0"),
        "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
    }
    flags = env.get("XLA_FLAGS", "")
    if quick and "--xla_backend_optimization_level" not in flags:
        # Quick runs check the machinery, not the speed: XLA compiles about twice
        # as fast without LLVM's optimisations (the HLO, where ops are counted,
        # is the same).
        env["XLA_FLAGS"] = f"{flags} --xla_backend_optimization_level=0".strip()
    return env


def run_worker(backend: str, args: Any, have: Path | None, scratch: Path) -> dict:
    out = scratch / f"{backend}.json"
    command = [sys.executable, "-m", "benchmarks.worker", "--backend", backend]
    command += ["--out", str(out), "--only", args.only]
    command += ["--quick"] if args.quick else []
    command += ["--have", str(have)] if have else []
    env = {**worker_env(args.quick), "KERAS_BACKEND": backend}
    done = subprocess.run(command, env=env, cwd=ROOT)
    if done.returncode or not out.exists():
        return {
            "runs": [{"backend": backend, "error": f"exited with {done.returncode}"}]
        }
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 1 repeat")
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help=f"comma-separated, from {','.join(BACKENDS)} (default: all)",
    )
    parser.add_argument("--only", default="", help="comma-separated loss classes")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="measure only the losses missing from this machine's results file, "
        "and add them to it",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        help="where <machine>.json goes (default: benchmarks/results; a temporary "
        "folder with --quick or --only)",
    )
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - set(BACKENDS):
        parser.error(f"unknown backends: {sorted(set(backends) - set(BACKENDS))}")
    if args.merge and args.quick:
        parser.error("--merge adds to the results file; a --quick run is not results")
    partial = (args.quick or bool(args.only)) and not args.merge
    folder = args.output_dir or (
        Path(tempfile.mkdtemp(prefix="lossbook-bench-")) if partial else RESULTS
    )
    machine = machine_info(QUICK_COPY_ELEMENTS if args.quick else COPY_ELEMENTS)
    existing_path = folder / f"{machine['slug']}.json"
    existing = (
        store.read(existing_path) if args.merge and existing_path.exists() else None
    )
    fresh: dict[str, Any] = {
        "schema": SCHEMA,
        "quick": args.quick,
        "only": args.only or None,
        "command": " ".join(["python -m benchmarks", *(argv or sys.argv[1:])]),
        "machine": machine,
        "target": {"ratio": TARGET_RATIO, "from_elements": TARGET_FROM_ELEMENTS},
        "runs": [],
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        for backend in backends:
            begun = time.perf_counter()
            have = existing_path if existing else None
            found = run_worker(backend, args, have, Path(scratch))
            fresh["runs"] += found.pop("runs")
            fresh |= found
            print(f"{backend}: {time.perf_counter() - begun:.1f} s", file=sys.stderr)
    fresh["duration_s"] = time.perf_counter() - started
    result = store.merge(existing, fresh) if existing else fresh
    path = store.write(result, folder)
    if folder != RESULTS:
        public = result.get("losses", [])
        path.with_suffix(".md").write_text(report.markdown(result, public))
    print(path)
    # The file is written either way; a failure still fails the command.
    return 1 if any(report.errors(run) for run in fresh["runs"]) else 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m benchmarks.large_vocabulary`: see the package's docstring."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from benchmarks import large_vocabulary
from benchmarks.large_vocabulary import FOLDER, merge, run
from benchmarks.large_vocabulary.step import measure_one


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.large_vocabulary",
        description=large_vocabulary.__doc__.split("\n")[0],
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes")
    parser.add_argument("--backends", default="jax,tensorflow,torch")
    parser.add_argument("--output-dir", type=Path)
    parser.add_argument(
        "--merge",
        action="store_true",
        help="replace only the measured backends' results in this machine's file",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(json.loads(args.one))))
        return 0
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    folder = args.output_dir or (
        Path(tempfile.mkdtemp(prefix="lossbook-bench-")) if args.quick else FOLDER
    )
    found = run(backends, args.quick)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{found['machine']['slug']}.json"
    if args.merge and path.exists():
        found = merge(json.loads(path.read_text(encoding="utf-8")), found)
    path.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
    print(path)
    return 1 if any("error" in r for r in found["results"]) else 0


if __name__ == "__main__":
    sys.exit(main())

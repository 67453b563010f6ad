"""The results files: one per machine, `results/<machine>.json`, the only data kept.

A file holds `machine`, `target`, `losses` (the public losses when last measured),
`runs` (one per backend and mode: `backend`, `mode`, `label`, `compiler`, `scheme`,
`memory`, `device`, `device_name`, `versions`, `copy`, `date`, `rows`,
`measurements`, and `merges` once losses were added to it) or, for a worker that
failed, `{"backend", "error"}`. `schema` is benchmarks.SCHEMA; convert.py upgrades
older files.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from benchmarks import MODES, RESULTS, SCHEMA


def read(path: Path) -> dict[str, Any]:
    found = json.loads(path.read_text(encoding="utf-8"))
    if found.get("schema") != SCHEMA:
        raise ValueError(
            f"{path}: schema {found.get('schema')}, not {SCHEMA}: convert it with "
            f"`python -m benchmarks.convert {path}`"
        )
    return found


def load(folder: Path = RESULTS) -> list[dict[str, Any]]:
    """Every machine's results, by file name."""
    return [read(path) for path in sorted(folder.glob("*.json"))]


def load_large_vocabulary(folder: Path = RESULTS / "large-vocabulary") -> list[dict]:
    """Every machine's results of `python -m benchmarks.large_vocabulary`."""
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json"))
    ]


def write(report: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{report['machine']['slug']}.json"
    path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return path


def _order(run: dict[str, Any]) -> tuple[int, int]:
    backends = list(MODES)
    backend = backends.index(run["backend"]) if run["backend"] in MODES else 99
    modes = MODES.get(run["backend"], ())
    return backend, modes.index(run["mode"]) if run.get("mode") in modes else -1


def merge(existing: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
    """`existing` with the losses `fresh` measured added (replacing theirs, if any).

    Each run that gains losses records them, with the date and versions, in its
    `merges`. A backend that failed in `fresh` leaves `existing`'s runs as they are.
    """
    merged = copy.deepcopy(existing)
    ran = {r["backend"] for r in fresh["runs"] if "error" not in r}
    merged["runs"] = [
        r for r in merged["runs"] if not ("error" in r and r["backend"] in ran)
    ]
    for run in fresh["runs"]:
        same = [
            r
            for r in merged["runs"]
            if r["backend"] == run["backend"] and r.get("mode") == run.get("mode")
        ]
        if "error" in run:
            if not any(r["backend"] == run["backend"] for r in merged["runs"]):
                merged["runs"].append(run)
            continue
        if not run["rows"]:
            continue
        if not same:
            merged["runs"].append(run)
            continue
        target = same[0]
        losses = sorted({row["loss"] for row in run["rows"]})
        kept = {row["key"] for row in target["rows"] if row["loss"] not in losses}
        target["rows"] = [r for r in target["rows"] if r["key"] in kept] + run["rows"]
        target["measurements"] = [
            m for m in target["measurements"] if m["row"] in kept
        ] + run["measurements"]
        target.setdefault("merges", []).append(
            {"date": run["date"], "losses": losses, "versions": run["versions"]}
        )
    merged["runs"].sort(key=_order)
    for field in ("losses", "functions"):
        merged[field] = fresh.get(field, merged.get(field))
    return merged

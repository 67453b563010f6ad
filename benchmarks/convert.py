"""Upgrades results files to the current schema, keeping every number.

    python -m benchmarks.convert benchmarks/results/*.json

Schema 1 (benchmarks/run.py, until 0.2.0) kept `backends: {name: run}`, hand-written
row keys, and, on a CPU, torch.compile tried on one row only (`torch_compile_probe`).
Schema 2 keeps a list of `runs`, one per backend and mode, keys derived from each
pairing's loss and arguments, and each row's contract case and scale sizes. The
probe stays beside the eager torch run: schema 1 timed no compiled torch run, so
the report says which losses were "not measured" in that mode.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks import SCHEMA
from benchmarks.report import scale_sizes

# Schema 1's row keys -> (the pairing's derived key, the contract case it used).
KEYS = {
    "WeightedBinaryCrossentropy(pos_weight=1, from_logits=True)": (
        "WeightedBinaryCrossentropy(pos_weight=1.0, from_logits=True)",
        "weighted_bce_logits",
    ),
    "WeightedBinaryCrossentropy(pos_weight=1)": (
        "WeightedBinaryCrossentropy(pos_weight=1.0)",
        "weighted_bce_probabilities",
    ),
    "ScaledMeanSquaredError(scale=1)": (
        "ScaledMeanSquaredError(scale=1.0)",
        "scaled_mse",
    ),
    "SmoothL1Loss(beta=1)": ("SmoothL1Loss(beta=1.0)", "smooth_l1"),
    "SmoothL1Loss(beta=0)": ("SmoothL1Loss(beta=0.0)", "smooth_l1_beta_zero"),
    "PinballLoss(quantiles=0.5)": (
        "PinballLoss(quantiles=0.5)",
        "pinball_one_quantile",
    ),
    "DistillationLoss(temperature=1)": (
        "DistillationLoss(temperature=1.0)",
        "distillation",
    ),
    "PolyLoss(epsilon=0, from_logits=True)": (
        "PolyLoss(epsilon=0.0, from_logits=True)",
        "poly_logits",
    ),
    "PolyLoss(epsilon=0)": ("PolyLoss(epsilon=0.0)", "poly_probabilities"),
    "JaccardLoss()": ("JaccardLoss()", "jaccard"),
    "FocalTverskyLoss(alpha=0.7, beta=0.3, gamma=1, smooth=0)": (
        "FocalTverskyLoss(alpha=0.7, beta=0.3, gamma=1.0, smooth=0.0)",
        "focal_tversky",
    ),
    "LovaszHingeLoss()": ("LovaszHingeLoss()", "lovasz_hinge_per_image"),
    "CombinedLoss([WeightedBinaryCrossentropy(pos_weight=1), MeanSquaredError()], "
    "weights=[1, 0.5])": (
        "CombinedLoss(losses=[WeightedBinaryCrossentropy(pos_weight=1.0), "
        "MeanSquaredError()], weights=[1.0, 0.5])",
        "combined_bce_and_keras_mse",
    ),
    "ContrastiveLoss(margin=1)": ("ContrastiveLoss(margin=1.0)", "contrastive"),
    "TripletSemiHardLoss(margin=1)": (
        "TripletSemiHardLoss(margin=1.0)",
        "triplet_semihard",
    ),
    "TripletHardLoss(margin=1)": ("TripletHardLoss(margin=1.0)", "triplet_hard"),
    "NTXentLoss(temperature=0.5)": ("NTXentLoss(temperature=0.5)", "nt_xent"),
    "BoxIoULoss(mode='giou')": ("BoxIoULoss(mode='giou')", "box_giou"),
    "WeightedKappaLoss(num_classes=4)": (
        "WeightedKappaLoss(num_classes=4)",
        "weighted_kappa_quadratic_4",
    ),
}
# Schema 1 ran one mode per backend; torch ran eagerly on a CPU.
MODES = {
    "jax": ("jit", "XLA"),
    "tensorflow": ("xla", "XLA"),
    "torch": ("eager", "none"),
}


def convert_run(run: dict[str, Any], date: str) -> dict[str, Any]:
    if "error" in run:
        return {"backend": run["backend"], "error": run["error"]}
    mode, compiler = MODES[run["backend"]]
    rows = []
    for row in run["rows"]:
        key, case = KEYS[row["key"]]
        rows.append(
            {
                **row,
                "key": key,
                "case": case,
                "scale_sizes": list(scale_sizes(row["sizes"])),
                "growth": 2.0 if row["size_unit"] == "batch rows" else 1.0,
            }
        )
    measurements = [{**m, "row": KEYS[m["row"]][0]} for m in run["measurements"]]
    converted = {
        "backend": run["backend"],
        "mode": mode,
        "label": run["mode"],
        "compiler": compiler,
        "scheme": "every size of each row",
        "memory": "not measured (schema 1 did not measure memory)",
        "device": run["device"],
        "device_name": run["device_name"],
        "versions": run["versions"],
        "copy": run["copy"],
        "date": date,
        "rows": rows,
        "measurements": measurements,
        "duration_s": run["duration_s"],
    }
    probe = run.get("torch_compile_probe")
    if probe:
        converted["torch_compile_probe"] = {**probe, "row": KEYS[probe["row"]][0]}
    return converted


def convert(old: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 -> SCHEMA; a file already at SCHEMA comes back unchanged."""
    if old.get("schema") == SCHEMA:
        return copy.deepcopy(old)
    if old.get("schema") != 1:
        raise ValueError(f"cannot convert schema {old.get('schema')!r}")
    date = old["machine"]["date"]
    new = {key: v for key, v in old.items() if key != "backends"}
    new["schema"] = SCHEMA
    new["converted_from_schema"] = 1
    new["runs"] = [convert_run(run, date) for run in old["backends"].values()]
    return new


def main(paths: list[str]) -> int:
    for name in paths:
        path = Path(name)
        found = convert(json.loads(path.read_text(encoding="utf-8")))
        path.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

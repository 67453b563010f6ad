"""The numbers of a report: selections, ratios, growth exponents, gaps. Pure."""

from __future__ import annotations

import math
from typing import Any

from benchmarks import GROWTH_SLACK, MODES, TARGET_FROM_ELEMENTS, TARGET_RATIO
from benchmarks.report.words import words


def scale_sizes(sizes: Any) -> tuple[int, ...]:
    """Three sizes spanning 16x for the scale curve: the largest s, s / 4, s / 16.

    Without such a triple: the smallest, middle and largest sizes.
    """
    ordered = sorted(sizes)
    for top in reversed(ordered):
        if top % 16 == 0 and {top // 4, top // 16} <= set(ordered):
            return (top // 16, top // 4, top)
    return tuple(dict.fromkeys((ordered[0], ordered[len(ordered) // 2], ordered[-1])))


def title(run: dict[str, Any]) -> str:
    return f"{run['backend']} ({run['mode']})" if "mode" in run else run["backend"]


def rows(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in run.get("rows", [])}


def timed(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The timed measurements of a run (op counts alone and errors left out)."""
    return [
        m
        for m in run.get("measurements", [])
        if not m.get("ops_only") and "error" not in m
    ]


def errors(run: dict[str, Any]) -> list[str]:
    """A run's failures: the whole worker, or one row at one size."""
    if "error" in run:
        return [f"{title(run)}: {run['error']}"]
    return [
        f"{title(run)}: {m['row']} @ {m['size']}: {m['error']}"
        for m in run.get("measurements", [])
        if "error" in m
    ]


def paired_element_rows(run: dict[str, Any]) -> list[str]:
    """Rows with a built-in whose sizes count elements (the ratio tables)."""
    return [
        key
        for key, row in rows(run).items()
        if row["builtin"] and row["size_unit"] == "elements"
    ]


def ratio_curves(run: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """{row: [(elements, median ratio to the built-in)]}, for the ratio plot."""
    return {
        key: sorted(
            (m["elements"], m["ratio"]["median"])
            for m in timed(run)
            if m["row"] == key and "ratio" in m
        )
        for key in paired_element_rows(run)
    }


def time_curves(run: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """{row: [(size, median seconds of the lossbook step)]}, for the scale plot."""
    curves: dict[str, list[tuple[int, float]]] = {}
    for m in sorted(timed(run), key=lambda m: m["size"]):
        curves.setdefault(m["row"], []).append((m["size"], m["lossbook"]["median_s"]))
    return curves


def peak_bytes(measurement: dict[str, Any], name: str = "lossbook") -> int | None:
    """Peak memory of one implementation in a measurement, None where not measured."""
    return measurement.get("memory", {}).get(name, {}).get("peak_bytes")


def growth_exponent(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log(value) against log(size)."""
    xs = [math.log(size) for size, _ in points]
    ys = [math.log(value) for _, value in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / spread


def growth(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Per row, the growth exponents of time and peak memory over its scale sizes.

    `too_fast` names those above the row's expected exponent (1 elementwise, 2
    pairwise) by more than GROWTH_SLACK. Memory only where the backend measures it;
    `builtin_time`, the built-in's exponent over the same sizes, where there is one
    (on a CPU, sizes that leave the caches grow faster than linearly for both).
    """
    found = []
    for key, row in rows(run).items():
        scale = set(row.get("scale_sizes") or scale_sizes(row["sizes"]))
        at = [m for m in timed(run) if m["row"] == key and m["size"] in scale]
        at.sort(key=lambda m: m["size"])
        if len(at) < 2:
            continue
        entry = {
            "row": key,
            "sizes": [m["size"] for m in at],
            "unit": row["size_unit"],
            "expected": row.get("growth", 1.0),
            "time": growth_exponent(
                [(m["size"], m["lossbook"]["median_s"]) for m in at]
            ),
        }
        if all("builtin" in m for m in at):
            entry["builtin_time"] = growth_exponent(
                [(m["size"], m["builtin"]["median_s"]) for m in at]
            )
        peaks = [peak_bytes(m) for m in at]
        if all(peaks):
            points = list(zip(entry["sizes"], peaks, strict=True))
            entry["memory"] = growth_exponent(points)
        limit = entry["expected"] + GROWTH_SLACK
        entry["too_fast"] = [k for k in ("time", "memory") if entry.get(k, 0) > limit]
        found.append(entry)
    return found


def missing_target(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Measurements slower than TARGET_RATIO x the built-in, from 1M elements on."""
    units = {key: row["size_unit"] for key, row in rows(run).items()}
    return [
        m
        for m in timed(run)
        if "ratio" in m
        and units[m["row"]] == "elements"
        and m["elements"] >= TARGET_FROM_ELEMENTS
        and m["ratio"]["median"] > TARGET_RATIO
    ]


def costly_ops(run: dict[str, Any], key: str) -> dict[str, dict[str, int] | None]:
    """{implementation: {op: count}} in the compiled step of a row, if counted."""
    for m in run.get("measurements", []):
        if m["row"] == key and m.get("costly_ops"):
            return m["costly_ops"]
    return {}


def bandwidth_reference(
    machine: dict[str, Any], run: dict[str, Any], language: str = "en"
) -> tuple:
    """(GB/s, what it is) that achieved bandwidth is compared with on this run."""
    word = words(language)
    if run.get("device") == "gpu" and machine.get("gpu_peak_gbps"):
        return machine["gpu_peak_gbps"], word("the GPU's data-sheet peak")
    return machine["numpy_copy_gbps"], word("NumPy's in-place x += 1, one thread")


def measured_losses(report: dict[str, Any] | None, backend: str, mode: str) -> set:
    """The losses with at least one timed measurement in a backend's mode."""
    found = set()
    for run in (report or {}).get("runs", []):
        if run["backend"] == backend and run.get("mode") == mode:
            known = {key: row["loss"] for key, row in rows(run).items()}
            found |= {known[m["row"]] for m in timed(run)}
    return found


def not_measured_by_run(
    report: dict[str, Any], public: list[str]
) -> dict[tuple[str, str], list[str]]:
    """{(backend, mode): the public losses it has no timed measurement of}."""
    gaps = {
        (backend, mode): sorted(set(public) - measured_losses(report, backend, mode))
        for backend, modes in MODES.items()
        for mode in modes
    }
    return {run: losses for run, losses in gaps.items() if losses}


def not_measured(report: dict[str, Any], public: list[str]) -> list[str]:
    """'<loss>: not measured on <machine> (<backend>, <mode>)', for every gap."""
    slug = report["machine"]["slug"]
    return [
        f"{loss}: not measured on {slug} ({backend}, {mode})"
        for (backend, mode), losses in not_measured_by_run(report, public).items()
        for loss in losses
    ]


def unknown_losses(report: dict[str, Any], public: list[str]) -> list[str]:
    """Losses that a results file names and lossbook no longer has."""
    named = {row["loss"] for run in report["runs"] for row in run.get("rows", [])}
    return sorted(named - set(public))


def page_data(reports: list[dict[str, Any]], public: list[str]) -> dict[str, Any]:
    """What the Performance page shows of every machine, without the raw times."""
    runs = [
        {
            "machine": report["machine"]["slug"],
            "backend": run["backend"],
            "mode": run.get("mode"),
            "device": run.get("device"),
            "errors": errors(run),
            "ratios": ratio_curves(run),
            "times": time_curves(run),
            "growth": growth(run),
            "slower_than_target": [
                {"row": m["row"], "size": m["size"], "ratio": m["ratio"]}
                for m in missing_target(run)
            ],
        }
        for report in reports
        for run in report["runs"]
    ]
    return {
        "target": {"ratio": TARGET_RATIO, "from_elements": TARGET_FROM_ELEMENTS},
        "machines": [report["machine"] for report in reports],
        "runs": runs,
        "not_measured": [gap for r in reports for gap in not_measured(r, public)],
        "unknown_losses": sorted(
            {u for r in reports for u in unknown_losses(r, public)}
        ),
    }

"""A machine's whole Markdown report, as the site shows it. Pure."""

from __future__ import annotations

from typing import Any

from benchmarks import GROWTH_SLACK, TARGET_RATIO
from benchmarks.report import data
from benchmarks.report.tables import (
    batch_table,
    growth_table,
    modes_table,
    ratio_table,
    size_label,
    slow_table,
    table,
    time_table,
)


def machine_table(report: dict[str, Any]) -> str:
    machine = report["machine"]
    body = [
        ["CPU", f"{machine['cpu_model']}, {machine['usable_cores']} usable cores"],
        ["GPU", ", ".join(machine["gpus"]) or "none"],
        ["Date", machine["date"]],
        ["Python, platform", f"{machine['python']}, {machine['platform']}"],
        ["Run", f"`{report['command']}`, {report['duration_s'] / 60:.1f} min"],
    ]
    for run in report["runs"]:
        if "error" in run:
            body.append([data.title(run), f"failed: {run['error']}"])
            continue
        versions = ", ".join(f"{name} {v}" for name, v in run["versions"].items())
        body.append([data.title(run), f"{run['label']} on {run['device']}; {versions}"])
        for merge in run.get("merges", []):
            added = ", ".join(merge["losses"])
            body.append(["", f"{added} added on {merge['date']}"])
    return table(["", ""], body)


def probe_text(probe: dict[str, Any]) -> str:
    """Schema 1's torch.compile, tried on one row of an eager run."""
    if "error" in probe:
        return f"torch.compile, tried: {probe['error']}"
    parts = [
        f"{name} compiled in {probe[name + '_compile_s']:.1f} s, then "
        f"{probe[name + '_median_s'] * 1e3:.2f} ms a step"
        for name in ("lossbook", "builtin")
        if name + "_compile_s" in probe
    ]
    where = f"{probe['row']} at {size_label(probe['size'])}"
    return f"torch.compile, tried on {where}: " + "; ".join(parts) + "."


def markdown(report: dict[str, Any], public: list[str]) -> str:
    """One machine's whole report, as the site shows it."""
    machine = report["machine"]
    lines = [
        f"# lossbook benchmarks: {machine['slug']}",
        "",
        machine_table(report),
        "",
        "One step = the loss value and its gradient with respect to `y_pred`, "
        "compiled. Ratio = median over interleaved repeats of time(lossbook) / "
        f"time(built-in), [Q1–Q3] its interquartile range. Target: ≤ {TARGET_RATIO} "
        "from 1M elements on. Bandwidth = (bytes of y_true and y_pred read, gradient "
        "written) / time. Growth exponent = slope of log(time) against log(size) over "
        f"three sizes spanning 16×, flagged above the expected one + {GROWTH_SLACK}. "
        "First call = compilation and one step.",
    ]
    for run in report["runs"]:
        lines += ["", f"## {data.title(run)}"]
        if "error" in run:
            lines += ["", f"Failed: {run['error']}"]
            continue
        copy = run["copy"]
        lines += [
            "",
            f"{run['label']} on {run['device']} ({run['device_name']}); "
            f"{run['scheme']}. Compiler: {run['compiler']}. Peak memory: "
            f"{run['memory']}. `x + 1` over {copy['elements']} floats: "
            f"{copy['new_buffer_gbps']:.1f} GB/s into a new buffer, "
            f"{copy['in_place_gbps']:.1f} GB/s in place ({copy['in_place_kernel']}).",
        ]
        if run.get("torch_compile_probe"):
            lines += ["", probe_text(run["torch_compile_probe"])]
        sections = [
            ("Ratio to the built-in", ratio_table(run)),
            ("Batch losses and losses without a built-in", batch_table(run)),
            ("Growth with size", growth_table(run)),
            (f"Slower than {TARGET_RATIO}× from 1M elements", slow_table(run)),
            ("Time per step (ms, median)", time_table(run, machine)),
        ]
        for heading, text in sections:
            lines += ["", f"### {heading}", "", text]
        problems = data.errors(run)
        if problems:
            lines += ["", "### Errors", ""] + [f"- {p}" for p in problems]
    for backend in sorted({r["backend"] for r in report["runs"] if "mode" in r}):
        if sum(r["backend"] == backend and "mode" in r for r in report["runs"]) > 1:
            lines += ["", f"## {backend}: its modes compared", ""]
            lines.append(modes_table(report, backend))
    gaps = data.not_measured_by_run(report, public)
    lines += ["", "## Not measured", ""]
    lines += [
        f"- not measured on {machine['slug']} ({backend}, {mode}): {', '.join(losses)}"
        for (backend, mode), losses in gaps.items()
    ] or ["None."]
    return "\n".join(lines) + "\n"
